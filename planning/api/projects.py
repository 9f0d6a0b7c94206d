"""Investment projects and the steering committee by API: a plan's projects (listed, proposed),
one project (read, changed while it waits, its spending once approved), the committee's sessions
(listed, planned, held), a session's board, its decisions (listed, recorded) and the multi-year
view of approved investment against the programme budget.

A project the caller does not see is a 404; a role that may not act is a 403 saying why; bad
input is a 400 naming what to change, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of, user_of
from planning.models import (
    InvestmentProject,
    Objective,
    SteeringDecision,
    SteeringSession,
)
from planning.selectors import plans as plan_selectors
from planning.selectors import projects as selectors
from planning.services import projects as services

NO_SUCH_PROJECT = OpenApiResponse(
    api.ErrorSerializer, description="No such project, or not one you may see."
)
NO_SUCH_SESSION = OpenApiResponse(api.ErrorSerializer, description="No such session.")


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


@extend_schema_serializer(component_name="ProjectYear")
class ProjectYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    budget = _money()
    margin_impact = _money(help_text="Expected margin impact.")
    spent = _money(help_text="Spent to date.")


@extend_schema_serializer(component_name="InvestmentProject")
class ProjectSerializer(serializers.Serializer):
    """A project with its figures (built from ``selectors.ProjectFigures``)."""

    id = serializers.IntegerField(source="project.pk")
    plan = serializers.IntegerField(source="project.plan_id")
    client = serializers.IntegerField(source="project.plan.client_id")
    client_name = serializers.CharField(source="project.plan.client.name")
    programme_year = serializers.IntegerField(source="project.plan.programme.year")
    kind = serializers.ChoiceField(source="project.kind", choices=InvestmentProject.Kind.choices)
    title = serializers.CharField(source="project.title")
    description = serializers.CharField(source="project.description")
    owner = serializers.IntegerField(source="project.owner_id")
    objectives = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        source="project.status", choices=InvestmentProject.Status.choices
    )
    years = ProjectYearSerializer(source="lines", many=True)
    budget = _money(help_text="Total budget over its years.")
    margin_impact = _money(help_text="Total expected margin impact.")
    spent = _money(help_text="Total spent to date.")
    ratio = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text="Expected margin impact per unit of budget.",
    )
    payback_year = serializers.IntegerField(
        allow_null=True,
        help_text="First year whose cumulative margin impact reaches the cumulative budget.",
    )
    updated_at = serializers.DateTimeField(source="project.updated_at")

    def get_objectives(self, figures: selectors.ProjectFigures) -> list[int]:
        return sorted(objective.pk for objective in figures.project.objectives.all())


def _figures(projects: Iterable[InvestmentProject]) -> list[selectors.ProjectFigures]:
    return [selectors.project_figures(project) for project in projects]


def _project_out(user: User, project_id: int, **kwargs: Any) -> Response:
    """The project as it is now, with its version as ``ETag``."""
    project = selectors.project_get(user=user, project_id=project_id)
    response = Response(ProjectSerializer(selectors.project_figures(project)).data, **kwargs)
    response["ETag"] = api.etag(services.project_version(project))
    return response


class YearInputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    budget = _money()
    margin_impact = _money(required=False, default=0)


class ProjectInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InvestmentProject.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.IntegerField(help_text="The user who owns the project.")
    objectives = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Objectives of the same plan the project serves.",
    )
    years = YearInputSerializer(
        many=True,
        help_text="Budget and expected margin impact by year, within the programme's horizon.",
    )


@extend_schema_serializer(component_name="ProjectUpdateInput")
class ProjectUpdateInputSerializer(ProjectInputSerializer):
    """The same fields, each optional (the schema of a PATCH)."""

    kind = serializers.ChoiceField(choices=InvestmentProject.Kind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    owner = serializers.IntegerField(required=False)
    years = YearInputSerializer(many=True, required=False)


def _resolve(user: User, values: dict[str, Any]) -> dict[str, Any]:
    """The owner and objectives named by id, as rows; an unknown id is a 400."""
    values = dict(values)
    if "owner" in values:
        owner = User.objects.filter(pk=values["owner"], is_active=True).first()
        if owner is None:
            raise ValidationError({"owner": _("Choose an active user to own the project.")})
        values["owner"] = owner
    if "objectives" in values:
        ids = set(values["objectives"])
        visible = plan_selectors.plan_list(user=user).values("pk")
        found = list(Objective.objects.filter(pk__in=ids, plan__in=visible))
        missing = ids - {objective.pk for objective in found}
        if missing:
            raise ValidationError(
                {
                    "objectives": _("No such objective: %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in sorted(missing))}
                }
            )
        values["objectives"] = found
    if "years" in values:
        values["years"] = [dict(line) for line in values["years"]]
    return values


# --- projects -------------------------------------------------------------------------------------


class ProjectListApi(APIView):
    @extend_schema(
        operation_id="planning_projects",
        summary="A plan's investment projects, with their figures",
        responses={200: ProjectSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        projects = selectors.project_list(user=user_of(request)).filter(plan=plan)
        return Response(ProjectSerializer(_figures(projects), many=True).data)


class ProjectProposeApi(APIView):
    permission_classes = [api.allows(permissions.may_propose_project)]

    @extend_schema(
        operation_id="planning_project_propose",
        summary="Propose an investment project for the plan's key account",
        description="The account's KAM or a director. Each year lies within the programme's "
        "investment horizon; budgets are not negative; objectives are the plan's own.",
        request=extend_schema_serializer(component_name="ProjectInput")(ProjectInputSerializer),
        responses={201: ProjectSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = ProjectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_of(request)
        project = services.project_propose(
            user=user, plan=plan, **_resolve(user, data.validated_data)
        )
        return _project_out(user, project.pk, status=status.HTTP_201_CREATED)


class ProjectCollectionApi(api.Route, ProjectListApi, ProjectProposeApi):
    """GET lists a plan's projects, POST proposes one."""


