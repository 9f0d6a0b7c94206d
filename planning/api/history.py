"""A plan's audit history by API: who changed what, and when, newest first. Whoever sees the
plan reads it (a 404 otherwise)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam import api, history
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of
from planning.selectors import history as selectors


@extend_schema_serializer(component_name="HistoryChange")
class ChangeSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The field's name in the API and the models.")
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        help_text="The field's name, in the caller's language."
    )
    old = serializers.CharField(help_text="Its value before, as the page shows it.")
    new = serializers.CharField(help_text="Its value after.")


@extend_schema_serializer(component_name="HistoryEvent")
class EventSerializer(serializers.Serializer):
    id = serializers.CharField(source="key")
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="The kind of row: app.Model (planning.Action).")
    kind_label = serializers.CharField()
    object_id = serializers.IntegerField()
    object_name = serializers.CharField(source="name")
    action = serializers.ChoiceField(choices=["insert", "update", "delete"])
    text = serializers.CharField(help_text="The whole change in words.")
    user = serializers.IntegerField(source="user.pk", allow_null=True, default=None)
    user_name = serializers.CharField(source="user.__str__", allow_null=True, default=None)
    task = serializers.CharField(help_text="The Celery task that made it, if a task did.")
    changes = ChangeSerializer(many=True)
    earlier_unknown = serializers.BooleanField(
        help_text="An update of a row made before the history was kept: no old values."
    )


class PlanHistoryApi(APIView):
    pagination_class = api.Pagination

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(
            choices=[entry.label for entry in history.TRACKED.values()], required=False
        )
        user = serializers.IntegerField(required=False, min_value=1)

    @extend_schema(
        operation_id="planning_plan_history",
        summary="A plan's history: every change of the plan and of what is in it, newest first",
        parameters=[FilterSerializer],
        responses={200: EventSerializer(many=True), 400: api.INVALID, 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        filters = self.FilterSerializer(data=request.query_params)
        if not filters.is_valid():
            raise serializers.ValidationError(
                {name: [_("Choose one of the values offered.")] for name in filters.errors}
            )
        events = selectors.plan_history(
            plan=plan,
            kind=filters.validated_data.get("kind", ""),
            user_id=filters.validated_data.get("user"),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(events, request, view=self)
        entries = selectors.plan_history_entries(page or [])
        return paginator.get_paginated_response(EventSerializer(entries, many=True).data)
