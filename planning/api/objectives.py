"""Objectives, their KPIs and their actions by API.

Whoever may edit the plan writes them; an action's owner (a contributor) updates its status,
progress and comment through ``actions/<id>/progress/`` and nothing else. A KPI's ``current`` is
read from the ledger for the ledger measures (``current_from_ledger``, ``ledger_year``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ClientYearMetric, Department, User
from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import DirectionSerializer, plan_of, seen, user_of
from planning.models import Action, Kpi, Objective
from planning.selectors import objectives as selectors
from planning.services import objectives as services

# --- output ---------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Kpi")
class KpiSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    objective = serializers.IntegerField(source="objective_id")
    name = serializers.CharField()
    unit = serializers.CharField()
    measure = serializers.ChoiceField(choices=Kpi.Measure.choices)
    is_margin = serializers.BooleanField()
    measures_margin = serializers.BooleanField()
    baseline = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    target = serializers.DecimalField(max_digits=18, decimal_places=4)
    current = serializers.SerializerMethodField()
    current_from_ledger = serializers.BooleanField(source="from_ledger")
    ledger_year = serializers.SerializerMethodField(
        help_text="The ledger year the current value was read from (ledger measures)."
    )
    due_date = serializers.DateField(allow_null=True)
    position = serializers.IntegerField()

    def _reading(self, kpi: Kpi) -> selectors.KpiReading:
        metric: ClientYearMetric | None = self.context.get("metric")
        if "metric" not in self.context:
            metric = selectors.ledger_metric(kpi.objective.plan)
        return selectors.kpi_current(kpi, metric)

    def get_current(self, kpi: Kpi) -> str | None:
        value = self._reading(kpi).value
        return None if value is None else f"{value:.4f}"

    def get_ledger_year(self, kpi: Kpi) -> int | None:
        return self._reading(kpi).year


@extend_schema_serializer(component_name="Action")
class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    objective = serializers.IntegerField(source="objective_id")
    title = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.CharField(source="owner.__str__")
    department = serializers.ChoiceField(choices=Department.choices)
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=Action.Status.choices)
    progress = serializers.IntegerField()
    comment = serializers.CharField()
    overdue = serializers.SerializerMethodField()
    position = serializers.IntegerField()

    def get_overdue(self, action: Action) -> bool:
        return action.is_overdue(self.context.get("today") or timezone.localdate())


@extend_schema_serializer(component_name="Objective")
class ObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    side = serializers.ChoiceField(choices=Objective.Side.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    position = serializers.IntegerField()
    progress = serializers.SerializerMethodField(
        help_text="Mean progress of the actions not dropped (done = 100); null without any."
    )
    kpis = KpiSerializer(many=True, source="kpis.all")
    actions = ActionSerializer(many=True, source="actions.all")

    def get_progress(self, objective: Objective) -> int | None:
        return selectors.rollup(objective.actions.all())


def _objectives(plan_ids: Any) -> Any:
    return (
        Objective.objects.filter(plan_id__in=plan_ids)
        .select_related("plan", "plan__programme")
        .prefetch_related("kpis", "actions__owner")
        .order_by("side", "position", "pk")
    )


# --- objectives -----------------------------------------------------------------------------------


class ObjectiveListApi(APIView):
    @extend_schema(
        operation_id="planning_objectives",
        summary="A plan's objectives with their KPIs, actions and progress",
        responses={200: ObjectiveSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        context = {"metric": selectors.ledger_metric(plan), "today": timezone.localdate()}
        objectives = _objectives([plan.pk])
        return Response(ObjectiveSerializer(objectives, many=True, context=context).data)


class ObjectiveCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="ObjectiveInput")
    class InputSerializer(serializers.Serializer):
        side = serializers.ChoiceField(choices=Objective.Side.choices)
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        operation_id="planning_objective_create",
        summary="Add an objective: one of the customer's goals, or one of ours",
        request=InputSerializer,
        responses={201: ObjectiveSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objective = services.objective_add(user=user_of(request), plan=plan, **data.validated_data)
        return Response(ObjectiveSerializer(objective).data, status=status.HTTP_201_CREATED)


class ObjectiveCollectionApi(api.Route, ObjectiveListApi, ObjectiveCreateApi):
    """GET lists a plan's objectives, POST adds one."""