class ProjectDetailApi(APIView):
    @extend_schema(
        operation_id="planning_project",
        summary="One investment project",
        description="Its ETag is the project's version (its fields, years, spending and "
        "objectives), for If-Match.",
        parameters=[api.ETAG],
        responses={200: ProjectSerializer, 404: NO_SUCH_PROJECT},
    )
    def get(self, request: Request, project_id: int) -> Response:
        return _project_out(user_of(request), project_id)


class ProjectUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_propose_project)]

    @extend_schema(
        operation_id="planning_project_update",
        summary="Change a project while it waits for the committee",
        description="Any of the fields; ``years``, when given, replaces all of them.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=ProjectUpdateInputSerializer,
        responses={200: ProjectSerializer, 404: NO_SUCH_PROJECT, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, project_id: int) -> Response:
        user = user_of(request)
        project = selectors.project_get(user=user, project_id=project_id)
        self.check_object_permissions(request, project.plan)
        version = api.if_match(request)
        data = ProjectUpdateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.project_update(
            user=user, project=project, version=version, **_resolve(user, data.validated_data)
        )
        return _project_out(user, project.pk)


class ProjectApi(api.Route, ProjectDetailApi, ProjectUpdateApi):
    """GET reads a project, PATCH changes it while it waits."""


@extend_schema_serializer(component_name="ProjectSpentYear")
class SpentYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    spent = _money()


class ProjectSpentApi(APIView):
    permission_classes = [api.allows(permissions.may_propose_project)]

    @extend_schema_serializer(component_name="ProjectSpentInput")
    class InputSerializer(serializers.Serializer):
        spent = SpentYearSerializer(many=True, allow_empty=False)

    @extend_schema(
        operation_id="planning_project_spent",
        summary="Record what an approved project has spent to date, by year",
        description="If-Match: the project's ETag, as for a change.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: ProjectSerializer, 404: NO_SUCH_PROJECT, **api.PRECONDITIONS},
    )
    def put(self, request: Request, project_id: int) -> Response:
        user = user_of(request)
        project = selectors.project_get(user=user, project_id=project_id)
        self.check_object_permissions(request, project.plan)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        spent = {line["year"]: line["spent"] for line in data.validated_data["spent"]}
        services.project_spent_set(user=user, project=project, spent=spent, version=version)
        return _project_out(user, project.pk)


# --- the steering committee -----------------------------------------------------------------------


@extend_schema_serializer(component_name="SteeringSession")
class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    agenda = serializers.CharField()
    status = serializers.ChoiceField(choices=SteeringSession.Status.choices)
    year = serializers.SerializerMethodField(help_text="Its programme year, if one.")
    members = serializers.SerializerMethodField()

    def get_year(self, session: SteeringSession) -> int | None:
        return session.programme.year if session.programme_id else None  # type: ignore[union-attr]

    def get_members(self, session: SteeringSession) -> list[int]:
        return sorted(member.pk for member in session.members.all())


@extend_schema_serializer(component_name="SteeringDecision")
class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    project = serializers.IntegerField(source="project_id")
    outcome = serializers.ChoiceField(choices=SteeringDecision.Outcome.choices)
    reason = serializers.CharField()
    budget_exception = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id")
    decided_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="InvestmentYear")
class InvestmentYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    currency = serializers.CharField()
    budget = _money(help_text="The programme budget of the year.")
    shortlist_cost = _money(help_text="The confirmed key accounts' cost to serve.")
    approved = _money(help_text="Investment approved for the year.")
    committed = _money(help_text="Shortlist cost plus investment.")
    remaining = _money()
    spent = _money(help_text="Spent by the approved projects.")
    over_budget = serializers.BooleanField()


@extend_schema_serializer(component_name="SteeringBoardRow")
class BoardRowSerializer(serializers.Serializer):
    project = ProjectSerializer(source="figures")
    score = serializers.FloatField(allow_null=True, help_text="The account's latest score.")
    rank = serializers.IntegerField(allow_null=True, help_text="The account's latest rank.")
    decision = DecisionSerializer(allow_null=True, help_text="This session's decision on it.")
    choices = serializers.ListField(
        child=serializers.ChoiceField(choices=SteeringDecision.Outcome.choices),
        help_text="The decisions that can still be taken on it.",
    )


@extend_schema_serializer(component_name="SteeringBoard")
class BoardSerializer(serializers.Serializer):
    session = SessionSerializer()
    rows = BoardRowSerializer(many=True)
    budget = InvestmentYearSerializer(many=True, source="budgets")


class SessionListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_steering_sessions",
        summary="The steering committee's sessions, latest first",
        responses={200: SessionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.session_list(), request, view=self)
        return paginator.get_paginated_response(SessionSerializer(page, many=True).data)


