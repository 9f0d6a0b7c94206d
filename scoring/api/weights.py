"""The criteria catalogue and the weights (directors): the criteria, the versions of the weights,
the weights in force, a new version, and how the ranks would move under proposed weights."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from kam import api, permissions
from scoring.models import Criterion
from scoring.selectors import runs as run_selectors
from scoring.selectors import weights as weight_selectors
from scoring.services import criteria, weights

STALE = OpenApiResponse(
    description="The weights changed since `base_version`: nothing is saved; read the active "
    "weights again."
)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


@extend_schema_serializer(component_name="Criterion")
class CriterionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField(
        help_text="In the request's language (Accept-Language); when the criterion has no name "
        "in it, the other language's name, marked as such."
    )
    name_en = serializers.CharField(help_text="The name in English; empty when not given.")
    name_fr = serializers.CharField(help_text="The name in French; empty when not given.")
    family = serializers.ChoiceField(choices=Criterion.Family.choices)
    direction = serializers.ChoiceField(choices=Criterion.Direction.choices)
    normalisation = serializers.ChoiceField(choices=Criterion.Normalisation.choices)
    thresholds = serializers.ListField(child=serializers.FloatField())
    met_threshold = serializers.FloatField(help_text="Met from this 0-1 score.")
    source = serializers.CharField(help_text="Financial criteria: the ledger figure; else empty.")  # type: ignore[assignment]
    rubric = serializers.DictField(
        child=serializers.CharField(),
        help_text='Rated criteria: level "1" to "5" → meaning, in the request\'s language (as '
        "`name`).",
    )
    rubric_en = serializers.DictField(child=serializers.CharField(), help_text="In English.")
    rubric_fr = serializers.DictField(child=serializers.CharField(), help_text="In French.")
    is_active = serializers.BooleanField()


class CriterionListApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema(
        operation_id="scoring_criterion_list",
        summary="The criteria, active and inactive, by family then code",
        responses={200: CriterionOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        catalogue = weight_selectors.criterion_list(include_inactive=True)
        return Response(CriterionOutputSerializer(catalogue, many=True).data)


class CriterionCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="CriterionCreateInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.SlugField(max_length=50)
        name_en = serializers.CharField(max_length=150, allow_blank=True, default="")
        name_fr = serializers.CharField(
            max_length=150,
            allow_blank=True,
            default="",
            help_text="Give the name in English, in French or both (at least one).",
        )
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
        rubric_en = serializers.DictField(
            child=serializers.CharField(allow_blank=True),
            default=dict,
            help_text='Rated criteria: "1" to "5" → what the level means, in English.',
        )
        rubric_fr = serializers.DictField(
            child=serializers.CharField(allow_blank=True),
            default=dict,
            help_text="The same in French. A rated criterion needs every level in at least one "
            "language.",
        )

    @extend_schema(
        operation_id="scoring_criterion_create",
        summary="Add a criterion; it weighs 0 until a new version of the weights",
        request=InputSerializer,
        responses={201: CriterionOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = criteria.criterion_create(user=user, **data.validated_data)
        return Response(CriterionOutputSerializer(criterion).data, status=status.HTTP_201_CREATED)


class CriterionCollectionApi(api.Route, CriterionListApi, CriterionCreateApi):
    """GET lists the criteria, POST adds one."""


class CriterionUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="CriterionUpdateInput")
    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(required=False, help_text="Cannot change.")
        family = serializers.CharField(required=False, help_text="Cannot change.")
        name_en = serializers.CharField(required=False, allow_blank=True, max_length=150)
        name_fr = serializers.CharField(required=False, allow_blank=True, max_length=150)
        direction = serializers.ChoiceField(choices=Criterion.Direction.choices, required=False)
        normalisation = serializers.ChoiceField(
            choices=Criterion.Normalisation.choices, required=False
        )
        thresholds = serializers.ListField(child=serializers.FloatField(), required=False)
        met_threshold = serializers.FloatField(required=False)
        source = serializers.ChoiceField(  # type: ignore[assignment]
            choices=Criterion.Source.choices, allow_blank=True, required=False
        )
        rubric_en = serializers.DictField(
            child=serializers.CharField(allow_blank=True), required=False
        )
        rubric_fr = serializers.DictField(
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
            404: OpenApiResponse(api.ErrorSerializer, description="No such criterion."),
        },
    )
    def patch(self, request: Request, criterion_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        criterion = get_object_or_404(
            weight_selectors.criterion_list(include_inactive=True), pk=criterion_id
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = criteria.criterion_update(user=user, criterion=criterion, **data.validated_data)
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
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema(
        operation_id="scoring_weight_set_list",
        summary="Every version of the weights, newest first: the change log",
        responses={200: WeightSetOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        weight_sets = [change.weight_set for change in weight_selectors.weight_set_changes()]
        return Response(WeightSetOutputSerializer(weight_sets, many=True).data)


class WeightSetCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

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
            409: STALE,
        },
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            weight_set = weights.weight_set_update(user=user, **data.validated_data)
        except weights.StaleEdit as error:
            raise Conflict(error.messages) from error
        return Response(WeightSetOutputSerializer(weight_set).data, status=status.HTTP_201_CREATED)


class WeightSetCollectionApi(api.Route, WeightSetListApi, WeightSetCreateApi):
    """GET lists every version of the weights, POST saves a new one."""


class WeightSetActiveApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

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
            404: OpenApiResponse(api.ErrorSerializer, description="No weights are in force yet."),
        },
    )
    def get(self, request: Request) -> Response:
        in_force = weight_selectors.weights_in_force()
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
    permission_classes = [api.allows(permissions.may_manage_programme)]

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
        responses={200: OutputSerializer(many=True)},
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moves = run_selectors.weights_what_if(user=user, **data.validated_data)
        return Response(self.OutputSerializer(moves, many=True).data)
