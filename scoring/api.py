"""JSON API for the selection of key accounts: the latest ranking and one client's explanation.
Who sees which client is the selectors' business, so a hidden client is a 404."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as client_selectors
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
        rating = services.rating_set(
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
            rated_at = serializers.DateTimeField(
                source="rating.created_at", allow_null=True, default=None
            )

        rank = serializers.IntegerField(source="score.rank")
        client = serializers.IntegerField(source="client.pk")
        client_name = serializers.CharField(source="client.name")
        kam_name = serializers.CharField(source="client.kam", allow_null=True)
        total = serializers.FloatField(source="score.total", help_text="Out of 100.")
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