class SessionPlanApi(APIView):
    permission_classes = [api.allows(permissions.may_run_steering)]

    @extend_schema_serializer(component_name="SteeringSessionInput")
    class InputSerializer(serializers.Serializer):
        date = serializers.DateField()
        year = serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text="A programme year that exists (optional).",
        )
        agenda = serializers.CharField(required=False, allow_blank=True)
        members = serializers.ListField(child=serializers.IntegerField(), required=False)

    @extend_schema(
        operation_id="planning_steering_session_plan",
        summary="Plan a session of the steering committee (directors)",
        request=InputSerializer,
        responses={201: SessionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ids = set(values.pop("members", []))
        members = list(User.objects.filter(pk__in=ids, is_active=True))
        if len(members) != len(ids):
            raise ValidationError({"members": _("Choose active users as members.")})
        session = services.session_plan(user=user_of(request), members=members, **values)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionCollectionApi(api.Route, SessionListApi, SessionPlanApi):
    """GET lists the sessions, POST plans one (directors)."""


class SessionBoardApi(APIView):
    @extend_schema(
        operation_id="planning_steering_session",
        summary="A session's board: its projects side by side, and the programme budget",
        description="Only the projects you may see. While the session is planned: the proposals "
        "waiting for a decision and the approved projects it could stop; always: those it "
        "decided. Each with its figures and its account's score and rank in the latest ranking.",
        responses={200: BoardSerializer, 404: NO_SUCH_SESSION},
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = selectors.session_get(session_id=session_id)
        board = selectors.session_board(user=user_of(request), session=session)
        return Response(BoardSerializer(board).data)


class SessionHoldApi(APIView):
    permission_classes = [api.allows(permissions.may_run_steering)]

    @extend_schema(
        operation_id="planning_steering_session_hold",
        summary="Record a session as held (directors)",
        request=None,
        responses={200: SessionSerializer, 404: NO_SUCH_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = get_object_or_404(SteeringSession, pk=session_id)
        session = services.session_hold(user=user_of(request), session=session)
        return Response(SessionSerializer(session).data)


class DecisionListApi(APIView):
    @extend_schema(
        operation_id="planning_steering_decisions",
        summary="A session's decisions on the projects you may see",
        responses={200: DecisionSerializer(many=True), 404: NO_SUCH_SESSION},
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = selectors.session_get(session_id=session_id)
        decisions = selectors.decision_list(user=user_of(request)).filter(session=session)
        return Response(DecisionSerializer(decisions, many=True).data)


class DecisionRecordApi(APIView):
    permission_classes = [api.allows(permissions.may_run_steering)]

    @extend_schema_serializer(component_name="SteeringDecisionInput")
    class InputSerializer(serializers.Serializer):
        project = serializers.IntegerField()
        outcome = serializers.ChoiceField(choices=SteeringDecision.Outcome.choices)
        reason = serializers.CharField()
        budget_exception = serializers.CharField(
            required=False,
            allow_blank=True,
            help_text="Required when the approval takes a programme year over its budget.",
        )

    @extend_schema(
        operation_id="planning_steering_decision_record",
        summary="Record the committee's decision on a project, with its reason (directors)",
        description="Approve, reject or defer a proposal; stop an approved project. The "
        "project's KAM is emailed.",
        request=InputSerializer,
        responses={201: DecisionSerializer, 404: NO_SUCH_SESSION},
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = selectors.session_get(session_id=session_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        user = user_of(request)
        project = selectors.project_get(user=user, project_id=values.pop("project"))
        decision = services.project_decide(user=user, session=session, project=project, **values)
        return Response(DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class DecisionCollectionApi(api.Route, DecisionListApi, DecisionRecordApi):
    """GET lists a session's decisions, POST records one (directors)."""


# --- the multi-year view --------------------------------------------------------------------------


@extend_schema_serializer(component_name="AccountInvestments")
class AccountInvestmentsSerializer(serializers.Serializer):
    client = serializers.IntegerField(source="client.pk")
    client_name = serializers.CharField(source="client.name")
    budget = _money(help_text="Approved, over every year.")
    spent = _money(help_text="Spent, over every year.")
    projects = ProjectSerializer(many=True)


@extend_schema_serializer(component_name="InvestmentView")
class InvestmentViewSerializer(serializers.Serializer):
    years = serializers.ListField(child=serializers.IntegerField())
    accounts = AccountInvestmentsSerializer(many=True)
    budget = InvestmentYearSerializer(many=True, source="budgets")


class InvestmentViewApi(APIView):
    @extend_schema(
        operation_id="planning_investments",
        summary="Each account's approved projects by year, approved vs spent, and the budget",
        responses={200: InvestmentViewSerializer},
    )
    def get(self, request: Request) -> Response:
        view = selectors.investment_view(user=user_of(request))
        return Response(InvestmentViewSerializer(view).data)
