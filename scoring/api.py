"""JSON API for the selection of key accounts: the latest ranking and one client's explanation.
Who sees which client is the selectors' business, so a hidden client is a 404."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from scoring import selectors, services
from scoring.models import Criterion, Override, ScoringRun

NOT_FOUND = OpenApiResponse(
    description="No such client, not one you may see, or not in the latest ranking."
)


class RankingPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_serializer(component_name="ScoreOverride")
class OverrideSerializer(serializers.Serializer):
    """A director's active correction, shown next to the score; the total does not include it."""

    kind = serializers.ChoiceField(choices=Override.Kind.choices)
    points = serializers.FloatField()
    rationale = serializers.CharField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ScoringRunSummary")
class RunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trigger = serializers.ChoiceField(choices=ScoringRun.Trigger.choices)
    status = serializers.ChoiceField(choices=ScoringRun.Status.choices)
    weight_set = serializers.CharField(source="weight_set.name")
    weight_set_version = serializers.IntegerField(source="weight_set.version")
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ScoreFieldsSerializer(serializers.Serializer):
    """The fields a ranking row and an explanation share."""

    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.name")
    kam_name = serializers.CharField(source="client.kam", allow_null=True)
    rank = serializers.IntegerField()
    previous_rank = serializers.IntegerField(allow_null=True, help_text="None: new this run.")
    rank_change = serializers.IntegerField(
        allow_null=True, help_text="Places climbed since the previous run (negative: fell)."
    )
    total = serializers.FloatField(help_text="Out of 100, without the override.")
    financial = serializers.FloatField()
    strategic = serializers.FloatField()
    maturity = serializers.FloatField()
    coverage = serializers.FloatField(help_text="Weight (out of 100) of the criteria with data.")
    stability = serializers.FloatField(
        help_text="Share (0 to 1) of perturbed weightings keeping the client in the top 5."
    )
    stability_label = serializers.ChoiceField(choices=["stable", "fragile"])


