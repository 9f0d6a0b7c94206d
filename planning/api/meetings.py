"""The cadences agreed with a customer, the meetings held with them (participants on both sides
and decisions), a decision made a plan action, and the compliance of the plans you see.

A plan, cadence, meeting or decision the caller may not see is a 404; a caller who sees it but
may not change the plan gets a 403 saying why; the services refuse bad input with a 400 and write
nothing (a periodicity below 1, a stakeholder of another plan, one of our people who is not an
active user, a meeting dated after tomorrow, a decision already an action, a plan without
objective)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Department, User
from kam import api, permissions
from planning.models import (
    Cadence,
    CounterpartPair,
    Level,
    Meeting,
    Objective,
    Plan,
    Stakeholder,
)
from planning.selectors import cadences as cadence_selectors
from planning.selectors import meetings as selectors
from planning.selectors import plans as plan_selectors
from planning.services import meetings as services


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _rows[M: Model](model: type[M], ids: list[int], field: str, message: str) -> list[M]:
    """The rows ``ids`` of ``model``, or a 400 on ``field`` saying one is unknown (whether it
    belongs to the plan is the service's to say)."""
    rows = list(model._default_manager.filter(pk__in=ids))
    if len(rows) != len(set(ids)):
        raise ValidationError({field: message})
    return rows


def _row[M: Model](model: type[M], pk: int | None, field: str, message: str) -> M | None:
    if pk is None:
        return None
    return _rows(model, [pk], field, message)[0]


# --- cadences ------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Cadence")
class CadenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="cadence.pk")
    plan = serializers.IntegerField(source="cadence.plan_id")
    kind = serializers.ChoiceField(source="cadence.kind", choices=Cadence.Kind.choices)
    name = serializers.CharField(source="cadence.name")
    level = serializers.ChoiceField(source="cadence.level", choices=Level.choices)
    every = serializers.IntegerField(source="cadence.every")
    unit = serializers.ChoiceField(source="cadence.unit", choices=Cadence.Unit.choices)
    starts_on = serializers.DateField(source="cadence.starts_on")
    agreed_on = serializers.DateField(source="cadence.agreed_on", allow_null=True)
    agreed_by_us = serializers.IntegerField(source="cadence.agreed_by_us_id", allow_null=True)
    agreed_by_them = serializers.IntegerField(source="cadence.agreed_by_them_id", allow_null=True)
    our_department = serializers.CharField(source="cadence.our_department")
    their_function = serializers.CharField(source="cadence.their_function")
    pairs = serializers.ListField(child=serializers.IntegerField(), source="pair_ids")
    next_due = serializers.DateField(help_text="One period after the last meeting held, or the "
                                     "first due date if none was held.")  # fmt: skip
    overdue = serializers.BooleanField()
    last_held = serializers.DateField(allow_null=True)
    on_time_share = serializers.FloatField(
        allow_null=True,
        help_text="0 to 1: the due dates of the last 12 months met by a meeting held on or "
        "before them; null when nothing fell due.",
    )
    due_count = serializers.IntegerField(help_text="Due dates in the last 12 months.")
    on_time_count = serializers.IntegerField()


class _CadenceRow:
    """A cadence with where it stands, as the serializer reads it."""

    def __init__(self, status: cadence_selectors.CadenceStatus) -> None:
        self.cadence = status.cadence
        self.pair_ids = [pair.pk for pair in status.pairs]
        self.next_due, self.overdue, self.last_held = (
            status.next_due,
            status.overdue,
            status.last_held,
        )
        self.on_time_share = status.on_time_share
        self.due_count, self.on_time_count = status.due_count, status.on_time_count


def _cadence_rows(plan: Plan, cadence_id: int | None = None) -> list[_CadenceRow]:
    statuses = cadence_selectors.cadence_status([plan], timezone.localdate(), with_pairs=True)
    return [
        _CadenceRow(status)
        for status in statuses.get(plan.pk, [])
        if cadence_id is None or status.cadence.pk == cadence_id
    ]


class CadenceInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Cadence.Kind.choices)
    name = serializers.CharField(max_length=150)
    level = serializers.ChoiceField(choices=Level.choices)
    every = serializers.IntegerField(help_text="At least 1.")
    unit = serializers.ChoiceField(choices=Cadence.Unit.choices, default=Cadence.Unit.MONTH)
    starts_on = serializers.DateField(help_text="When the first meeting is due.")
    agreed_on = serializers.DateField(allow_null=True, default=None)
    agreed_by_us = serializers.IntegerField(
        allow_null=True, default=None, help_text="One of our active users."
    )
    agreed_by_them = serializers.IntegerField(
        allow_null=True, default=None, help_text="A stakeholder of the plan."
    )
    our_department = serializers.ChoiceField(
        choices=Department.choices, allow_blank=True, default=""
    )
    their_function = serializers.CharField(allow_blank=True, default="", max_length=100)
    pairs = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="The counterpart pairs of the plan it covers (replaces them when given).",
    )


def _cadence_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values["agreed_by_us"] = _row(User, values["agreed_by_us"], "agreed_by_us", _("No such user."))
    values["agreed_by_them"] = _row(
        Stakeholder, values["agreed_by_them"], "agreed_by_them", _("No such stakeholder.")
    )
    if "pairs" in values:
        values["pairs"] = _rows(
            CounterpartPair, values["pairs"], "pairs", _("No such counterpart pair.")
        )
    return values