def _objective(view: APIView, request: Request, objective_id: int, *, edit: bool) -> Objective:
    objective = seen(request, Objective.objects.all(), "plan", objective_id)
    objective.plan = plan_of(request, objective.plan_id)
    if edit:
        view.check_object_permissions(request, objective.plan)
    return objective


class ObjectiveDetailApi(APIView):
    @extend_schema(
        operation_id="planning_objective",
        summary="One objective with its KPIs, actions and progress",
        description="Its ETag is the objective's version (its own fields), for If-Match.",
        parameters=[api.ETAG],
        responses={200: ObjectiveSerializer},
    )
    def get(self, request: Request, objective_id: int) -> Response:
        found = _objective(self, request, objective_id, edit=False)
        objective = _objectives([found.plan_id]).get(pk=found.pk)
        return api.with_etag(Response(ObjectiveSerializer(objective).data), objective)


class ObjectiveUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="ObjectiveUpdateInput")
    class InputSerializer(serializers.Serializer):
        side = serializers.ChoiceField(choices=Objective.Side.choices, required=False)
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        operation_id="planning_objective_update",
        summary="Change an objective (a new side puts it at that side's end)",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: ObjectiveSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, objective_id: int) -> Response:
        objective = _objective(self, request, objective_id, edit=True)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objective = services.objective_update(
            user=user_of(request), objective=objective, version=version, **data.validated_data
        )
        return api.with_etag(Response(ObjectiveSerializer(objective).data), objective)


class ObjectiveDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_objective_delete",
        summary="Delete an objective with its KPIs and actions",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, objective_id: int) -> Response:
        objective = _objective(self, request, objective_id, edit=True)
        version = api.if_match(request)
        services.objective_delete(user=user_of(request), objective=objective, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObjectiveApi(api.Route, ObjectiveDetailApi, ObjectiveUpdateApi, ObjectiveDeleteApi):
    """GET reads an objective, PATCH changes it, DELETE removes it."""


class ObjectiveMoveApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_objective_move",
        summary="Move an objective one place up or down among its side's",
        request=DirectionSerializer,
        responses={200: ObjectiveSerializer},
    )
    def post(self, request: Request, objective_id: int) -> Response:
        objective = _objective(self, request, objective_id, edit=True)
        data = DirectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objective = services.objective_move(
            user=user_of(request), objective=objective, direction=data.validated_data["direction"]
        )
        return Response(ObjectiveSerializer(objective).data)


# --- KPIs -----------------------------------------------------------------------------------------


class KpiInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    measure = serializers.ChoiceField(choices=Kpi.Measure.choices, required=False)
    is_margin = serializers.BooleanField(required=False)
    baseline = serializers.DecimalField(
        max_digits=18, decimal_places=4, required=False, allow_null=True
    )
    target = serializers.DecimalField(max_digits=18, decimal_places=4)
    current = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="Only for a KPI entered by hand: a ledger measure reads the ledger.",
    )
    due_date = serializers.DateField(required=False, allow_null=True)


class KpiCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_kpi_create",
        summary="Add a KPI to an objective",
        request=extend_schema_serializer(component_name="KpiInput")(KpiInputSerializer),
        responses={201: KpiSerializer},
    )
    def post(self, request: Request, objective_id: int) -> Response:
        objective = _objective(self, request, objective_id, edit=True)
        data = KpiInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kpi = services.kpi_add(user=user_of(request), objective=objective, **data.validated_data)
        return Response(KpiSerializer(kpi).data, status=status.HTTP_201_CREATED)


def _kpi(view: APIView, request: Request, kpi_id: int) -> Kpi:
    kpi = seen(request, Kpi.objects.select_related("objective"), "objective__plan", kpi_id)
    kpi.objective.plan = plan_of(request, kpi.objective.plan_id)
    view.check_object_permissions(request, kpi.objective.plan)
    return kpi


class KpiGetApi(APIView):
    @extend_schema(
        operation_id="planning_kpi",
        summary="One KPI, with its ETag (its version) for If-Match",
        parameters=[api.ETAG],
        responses={200: KpiSerializer},
    )
    def get(self, request: Request, kpi_id: int) -> Response:
        kpi = seen(request, Kpi.objects.select_related("objective"), "objective__plan", kpi_id)
        kpi.objective.plan = plan_of(request, kpi.objective.plan_id)
        return api.with_etag(Response(KpiSerializer(kpi).data), kpi)


class KpiUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_kpi_update",
        summary="Change a KPI",
        parameters=[api.IF_MATCH, api.ETAG],
        request=extend_schema_serializer(component_name="KpiUpdateInput")(KpiInputSerializer),
        responses={200: KpiSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, kpi_id: int) -> Response:
        kpi = _kpi(self, request, kpi_id)
        version = api.if_match(request)
        data = KpiInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        kpi = services.kpi_update(
            user=user_of(request), kpi=kpi, version=version, **data.validated_data
        )
        return api.with_etag(Response(KpiSerializer(kpi).data), kpi)


class KpiDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_kpi_delete",
        summary="Delete a KPI",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, kpi_id: int) -> Response:
        kpi = _kpi(self, request, kpi_id)
        version = api.if_match(request)
        services.kpi_delete(user=user_of(request), kpi=kpi, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class KpiApi(api.Route, KpiGetApi, KpiUpdateApi, KpiDeleteApi):
    """GET reads a KPI, PATCH changes it, DELETE removes it."""


# --- actions --------------------------------------------------------------------------------------


class ActionInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner = serializers.IntegerField(help_text="An active user who may take part in the plan.")
    department = serializers.ChoiceField(
        choices=Department.choices, required=False, help_text="By default, the owner's."
    )
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
    comment = serializers.CharField(required=False, allow_blank=True)


def _with_owner(values: dict[str, Any]) -> dict[str, Any]:
    if "owner" in values:
        owner = User.objects.filter(pk=values["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": _("No such user.")})
        values = {**values, "owner": owner}
    return values


class ActionCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_action_create",
        summary="Add an action to an objective",
        request=extend_schema_serializer(component_name="ActionInput")(ActionInputSerializer),
        responses={201: ActionSerializer},
    )
    def post(self, request: Request, objective_id: int) -> Response:
        objective = _objective(self, request, objective_id, edit=True)
        data = ActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.action_add(
            user=user_of(request), objective=objective, **_with_owner(data.validated_data)
        )
        return Response(ActionSerializer(action).data, status=status.HTTP_201_CREATED)


def _action(request: Request, action_id: int) -> Action:
    action = seen(
        request, Action.objects.select_related("objective", "owner"), "objective__plan", action_id
    )
    action.objective.plan = plan_of(request, action.objective.plan_id)
    return action


class ActionDetailApi(APIView):
    @extend_schema(
        operation_id="planning_action",
        summary="One action, with its ETag (its version) for If-Match",
        parameters=[api.ETAG],
        responses={200: ActionSerializer},
    )
    def get(self, request: Request, action_id: int) -> Response:
        action = _action(request, action_id)
        return api.with_etag(Response(ActionSerializer(action).data), action)


class ActionUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_action_update",
        summary="Change an action (the plan's editors)",
        parameters=[api.IF_MATCH, api.ETAG],
        request=extend_schema_serializer(component_name="ActionUpdateInput")(ActionInputSerializer),
        responses={200: ActionSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, action_id: int) -> Response:
        action = _action(request, action_id)
        self.check_object_permissions(request, action.objective.plan)
        version = api.if_match(request)
        data = ActionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        action = services.action_update(
            user=user_of(request),
            action=action,
            version=version,
            **_with_owner(data.validated_data),
        )
        return api.with_etag(Response(ActionSerializer(action).data), action)


class ActionDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_action_delete",
        summary="Delete an action",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, action_id: int) -> Response:
        action = _action(request, action_id)
        self.check_object_permissions(request, action.objective.plan)
        version = api.if_match(request)
        services.action_delete(user=user_of(request), action=action, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActionApi(api.Route, ActionDetailApi, ActionUpdateApi, ActionDeleteApi):
    """GET reads an action, PATCH changes it, DELETE removes it."""


class ActionProgressApi(APIView):
    permission_classes = [api.allows(permissions.may_update_action)]

    @extend_schema_serializer(component_name="ActionProgressInput")
    class InputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
        progress = serializers.IntegerField(min_value=0, max_value=100, required=False)
        comment = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        operation_id="planning_action_progress_update",
        summary="Update an action's status, progress or comment (its owner, or the editors)",
        description="A done action is at 100 %.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: ActionSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, action_id: int) -> Response:
        action = _action(request, action_id)
        self.check_object_permissions(request, action)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = services.action_progress_update(
            user=user_of(request), action=action, version=version, **data.validated_data
        )
        return api.with_etag(Response(ActionSerializer(action).data), action)
