"""The latest ranking, one client's explanation and the scoring runs: what any logged-in user
may read. Who sees which client is the selectors' business, so a hidden client is a 404."""

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam import api
from scoring.api import overrides as override_api
from scoring.models import ScoringRun
from scoring.selectors import runs as run_selectors
from scoring.selectors import scores as score_selectors

NOT_IN_RANKING = OpenApiResponse(
    api.ErrorSerializer,
    description="No such client, not one you may see, or not in the latest ranking.",
)


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
    pagination_class = api.Pagination

    @extend_schema_serializer(component_name="RankingRow")
    class OutputSerializer(ScoreFieldsSerializer):
        override = override_api.OverrideSerializer(source="active_override", allow_null=True)

    @extend_schema(
        operation_id="scoring_ranking",
        summary="The latest ranking of the clients you may see",
        description="The rows of the latest successful scoring run, best first, paginated "
        "(50 a page by default, `page_size` up to 500). Empty before the first run.",
        responses={
            200: OutputSerializer(many=True),
            404: OpenApiResponse(api.ErrorSerializer, description="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        rows = score_selectors.ranking_rows(score_selectors.ranking_latest(user=request.user))  # type: ignore[arg-type]
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
        override = override_api.OverrideSerializer(allow_null=True)
        history = HistorySerializer(
            many=True, help_text="Rank in each successful run, latest first."
        )

    @extend_schema(
        operation_id="scoring_client_explanation",
        summary="Why a client has its score and rank in the latest run",
        responses={200: OutputSerializer, 404: NOT_IN_RANKING},
    )
    def get(self, request: Request, client_id: int) -> Response:
        explanation = score_selectors.client_explanation(
            user=request.user,  # type: ignore[arg-type]
            client_id=client_id,
        )
        if explanation is None:
            raise Http404
        score = explanation.score
        data: dict[str, Any] = {
            **{name: getattr(score, name) for name in ("client_id", "client", "rank", "total")},
            "previous_rank": explanation.previous_rank,
            "rank_change": explanation.rank_change,
            "financial": score.financial,
            "strategic": score.strategic,
            "maturity": score.maturity,
            "coverage": score.coverage,
            "stability": score.stability,
            "stability_label": explanation.stability_label,
            "run": score.run,
            "criteria": explanation.criteria,
            "override": explanation.override,
            "history": score_selectors.client_rank_history(
                user=request.user,  # type: ignore[arg-type]
                client_id=client_id,
            ),
        }
        return Response(self.OutputSerializer(data).data)


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
        runs = run_selectors.scoring_run_list()[:50]
        return Response(self.OutputSerializer(runs, many=True).data)
