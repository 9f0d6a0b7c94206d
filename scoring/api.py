"""JSON API for the selection of key accounts: the latest ranking and one client's explanation.
Who sees which client is the selectors' business, so a hidden client is a 404."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as client_selectors
from accounts.models import Client, User
from scoring import selectors
from scoring.models import Criterion, Override, ScoringRun
from scoring.services import criteria as criterion_services
from scoring.services import overrides, ratings, selection
from scoring.services import weights as weight_services

WEIGHTS_DIRECTORS_ONLY = gettext_lazy(
    "Only directors and administrators can change the weights and the criteria."
)
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


# --- runs, overrides, programme, cost to serve and shortlist -----------------------------------

DIRECTORS_ONLY = OpenApiResponse(description="Only directors and administrators may do this.")
NO_SUCH_CLIENT_OR_YEAR = OpenApiResponse(
    description="No such client or programme year, or not a client you may see."
)


def _check_director(request: Request, message: str | Promise = "") -> User:
    """The caller, when a director or an administrator; anyone else gets a 403 saying why."""
    user: User = request.user  # type: ignore[assignment]
    if not user.sees_all_clients:
        raise exceptions.PermissionDenied(
            str(message) or _("Only directors and administrators can select the key accounts.")
        )
    return user


class ScoringRunListApi(APIView):
    @extend_schema_serializer(component_name="ScoringRun")
    class OutputSerializer(RunSerializer):
        client_count = serializers.IntegerField()
        error = serializers.CharField(help_text="Why a failed run failed; empty otherwise.")

    @extend_schema(
        operation_id="scoring_runs",
        summary="The latest scoring runs, newest first (at most 50)",
        description="A run still `running` or `failed` is shown here; the ranking keeps the "
        "scores of the last run that succeeded.",
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        runs = selectors.scoring_run_list()[:50]
        return Response(self.OutputSerializer(runs, many=True).data)


class OverrideListApi(APIView):
    @extend_schema_serializer(component_name="ActiveOverride")
    class OutputSerializer(OverrideSerializer):
        id = serializers.IntegerField()
        client = serializers.IntegerField(source="client_id")
        client_name = serializers.CharField(source="client.name")

    @extend_schema(
        operation_id="scoring_overrides",
        summary="The active overrides of the clients you may see",
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        overrides = selectors.override_list_active(user=request.user)  # type: ignore[arg-type]
        return Response(self.OutputSerializer(overrides, many=True).data)


class ClientOverrideApi(APIView):
    @extend_schema_serializer(component_name="OverrideSetInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Override.Kind.choices)
        points = serializers.FloatField(default=0, help_text="Adjustments only.")
        rationale = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="scoring_override_set",
        summary="Override a client's score (directors); replaces its active override",
        description="An adjustment is bounded (±10 points unless `KAM_OVERRIDE_BOUND` says "
        "otherwise); forcing in or out carries no points; a rationale is required; a client "
        "without ledger history cannot be overridden.",
        request=InputSerializer,
        responses={
            200: OverrideListApi.OutputSerializer,
            400: None,
            403: DIRECTORS_ONLY,
            404: NO_SUCH_CLIENT_OR_YEAR,
        },
    )
    def put(self, request: Request, client_id: int) -> Response:
        company = self._client(request, client_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        override = overrides.override_set(
            user=request.user,  # type: ignore[arg-type]
            client=company,
            **data.validated_data,
        )
        return Response(OverrideListApi.OutputSerializer(override).data)

    @extend_schema(
        operation_id="scoring_override_clear",
        summary="Withdraw a client's active override (directors)",
        responses={204: None, 403: DIRECTORS_ONLY, 404: NO_SUCH_CLIENT_OR_YEAR},
    )
    def delete(self, request: Request, client_id: int) -> Response:
        company = self._client(request, client_id)
        overrides.override_clear(user=request.user, client=company)  # type: ignore[arg-type]
        return Response(status=204)

    def _client(self, request: Request, client_id: int) -> Client:
        _check_director(request)
        return get_object_or_404(
            client_selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )


@extend_schema_serializer(component_name="Programme")
class ProgrammeSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    kam_headcount = serializers.IntegerField()
    kam_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Yearly cost of one full-time KAM."
    )
    updated_at = serializers.DateTimeField()


class ProgrammeListApi(APIView):
    @extend_schema(
        operation_id="scoring_programmes",
        summary="Every programme year with its budget and KAM headcount (directors)",
        responses={200: ProgrammeSerializer(many=True), 403: DIRECTORS_ONLY},
    )
    def get(self, request: Request) -> Response:
        _check_director(request)
        return Response(ProgrammeSerializer(selectors.programme_list(), many=True).data)


class ProgrammeSaveApi(APIView):
    @extend_schema_serializer(component_name="ProgrammeSaveInput")
    class InputSerializer(serializers.Serializer):
        budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
        currency = serializers.CharField(max_length=3, required=False, default="")
        kam_headcount = serializers.IntegerField(min_value=0, max_value=1000)
        kam_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))

    @extend_schema(
        operation_id="scoring_programme_save",
        summary="Set a programme year's budget and KAM headcount (directors)",
        request=InputSerializer,
        responses={200: ProgrammeSerializer, 400: None, 403: DIRECTORS_ONLY},
    )
    def put(self, request: Request, year: int) -> Response:
        _check_director(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        programme = selection.programme_save(
            user=request.user,  # type: ignore[arg-type]
            year=year,
            **data.validated_data,
        )
        return Response(ProgrammeSerializer(programme).data)


class CostToServeSetApi(APIView):
    @extend_schema_serializer(component_name="CostToServeSetInput")
    class InputSerializer(serializers.Serializer):
        kam_share = serializers.DecimalField(
            max_digits=3, decimal_places=2, help_text="Share of a KAM's time, above 0 up to 1."
        )
        travel = serializers.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
        dedicated = serializers.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
        note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    @extend_schema_serializer(component_name="CostToServe")
    class OutputSerializer(InputSerializer):
        client = serializers.IntegerField(source="client_id")
        updated_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="scoring_cost_to_serve_set",
        summary="Set a client's yearly cost-to-serve estimate (directors)",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: None,
            403: DIRECTORS_ONLY,
            404: NO_SUCH_CLIENT_OR_YEAR,
        },
    )
    def put(self, request: Request, client_id: int) -> Response:
        _check_director(request)
        company = get_object_or_404(
            client_selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cost = selection.cost_to_serve_set(
            user=request.user,  # type: ignore[arg-type]
            client=company,
            **data.validated_data,
        )
        return Response(self.OutputSerializer(cost).data)


@extend_schema_serializer(component_name="Shortlist")
class ShortlistSerializer(serializers.Serializer):
    @extend_schema_serializer(component_name="ShortlistClient")
    class RowSerializer(serializers.Serializer):
        client = serializers.IntegerField(source="client.pk")
        client_name = serializers.CharField(source="client.name")
        rank = serializers.IntegerField(source="score.rank", allow_null=True, default=None)
        total = serializers.FloatField(source="score.total", allow_null=True, default=None)
        cost = serializers.DecimalField(
            max_digits=14, decimal_places=2, allow_null=True, help_text="None: not estimated."
        )
        attractiveness = serializers.FloatField(allow_null=True)
        maturity = serializers.FloatField(allow_null=True)
        override = OverrideSerializer(allow_null=True)

    @extend_schema_serializer(component_name="ShortlistDecision")
    class DecisionSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        client_ids = serializers.ListField(child=serializers.IntegerField())
        cost = serializers.DecimalField(max_digits=14, decimal_places=2)
        budget = serializers.DecimalField(max_digits=14, decimal_places=2)
        kam_needed = serializers.IntegerField()
        kam_headcount = serializers.IntegerField()
        reason = serializers.CharField()
        budget_exception = serializers.CharField()
        decided_by = serializers.CharField()
        decided_at = serializers.DateTimeField()

    programme = ProgrammeSerializer()
    clients = RowSerializer(source="chosen", many=True)
    count = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    over_money = serializers.BooleanField()
    over_kams = serializers.BooleanField()
    guardrail = serializers.ChoiceField(
        choices=["empty", "ok", "warning", "confirm"],
        help_text="ok: 1 to 5; warning: 6 to 10; confirm: above 10, confirming needs a reason.",
    )
    is_confirmed = serializers.BooleanField()
    decision = DecisionSerializer(allow_null=True, help_text="The latest confirmation.")


class ShortlistDetailApi(APIView):
    @extend_schema(
        operation_id="scoring_shortlist",
        summary="A programme year's shortlist with its cost, capacity and guardrail (directors)",
        responses={200: ShortlistSerializer, 403: DIRECTORS_ONLY, 404: NO_SUCH_CLIENT_OR_YEAR},
    )
    def get(self, request: Request, year: int) -> Response:
        _check_director(request)
        programme = get_object_or_404(selectors.programme_list(), year=year)
        board = selectors.shortlist_board(user=request.user, programme=programme)  # type: ignore[arg-type]
        return Response(ShortlistSerializer(board).data)

    @extend_schema_serializer(component_name="ShortlistSetInput")
    class InputSerializer(serializers.Serializer):
        client_ids = serializers.ListField(child=serializers.IntegerField(), max_length=500)

    @extend_schema(
        operation_id="scoring_shortlist_set",
        summary="Make a programme year's shortlist exactly these clients (directors)",
        description="Only clients with ledger history that no override forces out; one refused "
        "client and nothing changes. The shortlist then needs confirming again.",
        request=InputSerializer,
        responses={
            200: ShortlistSerializer,
            400: None,
            403: DIRECTORS_ONLY,
            404: NO_SUCH_CLIENT_OR_YEAR,
        },
    )
    def put(self, request: Request, year: int) -> Response:
        _check_director(request)
        programme = get_object_or_404(selectors.programme_list(), year=year)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["client_ids"]))
        clients = client_selectors.client_list(user=request.user).in_bulk(wanted)  # type: ignore[arg-type]
        missing = [pk for pk in wanted if pk not in clients]
        if missing:
            raise serializers.ValidationError(
                {"client_ids": _("There is no client %(id)s.") % {"id": missing[0]}}
            )
        selection.shortlist_set(
            user=request.user,  # type: ignore[arg-type]
            programme=programme,
            clients=[clients[pk] for pk in wanted],
        )
        board = selectors.shortlist_board(user=request.user, programme=programme)  # type: ignore[arg-type]
        return Response(ShortlistSerializer(board).data)


class ShortlistConfirmApi(APIView):
    @extend_schema_serializer(component_name="ShortlistConfirmInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=4000,
            help_text="Required above ten key accounts.",
        )  # fmt: skip
        budget_exception = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=4000,
            help_text="Required when over the budget or the KAM headcount.",
        )  # fmt: skip

    @extend_schema(
        operation_id="scoring_shortlist_confirm",
        summary="Confirm a programme year's shortlist as it stands (directors)",
        request=InputSerializer,
        responses={
            201: ShortlistSerializer.DecisionSerializer,
            400: None,
            403: DIRECTORS_ONLY,
            404: NO_SUCH_CLIENT_OR_YEAR,
        },
    )
    def post(self, request: Request, year: int) -> Response:
        _check_director(request)
        programme = get_object_or_404(selectors.programme_list(), year=year)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = selection.shortlist_confirm(
            user=request.user,  # type: ignore[arg-type]
            programme=programme,
            **data.validated_data,
        )
        return Response(ShortlistSerializer.DecisionSerializer(decision).data, status=201)


# --- selection grid and ratings -------------------------------------------------------------------

LEVEL_ERRORS: dict[str, Any] = {
    "invalid": gettext_lazy("A level is a whole number from 1 to 5."),
    "min_value": gettext_lazy("A level is 1 to 5."),
    "max_value": gettext_lazy("A level is 1 to 5."),
    "max_string_length": gettext_lazy("A level is 1 to 5."),
}


@extend_schema_serializer(component_name="Rating")
class RatingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    criterion = serializers.CharField(source="criterion.code")
    criterion_name = serializers.CharField(source="criterion.name")
    family = serializers.ChoiceField(source="criterion.family", choices=Criterion.Family.choices)
    level = serializers.IntegerField(help_text="1 to 5.")
    note = serializers.CharField()
    author = serializers.IntegerField(source="author_id")
    author_name = serializers.CharField(source="author")
    created_at = serializers.DateTimeField()
    is_current = serializers.BooleanField(
        help_text="The client's latest rating on this criterion: the one the score uses."
    )


class RatingListApi(APIView):
    pagination_class = RankingPagination

    @extend_schema(
        operation_id="scoring_client_ratings",
        summary="A client's ratings, newest first",
        description="Every rating given to the client on the rated criteria (strategic "
        "alignment and maturity), newest first, paginated. The latest rating on a criterion is "
        "the current one (`is_current`).",
        responses={200: RatingOutputSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, client_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        company = get_object_or_404(client_selectors.client_list(user=user), pk=client_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.rating_list(client=company), request, view=self
        )
        current = selectors.rating_current_ids(client=company)
        for rating in page or []:
            rating.is_current = rating.pk in current  # type: ignore[attr-defined]
        return paginator.get_paginated_response(RatingOutputSerializer(page, many=True).data)


class RatingSetApi(APIView):
    @extend_schema_serializer(component_name="RatingInput")
    class InputSerializer(serializers.Serializer):
        client = serializers.IntegerField(help_text="A client you may see.")
        criterion = serializers.SlugField(help_text="The code of a rated criterion.")
        level = serializers.IntegerField(
            min_value=1, max_value=5, error_messages=LEVEL_ERRORS, help_text="1 to 5."
        )
        note = serializers.CharField(
            required=False, allow_blank=True, max_length=2000, default="", help_text="Evidence."
        )

    @extend_schema(
        operation_id="scoring_rating_set",
        summary="Rate a client on a strategic or maturity criterion",
        description="The new rating becomes the client's current one on that criterion; the "
        "score follows at the next computation, requested a few seconds later. The client's "
        "key account manager rates their own clients, directors any client.",
        request=InputSerializer,
        responses={
            201: RatingOutputSerializer,
            400: OpenApiResponse(
                description="A level outside 1 to 5, an unknown, inactive or financial criterion."
            ),
            403: OpenApiResponse(description="A client you may see but not rate."),
            404: OpenApiResponse(description="No such client, or not one you may see."),
        },
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = get_object_or_404(
            client_selectors.client_list(user=user), pk=data.validated_data["client"]
        )
        if not client_selectors.client_is_editable(user=user, client=company):
            raise PermissionDenied(
                _("Only the client's key account manager or a director can rate this client.")
            )
        code = data.validated_data["criterion"]
        criterion = selectors.criterion_list(include_inactive=True).filter(code=code).first()
        if criterion is None:
            raise ValidationError(
                {"criterion": _("There is no criterion %(code)s.") % {"code": code}}
            )
        rating = ratings.rating_set(
            user=user,
            client=company,
            criterion=criterion,
            level=data.validated_data["level"],
            note=data.validated_data["note"],
        )
        rating.is_current = True  # type: ignore[attr-defined]
        return Response(RatingOutputSerializer(rating).data, status=status.HTTP_201_CREATED)


class ScoringGridApi(APIView):
    pagination_class = RankingPagination

    @extend_schema_serializer(component_name="GridRow")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="GridCell")
        class CellSerializer(serializers.Serializer):
            criterion = serializers.CharField(source="criterion.code")
            family = serializers.ChoiceField(
                source="criterion.family", choices=Criterion.Family.choices
            )
            level = serializers.IntegerField(
                allow_null=True, help_text="Rated criteria: the current rating, 1 to 5."
            )
            raw = serializers.FloatField(
                allow_null=True, help_text="The raw value the latest run scored; None: missing."
            )
            missing = serializers.BooleanField()
            met = serializers.BooleanField(
                allow_null=True,
                help_text="Normalised score at least the criterion's threshold in the latest "
                "run; None when the run did not score the criterion.",
            )
            normalised = serializers.FloatField(allow_null=True, help_text="0 to 1.")
            pending = serializers.BooleanField(
                help_text="The current rating is newer than the latest run's."
            )
            rated_by = serializers.CharField(source="rating.author", allow_null=True, default=None)
            rated_on = serializers.DateField(
                source="rating.day",
                allow_null=True,
                default=None,
                help_text="The day of the current rating, in the installation's time zone.",
            )

        rank = serializers.IntegerField()
        client = serializers.IntegerField(source="client_id")
        client_name = serializers.CharField()
        kam_name = serializers.CharField(source="kam", help_text='"" without a KAM.')
        total = serializers.FloatField(help_text="Out of 100.")
        met_count = serializers.IntegerField(help_text="Criteria met.")
        editable = serializers.BooleanField(help_text="Whether you may rate this client.")
        criteria = CellSerializer(source="cells", many=True)

    @extend_schema(
        operation_id="scoring_grid",
        summary="The selection grid: each client you may see on each active criterion",
        description="The rows of the latest successful run, in rank order unless sorted, "
        "paginated (50 a page by default, `page_size` up to 500). Empty before the first run.",
        parameters=[
            OpenApiParameter(
                "sort", str, description="rank, client, total, met or a criterion code."
            ),
            OpenApiParameter("dir", str, enum=["asc", "desc"]),
        ],
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        grid = selectors.grid_latest(
            user=request.user,  # type: ignore[arg-type]
            sort=request.query_params.get("sort", ""),
            direction=request.query_params.get("dir", ""),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(grid.rows, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


# --- weights and criteria catalogue -------------------------------------------------------------

INVALID = OpenApiResponse(description="The request breaks a rule; the body says which.")
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
        user = _check_director(request, WEIGHTS_DIRECTORS_ONLY)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = criterion_services.criterion_create(user=user, **data.validated_data)
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
        user = _check_director(request, WEIGHTS_DIRECTORS_ONLY)
        criterion = get_object_or_404(
            selectors.criterion_list(include_inactive=True), pk=criterion_id
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        criterion = criterion_services.criterion_update(
            user=user, criterion=criterion, **data.validated_data
        )
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
        user = _check_director(request, WEIGHTS_DIRECTORS_ONLY)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            weight_set = weight_services.weight_set_update(user=user, **data.validated_data)
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict") and any(
                item.code == weight_services.STALE_WEIGHTS for item in error.error_list
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
        user = _check_director(request, WEIGHTS_DIRECTORS_ONLY)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        moves = selectors.weights_what_if(user=user, **data.validated_data)
        return Response(self.OutputSerializer(moves, many=True).data)
