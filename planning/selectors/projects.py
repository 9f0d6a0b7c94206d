"""Investment projects and the steering committee, read: which projects a user sees (those of
the plans they see: a hidden project is a 404), each project's figures (budget and margin impact
by year, ratio, payback year), the programme budget each year against what is committed, the
committee's board of proposals side by side with each account's score and rank, the multi-year
view of approved projects, and the next decisions that concern a user's accounts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import EllipsisType

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import Client, User
from kam import permissions
from planning.models import InvestmentProject, ProjectYear, SteeringDecision, SteeringSession
from planning.selectors import plans as plan_selectors
from scoring.models import ClientScore, Programme, ShortlistDecision
from scoring.selectors import scores as score_selectors
from scoring.selectors import shortlist as shortlist_selectors

ZERO = Decimal(0)


def project_list(*, user: User) -> QuerySet[InvestmentProject]:
    """The projects of the plans ``user`` sees, with their plan, account, owner and years."""
    plans = plan_selectors.plan_list(user=user).values("pk")
    return (
        InvestmentProject.objects.filter(plan__in=plans)
        .select_related("plan__client__kam", "plan__client__sponsor", "plan__programme", "owner")
        .prefetch_related(Prefetch("years", ProjectYear.objects.order_by("year")))
    )


def project_get(*, user: User, project_id: int) -> InvestmentProject:
    """Project ``project_id`` if ``user`` sees it; otherwise ``Http404``."""
    try:
        return project_list(user=user).get(pk=project_id)
    except InvestmentProject.DoesNotExist:
        raise Http404 from None


def project_for_edit(*, user: User, project_id: int) -> InvestmentProject:
    """Project ``project_id`` for a write: a 404 if ``user`` does not see it, a 403 saying why if
    they see it but may not change it."""
    project = project_get(user=user, project_id=project_id)
    permissions.require(permissions.may_propose_project, user, project.plan)
    return project


def session_list() -> QuerySet[SteeringSession]:
    """Every session of the steering committee, latest first. A session shows each user only
    the projects they see (``session_board``)."""
    return (
        SteeringSession.objects.select_related("created_by", "programme")
        .prefetch_related("members")
        .annotate(decision_count=Count("decisions"))
        .order_by("-date", "-pk")  # a GROUP BY leaves out the model's ordering
    )


def session_get(*, session_id: int) -> SteeringSession:
    try:
        return session_list().get(pk=session_id)
    except SteeringSession.DoesNotExist:
        raise Http404 from None


def decision_list(*, user: User) -> QuerySet[SteeringDecision]:
    """The committee's decisions on the projects ``user`` sees, latest first."""
    return SteeringDecision.objects.filter(project__in=project_list(user=user).values("pk"))


# --- a project's figures -------------------------------------------------------------------------


def payback_year(lines: Iterable[tuple[int, Decimal, Decimal]]) -> int | None:
    """The first year whose cumulative expected margin impact reaches the cumulative budget, from
    (year, budget, margin impact) lines; ``None`` if it never does within the lines."""
    budget = margin = ZERO
    for year, spend, impact in sorted(lines):
        budget += spend
        margin += impact
        if margin >= budget:
            return year
    return None


@dataclass
class ProjectFigures:
    """A project's money: by year and in total, the margin impact per unit of budget and the
    payback year."""

    project: InvestmentProject
    lines: list[ProjectYear]
    budget: Decimal
    margin_impact: Decimal
    spent: Decimal
    payback_year: int | None
    cells: list[ProjectYear | None] = field(default_factory=list)
    """Its lines for the years of a table (``with_cells``), ``None`` where it has none."""
    cell_years: list[int] = field(default_factory=list)

    def with_cells(self, years: Iterable[int]) -> ProjectFigures:
        self.cell_years = list(years)
        self.cells = [self.line(year) for year in self.cell_years]
        return self

    @property
    def year_cells(self) -> list[tuple[int, ProjectYear | None]]:
        """``(year, line)`` for the years of a table: a cell says its year on a phone."""
        return list(zip(self.cell_years, self.cells, strict=True))

    @property
    def ratio(self) -> Decimal | None:
        """Expected margin impact per unit of budget (``None`` for a project costing nothing)."""
        if not self.budget:
            return None
        return (self.margin_impact / self.budget).quantize(Decimal("0.01"))

    def line(self, year: int) -> ProjectYear | None:
        return next((line for line in self.lines if line.year == year), None)


def project_figures(project: InvestmentProject) -> ProjectFigures:
    """The figures of a project whose ``years`` were read with it (``project_list`` does)."""
    lines = list(project.years.all())
    return ProjectFigures(
        project=project,
        lines=lines,
        budget=sum((line.budget for line in lines), ZERO),
        margin_impact=sum((line.margin_impact for line in lines), ZERO),
        spent=sum((line.spent for line in lines), ZERO),
        payback_year=payback_year((line.year, line.budget, line.margin_impact) for line in lines),
    )