class CadenceListApi(APIView):
    @extend_schema(
        operation_id="planning_cadences",
        summary="The cadences agreed with the customer of a plan, with where each stands",
        responses={200: CadenceSerializer(many=True)},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_get(user=_user(request), plan_id=plan_id)
        return Response(CadenceSerializer(_cadence_rows(plan), many=True).data)


class CadenceCreateApi(APIView):
    @extend_schema_serializer(component_name="CadenceInput")
    class InputSerializer(CadenceInput):
        pass

    @extend_schema(
        operation_id="planning_cadence_create",
        summary="Add a cadence agreed with the customer",
        request=InputSerializer,
        responses={201: CadenceSerializer},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_for_edit(user=_user(request), plan_id=plan_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cadence = services.cadence_create(
            user=_user(request), plan=plan, **_cadence_values(data.validated_data)
        )
        (row,) = _cadence_rows(plan, cadence.pk)
        return Response(CadenceSerializer(row).data, status=status.HTTP_201_CREATED)


class CadenceCollectionApi(api.Route, CadenceListApi, CadenceCreateApi):
    """GET lists a plan's cadences, POST adds one."""


def _cadence(request: Request, cadence_id: int) -> Cadence:
    return get_object_or_404(selectors.cadence_list(user=_user(request)), pk=cadence_id)


class CadenceGetApi(APIView):
    @extend_schema(
        operation_id="planning_cadence",
        summary="One cadence, with where it stands",
        description="Its ETag is the cadence's version (its own fields), for If-Match.",
        parameters=[api.ETAG],
        responses={200: CadenceSerializer},
    )
    def get(self, request: Request, cadence_id: int) -> Response:
        cadence = _cadence(request, cadence_id)
        (row,) = _cadence_rows(cadence.plan, cadence.pk)
        return api.with_etag(Response(CadenceSerializer(row).data), cadence)


class CadenceUpdateApi(APIView):
    @extend_schema_serializer(component_name="CadenceUpdateInput")
    class InputSerializer(CadenceInput):
        pass

    @extend_schema(
        operation_id="planning_cadence_update",
        summary="Change a cadence (all its fields; the pairs only when given)",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: CadenceSerializer, **api.PRECONDITIONS},
    )
    def put(self, request: Request, cadence_id: int) -> Response:
        cadence = _cadence(request, cadence_id)
        permissions.require(permissions.may_edit_plan, _user(request), cadence.plan)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cadence = services.cadence_update(
            user=_user(request),
            cadence=cadence,
            version=version,
            **_cadence_values(data.validated_data),
        )
        (row,) = _cadence_rows(cadence.plan, cadence.pk)
        return api.with_etag(Response(CadenceSerializer(row).data), cadence)


class CadenceDeleteApi(APIView):
    @extend_schema(
        operation_id="planning_cadence_delete",
        summary="Remove a cadence (its meetings stay in the log, without a cadence)",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, cadence_id: int) -> Response:
        cadence = _cadence(request, cadence_id)
        permissions.require(permissions.may_edit_plan, _user(request), cadence.plan)
        version = api.if_match(request)
        services.cadence_delete(user=_user(request), cadence=cadence, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CadenceDetailApi(api.Route, CadenceGetApi, CadenceUpdateApi, CadenceDeleteApi):
    """GET reads a cadence, PUT changes it, DELETE removes it."""


# --- meetings -------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="MeetingDecision")
class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    action = serializers.SerializerMethodField(help_text="The plan action made from it, if any.")

    def get_action(self, decision: Any) -> int | None:
        action = getattr(decision, "action", None)
        return action.pk if action is not None else None


@extend_schema_serializer(component_name="Meeting")
class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    date = serializers.DateField()
    cadence = serializers.IntegerField(source="cadence_id", allow_null=True)
    level = serializers.ChoiceField(choices=Level.choices)
    title = serializers.CharField()
    summary = serializers.CharField()
    our_participants = serializers.SerializerMethodField(help_text="Our users.")
    their_participants = serializers.SerializerMethodField(help_text="Stakeholders of the plan.")
    decisions = DecisionSerializer(many=True, read_only=True)

    def get_our_participants(self, meeting: Meeting) -> list[int]:
        return [user.pk for user in meeting.our_participants.all()]

    def get_their_participants(self, meeting: Meeting) -> list[int]:
        return [person.pk for person in meeting.their_participants.all()]


class MeetingInput(serializers.Serializer):
    date = serializers.DateField(help_text="When it was held: no later than tomorrow.")
    cadence = serializers.IntegerField(allow_null=True, default=None)
    level = serializers.ChoiceField(
        choices=Level.choices, allow_blank=True, default="", help_text="By default the cadence's."
    )
    title = serializers.CharField(allow_blank=True, default="", max_length=200)
    summary = serializers.CharField(allow_blank=True, default="")
    our_participants = serializers.ListField(
        child=serializers.IntegerField(), default=list, help_text="Our active users."
    )
    their_participants = serializers.ListField(
        child=serializers.IntegerField(), default=list, help_text="Stakeholders of the plan."
    )
    decisions = serializers.ListField(
        child=serializers.CharField(max_length=300), default=list, help_text="What was decided."
    )


def _meeting_values(data: dict[str, Any]) -> dict[str, Any]:
    values = dict(data)
    values["cadence"] = _row(Cadence, values["cadence"], "cadence", _("No such cadence."))
    if not values["level"] and values["cadence"] is None:
        raise ValidationError({"level": _("Give the level of a meeting outside any cadence.")})
    values["our_participants"] = _rows(
        User, values["our_participants"], "our_participants", _("No such user.")
    )
    values["their_participants"] = _rows(
        Stakeholder, values["their_participants"], "their_participants", _("No such stakeholder.")
    )
    return values


def _meeting(request: Request, meeting_id: int) -> Meeting:
    return get_object_or_404(selectors.meeting_list(user=_user(request)), pk=meeting_id)


class MeetingListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_meetings",
        summary="The meetings held with the customer of a plan, newest first",
        responses={200: MeetingSerializer(many=True)},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_get(user=_user(request), plan_id=plan_id)
        meetings = selectors.meeting_list(user=_user(request)).filter(plan=plan)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(meetings, request, view=self)
        return paginator.get_paginated_response(MeetingSerializer(page, many=True).data)


class MeetingCreateApi(APIView):
    @extend_schema_serializer(component_name="MeetingInput")
    class InputSerializer(MeetingInput):
        pass

    @extend_schema(
        operation_id="planning_meeting_log",
        summary="Log a meeting held, with its participants and decisions",
        request=InputSerializer,
        responses={201: MeetingSerializer},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_for_edit(user=_user(request), plan_id=plan_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_log(
            user=_user(request), plan=plan, **_meeting_values(data.validated_data)
        )
        meeting = _meeting(request, meeting.pk)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingCollectionApi(api.Route, MeetingListApi, MeetingCreateApi):
    """GET lists a plan's meetings, POST logs one."""


class MeetingGetApi(APIView):
    @extend_schema(
        operation_id="planning_meeting",
        summary="One meeting, with its participants and decisions",
        description="Its ETag is the meeting's version (its own fields), for If-Match.",
        parameters=[api.ETAG],
        responses={200: MeetingSerializer},
    )
    def get(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        return api.with_etag(Response(MeetingSerializer(meeting).data), meeting)


class MeetingUpdateApi(APIView):
    @extend_schema_serializer(component_name="MeetingUpdateInput")
    class InputSerializer(MeetingInput):
        pass

    @extend_schema(
        operation_id="planning_meeting_update",
        summary="Change a logged meeting",
        description="The decisions sent replace the meeting's, but a decision already made an "
        "action stays.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: MeetingSerializer, **api.PRECONDITIONS},
    )
    def put(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        permissions.require(permissions.may_edit_plan, _user(request), meeting.plan)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.meeting_update(
            user=_user(request),
            meeting=meeting,
            version=version,
            **_meeting_values(data.validated_data),
        )
        meeting = _meeting(request, meeting_id)
        return api.with_etag(Response(MeetingSerializer(meeting).data), meeting)


class MeetingDeleteApi(APIView):
    @extend_schema(
        operation_id="planning_meeting_delete",
        summary="Remove a logged meeting and its decisions (actions made from them stay)",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        permissions.require(permissions.may_edit_plan, _user(request), meeting.plan)
        version = api.if_match(request)
        services.meeting_delete(user=_user(request), meeting=meeting, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeetingDetailApi(api.Route, MeetingGetApi, MeetingUpdateApi, MeetingDeleteApi):
    """GET reads a meeting, PUT changes it, DELETE removes it."""


# --- a decision made an action --------------------------------------------------------------------


@extend_schema_serializer(component_name="DecisionAction")
class DecisionActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    decision = serializers.IntegerField(source="decision_id")
    objective = serializers.IntegerField(source="objective_id")
    title = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    department = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.CharField()


class DecisionActionApi(APIView):
    @extend_schema_serializer(component_name="DecisionActionInput")
    class InputSerializer(serializers.Serializer):
        objective = serializers.IntegerField(
            allow_null=True,
            default=None,
            help_text="An objective of the plan; by default its first of ours.",
        )

    @extend_schema(
        operation_id="planning_decision_action",
        summary="Make a meeting decision a plan action",
        description="Its title is the decision, owned by the plan's KAM in their department, "
        "due 30 days after the meeting. Refused (400) for a decision already an action, and for "
        "a plan without objective.",
        request=InputSerializer,
        responses={201: DecisionActionSerializer},
    )
    def post(self, request: Request, decision_id: int) -> Response:
        decision = get_object_or_404(selectors.decision_list(user=_user(request)), pk=decision_id)
        permissions.require(permissions.may_edit_plan, _user(request), decision.meeting.plan)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objective = _row(
            Objective, data.validated_data["objective"], "objective", _("No such objective.")
        )
        action = services.decision_to_action(
            user=_user(request), decision=decision, objective=objective
        )
        return Response(DecisionActionSerializer(action).data, status=status.HTTP_201_CREATED)


# --- compliance ----------------------------------------------------------------------------------


@extend_schema_serializer(component_name="LevelCompliance")
class LevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    agreed = serializers.IntegerField(help_text="Due dates of its cadences, last 12 months.")
    held = serializers.IntegerField(help_text="Meetings logged at that level, last 12 months.")
    on_time = serializers.IntegerField()


@extend_schema_serializer(component_name="PlanCompliance")
class PlanComplianceSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan.pk")
    client_name = serializers.CharField(source="plan.client.name")
    cadences = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due = serializers.IntegerField()
    on_time = serializers.IntegerField()
    on_time_share = serializers.FloatField(allow_null=True)
    next_due = serializers.DateField(allow_null=True)
    levels = LevelSerializer(many=True)


class ComplianceApi(APIView):
    @extend_schema(
        operation_id="planning_compliance",
        summary="How the cadences of the plans you see are kept, per plan and level",
        responses={200: PlanComplianceSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        plans = plan_selectors.plan_list(user=_user(request))
        rows = cadence_selectors.plan_compliance(plans, timezone.localdate())
        return Response(PlanComplianceSerializer(rows, many=True).data)
