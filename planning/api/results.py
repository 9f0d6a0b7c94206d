"""The programme's results of one programme year, as the results page shows them: the key
accounts against the other clients from the ledger, the plans and their health, the meetings
kept per level and the recognitions of the year. Directors, administrators, sponsors and KAMs
may read them (others: 403); an unknown programme year is a 404. The plans listed one by one
are those the caller sees."""

from __future__ import annotations

from typing import cast

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from kam import api, permissions
from planning.models import Level, Plan, Recognition
from planning.selectors import results as selectors


@extend_schema_serializer(component_name="ResultsGroupYear")
class GroupYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    clients = serializers.IntegerField(help_text="Clients of the group with figures that year.")
    revenue = serializers.DecimalField(max_digits=20, decimal_places=2)
    gross_margin = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        allow_null=True,
        help_text="Of the clients whose margin is known; null if none is.",
    )
    margin_clients = serializers.IntegerField(help_text="Clients whose margin is known.")
    margin_pct = serializers.FloatField(
        allow_null=True, help_text="Gross margin over the revenue of the same clients."
    )
    days_late = serializers.FloatField(
        allow_null=True, help_text="Average days late, weighted by revenue."
    )


@extend_schema_serializer(component_name="ResultsGroup")
class GroupSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=[selectors.KEY, selectors.OTHERS])
    current = GroupYearSerializer(allow_null=True, help_text="The programme year.")
    previous = GroupYearSerializer(allow_null=True, help_text="The year before.")
    growth_pct = serializers.FloatField(allow_null=True)
    margin_change = serializers.FloatField(allow_null=True, help_text="Points of margin %.")
    days_late_change = serializers.FloatField(allow_null=True)
    years = GroupYearSerializer(many=True, help_text="Every year up to the programme year.")


@extend_schema_serializer(component_name="ResultsLevel")
class LevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    agreed = serializers.IntegerField()
    held = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_pct = serializers.FloatField(allow_null=True)


@extend_schema_serializer(component_name="ResultsPlan")
class PlanSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    client_name = serializers.CharField(source="plan.client.name")
    status = serializers.ChoiceField(source="plan.status", choices=Plan.Status.choices)
    health_score = serializers.IntegerField(source="score")
    health_level = serializers.CharField(source="level")


@extend_schema_serializer(component_name="ResultsRecognition")
class RecognitionSerializer(serializers.Serializer):
    award = serializers.CharField()
    recipient = serializers.CharField(source="recipient_name", help_text="A person or a team.")
    is_team = serializers.SerializerMethodField()
    awarded_on = serializers.DateField()
    reason = serializers.CharField()

    def get_is_team(self, recognition: Recognition) -> bool:
        return recognition.recipient_id is None


@extend_schema_serializer(component_name="ResultsInvestment")
class InvestmentSerializer(serializers.Serializer):
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    shortlist_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The confirmed key accounts' cost to serve."
    )
    approved = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Investment approved by the steering committee."
    )
    spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2)
    over_budget = serializers.BooleanField()


class ProgrammeResultsApi(APIView):
    permission_classes = [api.allows(permissions.may_see_programme_results)]

    class OutputSerializer(serializers.Serializer):
        year = serializers.IntegerField(source="programme.year")
        currency = serializers.CharField(source="programme.currency")
        has_shortlist = serializers.BooleanField(source="ledger.has_shortlist")
        key_accounts = serializers.IntegerField(source="ledger.key_account_count")
        latest_ledger_year = serializers.IntegerField(
            source="ledger.latest_ledger_year", allow_null=True
        )
        groups = GroupSerializer(source="ledger.groups", many=True)
        plans = serializers.IntegerField(source="plans.count")
        plans_by_status = serializers.DictField(
            source="plans.by_status", child=serializers.IntegerField()
        )
        plans_approved = serializers.IntegerField(source="plans.approved")
        plans_by_health = serializers.DictField(
            source="plans.by_level", child=serializers.IntegerField()
        )
        average_health = serializers.FloatField(source="plans.average_score", allow_null=True)
        plans_listed = PlanSerializer(source="plans.listed", many=True)
        meetings_since = serializers.DateField(source="meetings.since")
        meetings_until = serializers.DateField(
            source="meetings.until", help_text="Excluded: today, or 1 January after the year."
        )
        meetings_on_time_pct = serializers.FloatField(
            source="meetings.on_time_pct", allow_null=True
        )
        meetings = LevelSerializer(source="meetings.levels", many=True)
        recognitions = RecognitionSerializer(many=True)
        investment = InvestmentSerializer()

    @extend_schema(
        operation_id="planning_programme_results",
        summary="The programme's results of a programme year: key accounts against the others",
        responses={200: OutputSerializer},
    )
    def get(self, request: Request, year: int) -> Response:
        programme = get_object_or_404(selectors.results_programme_list(), year=year)
        results = selectors.programme_results(
            user=cast(User, request.user), programme=programme, today=timezone.localdate()
        )
        return Response(self.OutputSerializer(results).data)