# --- the programme budget -------------------------------------------------------------------------


@dataclass(frozen=True)
class InvestmentYear:
    """One programme year's budget against what is committed: the confirmed shortlist's cost and
    the investment approved (an approved project's budget for the year; a stopped one's spending,
    which it keeps). ``spent``: what the approved and stopped projects spent that year."""

    year: int
    currency: str
    budget: Decimal
    shortlist_cost: Decimal
    approved: Decimal
    spent: Decimal

    @property
    def committed(self) -> Decimal:
        return self.shortlist_cost + self.approved

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.committed

    @property
    def over_budget(self) -> bool:
        return self.committed > self.budget

    @property
    def committed_pct(self) -> float | None:
        return float(100 * self.committed / self.budget) if self.budget else None


def _approved_by_year(years: Sequence[int]) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """(approved investment, spent) by year: approved projects count their budget, stopped ones
    what they spent."""
    lines = ProjectYear.objects.filter(
        year__in=years,
        project__status__in=[
            InvestmentProject.Status.APPROVED,
            InvestmentProject.Status.STOPPED,
        ],
    )
    approved: dict[int, Decimal] = defaultdict(lambda: ZERO)
    spent: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = lines.values("year", "project__status").annotate(
        budget=Sum("budget"), spent_sum=Sum("spent")
    )
    for row in rows:
        year = row["year"]
        if row["project__status"] == InvestmentProject.Status.APPROVED:
            approved[year] += row["budget"]
        else:
            approved[year] += row["spent_sum"]
        spent[year] += row["spent_sum"]
    return approved, spent


def budget_standing(years: Iterable[int]) -> dict[int, InvestmentYear]:
    """For each of ``years`` that is a programme year (a director set its budget), its budget
    against what is committed. A year without a programme has no budget yet: it is left out."""
    programmes = list(Programme.objects.filter(year__in=set(years)).order_by("year"))
    approved, spent = _approved_by_year([programme.year for programme in programmes])
    standing = {}
    for programme in programmes:
        decision = shortlist_selectors.shortlist_decision_list(programme=programme).first()
        standing[programme.year] = InvestmentYear(
            year=programme.year,
            currency=programme.currency,
            budget=programme.budget,
            shortlist_cost=decision.cost if decision else ZERO,
            approved=approved.get(programme.year, ZERO),
            spent=spent.get(programme.year, ZERO),
        )
    return standing


def investment_by_year(
    programme: Programme, *, decision: ShortlistDecision | EllipsisType | None = ...
) -> InvestmentYear:
    """Investment committed vs budget for one programme year (for the programme's results):
    one query when ``decision``, the programme's latest shortlist decision (or ``None``: it has
    none), is given, as ``budget_standing`` counts it."""
    if decision is ...:
        return budget_standing([programme.year])[programme.year]
    approved, spent = _approved_by_year([programme.year])
    return InvestmentYear(
        year=programme.year,
        currency=programme.currency,
        budget=programme.budget,
        shortlist_cost=decision.cost if decision else ZERO,
        approved=approved.get(programme.year, ZERO),
        spent=spent.get(programme.year, ZERO),
    )


# --- the steering committee's board ---------------------------------------------------------------


@dataclass
class BoardRow:
    """One project on a session's board, with its account's standing in the latest ranking and
    the decision this session took on it, if any."""

    figures: ProjectFigures
    score: float | None
    rank: int | None
    decision: SteeringDecision | None

    @property
    def project(self) -> InvestmentProject:
        return self.figures.project

    @property
    def choices(self) -> list[str]:
        """The decisions that can still be taken on it."""
        if self.project.is_open:
            outcomes = SteeringDecision.Outcome
            return [outcomes.APPROVE, outcomes.REJECT, outcomes.DEFER]
        if self.project.status == InvestmentProject.Status.APPROVED:
            return [SteeringDecision.Outcome.STOP]
        return []


@dataclass
class Board:
    session: SteeringSession
    rows: list[BoardRow]
    years: list[int]
    standing: dict[int, InvestmentYear]
    decisions: list[SteeringDecision] = field(default_factory=list)

    @property
    def budgets(self) -> list[InvestmentYear]:
        return list(self.standing.values())


def scores_by_client(client_ids: Iterable[int]) -> dict[int, ClientScore]:
    """Each client's score and rank in the latest successful scoring run."""
    run = score_selectors.scoring_run_latest()
    if run is None:
        return {}
    scores = ClientScore.objects.filter(run=run, client_id__in=set(client_ids))
    return {score.client_id: score for score in scores}