class ScoringRankingApi(APIView):
    pagination_class = RankingPagination

    @extend_schema_serializer(component_name="RankingRow")
    class OutputSerializer(ScoreFieldsSerializer):
        override = OverrideSerializer(source="active_override", allow_null=True)

    @extend_schema(
        operation_id="scoring_ranking",
        summary="The latest ranking of the clients you may see",
        description="The rows of the latest successful scoring run, best first, paginated "
        "(50 a page by default, `page_size` up to 500). Empty before the first run.",
        responses={
            200: OutputSerializer(many=True),
            404: OpenApiResponse(description="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        rows = selectors.ranking_rows(selectors.ranking_latest(user=request.user))  # type: ignore[arg-type]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ScoringClientExplanationApi(APIView):
    @extend_schema_serializer(component_name="ClientExplanation")
    class OutputSerializer(ScoreFieldsSerializer):
        @extend_schema_serializer(component_name="CriterionScore")
        class CriterionSerializer(serializers.Serializer):
            code = serializers.CharField(source="criterion.code")
            name = serializers.CharField(source="criterion.name")
            family = serializers.CharField(source="criterion.family")
            raw = serializers.FloatField(allow_null=True, help_text="None when missing.")
            normalised = serializers.FloatField(help_text="0 to 1.")
            weight = serializers.FloatField(help_text="Effective weight, out of 100.")
            points = serializers.FloatField()
            missing = serializers.BooleanField(help_text="No value: the criterion scores 0.")
            source_note = serializers.CharField()

        @extend_schema_serializer(component_name="RankHistoryEntry")
        class HistorySerializer(serializers.Serializer):
            run = serializers.IntegerField(source="run_id")
            started_at = serializers.DateTimeField(source="run.started_at")
            rank = serializers.IntegerField()
            total = serializers.FloatField()

        run = RunSerializer()
        criteria = CriterionSerializer(many=True)
        override = OverrideSerializer(allow_null=True)
        history = HistorySerializer(
            many=True, help_text="Rank in each successful run, latest first."
        )

    @extend_schema(
        operation_id="scoring_client_explanation",
        summary="Why a client has its score and rank in the latest run",
        responses={200: OutputSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, client_id: int) -> Response:
        explanation = selectors.client_explanation(
            user=request.user,  # type: ignore[arg-type]
            client_id=client_id,
        )
        if explanation is None:
            raise Http404
        score = explanation.score
        data: dict[str, Any] = {
            **{name: getattr(score, name) for name in ("client_id", "client", "rank", "total")},
            "previous_rank": score.previous_rank,  # type: ignore[attr-defined]
            "rank_change": score.rank_change,  # type: ignore[attr-defined]
            "financial": score.financial,
            "strategic": score.strategic,
            "maturity": score.maturity,
            "coverage": score.coverage,
            "stability": score.stability,
            "stability_label": explanation.stability_label,
            "run": score.run,
            "criteria": explanation.criteria,
            "override": explanation.override,
            "history": selectors.client_rank_history(client_id=client_id),
        }
        return Response(self.OutputSerializer(data).data)


# --- weights and criteria catalogue -------------------------------------------------------------

INVALID = OpenApiResponse(description="The request breaks a rule; the body says which.")
DIRECTORS_ONLY = OpenApiResponse(description="Only directors and administrators may do this.")
STALE = OpenApiResponse(
    description="The weights changed since `base_version`: nothing is saved; read the active "
    "weights again."
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _check_director(request: Request) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.sees_all_clients:
        raise exceptions.PermissionDenied(
            _("Only directors and administrators can change the weights and the criteria.")
        )
    return user


@extend_schema_serializer(component_name="Criterion")
class CriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    family = serializers.ChoiceField(choices=Criterion.Family.choices)
    direction = serializers.ChoiceField(choices=Criterion.Direction.choices)
    normalisation = serializers.ChoiceField(choices=Criterion.Normalisation.choices)
    thresholds = serializers.ListField(child=serializers.FloatField())
    met_threshold = serializers.FloatField(help_text="Met from this 0-1 score.")
    source = serializers.CharField(help_text="Financial criteria: the ledger figure; else empty.")  # type: ignore[assignment]
    rubric = serializers.DictField(
        child=serializers.CharField(), help_text='Rated criteria: level "1" to "5" → meaning.'
    )
    is_active = serializers.BooleanField()


class CriterionListApi(APIView):
    @extend_schema(
        operation_id="scoring_criterion_list",
        summary="The criteria, active and inactive, by family then code",
        responses={200: CriterionOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        criteria = selectors.criterion_list(include_inactive=True)
        return Response(CriterionOutputSerializer(criteria, many=True).data)


class CriterionCreateApi(APIView):
    @extend_schema_serializer(component_name="CriterionCreateInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.SlugField(max_length=50)
        name = serializers.CharField(max_length=150)
        family = serializers.ChoiceField(choices=Criterion.Family.choices)
        direction = serializers.ChoiceField(
            choices=Criterion.Direction.choices, default=Criterion.Direction.HIGHER
        )
        normalisation = serializers.ChoiceField(choices=Criterion.Normalisation.choices)
        thresholds = serializers.ListField(
            child=serializers.FloatField(),
            default=list,
            help_text="Strictly increasing; only when scored on thresholds.",
        )
        met_threshold = serializers.FloatField(default=0.5, help_text="0 to 1.")
        source = serializers.ChoiceField(  # type: ignore[assignment]
            choices=Criterion.Source.choices,
            allow_blank=True,
            default="",
            help_text="Required for a financial criterion, empty for a rated one.",
        )
        rubric = serializers.DictField(
            child=serializers.CharField(allow_blank=True),
            default=dict,
            help_text='Required for a rated criterion: "1" to "5" → what the level means.',
        )

    @extend_schema(
        operation_id="scoring_criterion_create",
        summary="Add a criterion; it weighs 0 until a new version of the weights",
        request=InputSerializer,
        responses={201: CriterionOutputSerializer, 400: INVALID, 403: DIRECTORS_ONLY},
    )
    def post(self, request: Request) -> Response:
        user = _check_director(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = services.criterion_create(user=user, **data.validated_data)
        return Response(CriterionOutputSerializer(criterion).data, status=status.HTTP_201_CREATED)


class CriterionCollectionApi(CriterionListApi, CriterionCreateApi):
    """GET and POST share the criteria's URL; each operation stays in its own class above."""


class CriterionUpdateApi(APIView):
    @extend_schema_serializer(component_name="CriterionUpdateInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(required=False, help_text="Cannot change.")
        family = serializers.CharField(required=False, help_text="Cannot change.")
        name = serializers.CharField(required=False, max_length=150)
        direction = serializers.ChoiceField(choices=Criterion.Direction.choices, required=False)
        normalisation = serializers.ChoiceField(
            choices=Criterion.Normalisation.choices, required=False
        )
        thresholds = serializers.ListField(child=serializers.FloatField(), required=False)
        met_threshold = serializers.FloatField(required=False)
        source = serializers.ChoiceField(  # type: ignore[assignment]
            choices=Criterion.Source.choices, allow_blank=True, required=False
        )
        rubric = serializers.DictField(
            child=serializers.CharField(allow_blank=True), required=False
        )
        is_active = serializers.BooleanField(
            required=False,
            help_text="A criterion that still weighs in the active weights is not deactivated.",
        )

    @extend_schema(
        operation_id="scoring_criterion_update",
        summary="Change a criterion; fields left out stay as they are",
        request=InputSerializer,
        responses={
            200: CriterionOutputSerializer,
            400: INVALID,
            403: DIRECTORS_ONLY,
            404: OpenApiResponse(description="No such criterion."),
        },
    )
    def patch(self, request: Request, criterion_id: int) -> Response:
        user = _check_director(request)
        criterion = get_object_or_404(
            selectors.criterion_list(include_inactive=True), pk=criterion_id
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = services.criterion_update(user=user, criterion=criterion, **data.validated_data)
        return Response(CriterionOutputSerializer(criterion).data)


@extend_schema_serializer(component_name="CriterionWeight")
class CriterionWeightSerializer(serializers.Serializer):
    code = serializers.CharField(source="criterion.code")
    name = serializers.CharField(source="criterion.name")
    family = serializers.CharField(source="criterion.family")
    weight = serializers.FloatField(
        help_text="Within its family (the family's weights sum to 100)."
    )


@extend_schema_serializer(component_name="WeightSet")
class WeightSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()
    family_weights = serializers.DictField(
        child=serializers.FloatField(), help_text="family → weight; they sum to 100."
    )
    criterion_weights = CriterionWeightSerializer(many=True, source="criterion_weights.all")
    reason = serializers.CharField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class WeightsInputSerializer(serializers.Serializer):
    family_weights = serializers.DictField(
        child=serializers.FloatField(),
        help_text='Every family with active criteria: {"financial": 50, ...}; they sum to 100.',
    )
    criterion_weights = serializers.DictField(
        child=serializers.FloatField(),
        help_text="Active criterion code → weight within its family (each family sums to 100); "
        "a criterion left out weighs 0.",
    )


class WeightSetListApi(APIView):
    @extend_schema(
        operation_id="scoring_weight_set_list",
        summary="Every version of the weights, newest first: the change log",
        responses={200: WeightSetOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        weight_sets = [change.weight_set for change in selectors.weight_set_changes()]
        return Response(WeightSetOutputSerializer(weight_sets, many=True).data)


class WeightSetCreateApi(APIView):
    @extend_schema_serializer(component_name="WeightSetCreateInput")
    class InputSerializer(WeightsInputSerializer):
        reason = serializers.CharField(max_length=2000, help_text="Shown in the change log.")
        base_version = serializers.IntegerField(
            min_value=0, help_text="The active version you started from (0 before the first)."
        )
        name = serializers.CharField(
            max_length=150, allow_blank=True, default="", help_text="Empty: keep the name."
        )

    @extend_schema(
        operation_id="scoring_weight_set_create",
        summary="Save new weights as the new active version, and recompute the scores",
        request=InputSerializer,
        responses={
            201: WeightSetOutputSerializer,
            400: INVALID,
            403: DIRECTORS_ONLY,
            409: STALE,
        },
    )
    def post(self, request: Request) -> Response:
        user = _check_director(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            weight_set = services.weight_set_update(user=user, **data.validated_data)
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict") and any(
                item.code == services.STALE_WEIGHTS for item in error.error_list
            ):
                raise Conflict(error.messages) from error
            raise
        return Response(WeightSetOutputSerializer(weight_set).data, status=status.HTTP_201_CREATED)


class WeightSetCollectionApi(WeightSetListApi, WeightSetCreateApi):
    """GET and POST share the weights' URL; each operation stays in its own class above."""


class WeightSetActiveApi(APIView):
    @extend_schema_serializer(component_name="WeightsInForce")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="CriterionWeightInForce")
        class CriterionSerializer(serializers.Serializer):
            code = serializers.CharField()
            name = serializers.CharField()
            family = serializers.CharField()
            weight = serializers.FloatField(help_text="Within its family.")
            unweighted = serializers.BooleanField(
                help_text="Added since this version: it weighs 0 until a new version."
            )

        version = serializers.IntegerField(help_text="Send it as `base_version` with a change.")
        name = serializers.CharField()
        reason = serializers.CharField()
        created_by = serializers.CharField(allow_null=True)
        created_at = serializers.DateTimeField()
        family_weights = serializers.DictField(child=serializers.FloatField())
        criterion_weights = CriterionSerializer(many=True)

    @extend_schema(
        operation_id="scoring_weight_set_active",
        summary="The weights in force, applied to the active criteria",
        responses={
            200: OutputSerializer,
            404: OpenApiResponse(description="No weights are in force yet."),
        },
    )
    def get(self, request: Request) -> Response:
        in_force = selectors.weights_in_force()
        weight_set = in_force.weight_set
        if weight_set is None:
            raise Http404
        data = {
            "version": weight_set.version,
            "name": weight_set.name,
            "reason": weight_set.reason,
            "created_by": weight_set.created_by,
            "created_at": weight_set.created_at,
            "family_weights": in_force.family_weights,
            "criterion_weights": [
                {
                    "code": criterion.code,
                    "name": criterion.name,
                    "family": criterion.family,
                    "weight": in_force.criterion_weights[criterion.code],
                    "unweighted": criterion.code in in_force.unweighted,
                }
                for criterion in in_force.criteria
            ],
        }
        return Response(self.OutputSerializer(data).data)


class WeightsWhatIfApi(APIView):
    @extend_schema_serializer(component_name="WhatIfInput")
    class InputSerializer(WeightsInputSerializer):
        pass

    @extend_schema_serializer(component_name="WhatIfMove")
    class OutputSerializer(serializers.Serializer):
        client = serializers.IntegerField(source="client.pk")
        client_name = serializers.CharField(source="client.name")
        old_rank = serializers.IntegerField(help_text="Under the weights in force.")
        new_rank = serializers.IntegerField(help_text="Under the proposed weights.")
        move = serializers.IntegerField(help_text="Places climbed (negative: fell).")
        old_total = serializers.FloatField()
        new_total = serializers.FloatField()

    @extend_schema(
        operation_id="scoring_weights_what_if",
        summary="How the ranks would move under proposed weights; nothing is saved",
        request=InputSerializer,
        responses={200: OutputSerializer(many=True), 400: INVALID, 403: DIRECTORS_ONLY},
    )
    def post(self, request: Request) -> Response:
        user = _check_director(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moves = services.weights_what_if(user=user, **data.validated_data)
        return Response(self.OutputSerializer(moves, many=True).data)