def session_board(*, user: User, session: SteeringSession) -> Board:
    """What a session reviews, among the projects ``user`` sees: the projects it decided, and
    while it is planned the proposals waiting for a decision and the approved projects it could
    stop; each with its figures and its account's score and rank, best-ranked account first."""
    decisions = list(
        decision_list(user=user)
        .filter(session=session)
        .select_related("decided_by", "project__plan__client")
    )
    latest = {}
    for decision in sorted(decisions, key=lambda d: (d.decided_at, d.pk)):
        latest[decision.project_id] = decision
    shown = Q(pk__in=[*latest])
    if session.status == SteeringSession.Status.PLANNED:
        shown |= Q(status__in=[*InvestmentProject.OPEN, InvestmentProject.Status.APPROVED])
    projects = list(project_list(user=user).filter(shown))
    scores = scores_by_client(project.plan.client_id for project in projects)
    rows = []
    for project in projects:
        score = scores.get(project.plan.client_id)
        rows.append(
            BoardRow(
                figures=project_figures(project),
                score=score.total if score else None,
                rank=score.rank if score else None,
                decision=latest.get(project.pk),
            )
        )
    rows.sort(
        key=lambda row: (
            row.rank is None,
            row.rank or 0,
            row.project.plan.client.name,
            row.project.pk,
        )
    )
    years = sorted({line.year for row in rows for line in row.figures.lines})
    for row in rows:
        row.figures.with_cells(years)
    return Board(
        session=session,
        rows=rows,
        years=years,
        standing=budget_standing(years),
        decisions=decisions,
    )


# --- the multi-year view --------------------------------------------------------------------------


@dataclass
class AccountInvestments:
    """One key account's approved (and stopped) projects, with budget and spending by year."""

    client: Client
    projects: list[ProjectFigures]
    budget_by_year: dict[int, Decimal]
    spent_by_year: dict[int, Decimal]
    cells: list[tuple[int, Decimal | None, Decimal | None]] = field(default_factory=list)
    """(year, budget, spent) for the years of the view."""

    @property
    def budget(self) -> Decimal:
        return sum(self.budget_by_year.values(), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum(self.spent_by_year.values(), ZERO)


@dataclass
class InvestmentView:
    years: list[int]
    accounts: list[AccountInvestments]
    standing: dict[int, InvestmentYear]

    @property
    def budgets(self) -> list[InvestmentYear]:
        return list(self.standing.values())


def investment_view(*, user: User) -> InvestmentView:
    """Each account ``user`` sees with approved or stopped projects: its projects by year, the
    budget approved against what was spent."""
    projects = project_list(user=user).filter(
        status__in=[InvestmentProject.Status.APPROVED, InvestmentProject.Status.STOPPED]
    )
    accounts: dict[int, AccountInvestments] = {}
    for project in projects.order_by("plan__client__name", "created_at", "pk"):
        client = project.plan.client
        account = accounts.setdefault(
            client.pk,
            AccountInvestments(
                client=client,
                projects=[],
                budget_by_year=defaultdict(lambda: ZERO),
                spent_by_year=defaultdict(lambda: ZERO),
            ),
        )
        figures = project_figures(project)
        account.projects.append(figures)
        for line in figures.lines:
            account.budget_by_year[line.year] += line.budget
            account.spent_by_year[line.year] += line.spent
    years = sorted({year for account in accounts.values() for year in account.budget_by_year})
    for account in accounts.values():
        account.cells = [
            (year, account.budget_by_year.get(year), account.spent_by_year.get(year))
            for year in years
        ]
        for figures in account.projects:
            figures.with_cells(years)
    return InvestmentView(
        years=years, accounts=list(accounts.values()), standing=budget_standing(years)
    )


# --- the next decisions concerning a user's accounts ----------------------------------------------


@dataclass
class NextDecisions:
    """The next session of the steering committee and the proposals on a user's accounts that
    wait for its decision."""

    session: SteeringSession
    projects: list[ProjectFigures]


def steering_next_decisions(*, user: User, today: dt.date) -> NextDecisions | None:
    """The next planned session from ``today`` on, with the proposals waiting for a decision on
    the accounts ``user`` sees (a sponsor: the accounts they sponsor); ``None`` when no session is
    planned or nothing of theirs waits."""
    session = (
        session_list()
        .filter(status=SteeringSession.Status.PLANNED, date__gte=today)
        .order_by("date", "pk")
        .first()
    )
    if session is None:
        return None
    waiting = project_list(user=user).filter(status__in=InvestmentProject.OPEN)
    projects = [project_figures(project) for project in waiting]
    return NextDecisions(session=session, projects=projects) if projects else None
