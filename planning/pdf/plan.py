"""What the PDF of an account plan shows, read through the selectors the plan's pages use.

The plan's own words (vision, SWOT, objectives with KPIs and actions, offers, stakeholders,
counterpart pairs, cadences) come from a snapshot (``planning.selectors.versions``): the frozen
one of an approved version, or ``plan_snapshot`` of the plan as it is now for a draft, so both
are written by the same code. What a version does not keep (scores, ledger figures, the actions'
progress, KPIs' current values, meetings held, investment projects, the sponsor's asks and the
director's override) is read as it stands; for a version, dates that depend on "today"
(overdue actions, cadence compliance) are taken on the day of its approval, so that the same
version gives the same file.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts import selectors as client_selectors
from accounts.models import Department, User
from kam import charts, formats
from planning.models import (
    Action,
    Cadence,
    InvestmentProject,
    Kpi,
    Level,
    Objective,
    Offer,
    Plan,
    PlanVersion,
    Stakeholder,
    SwotItem,
)
from planning.selectors import cadences as cadence_selectors
from planning.selectors import objectives as objective_selectors
from planning.selectors import people as people_selectors
from planning.selectors import projects as project_selectors
from planning.selectors import sponsorship as sponsorship_selectors
from planning.selectors import versions as version_selectors
from planning.selectors.branding import CurrentBranding, branding_current
from scoring.models import Override
from scoring.selectors import scores as score_selectors

TOP_OBJECTIVES = 3
WATERFALL_STEPS = 8


def reader() -> User:
    """Who a report is read as: someone who sees every client (never saved). Reports check no
    access: whoever serves the file checks that its reader may see the plan."""
    return User(username="report", role=User.Role.DIRECTOR)


# --- what the report holds ------------------------------------------------------------------------


@dataclass
class Step:
    """One bar of the score's waterfall: a criterion's points, from where the bars before it
    ended; ``start`` and ``width`` are in percent of the score's scale."""

    label: str
    family: str
    points: float
    start: float
    width: float
    is_total: bool = False


@dataclass
class ScoreSummary:
    total: float
    rank: int
    ranked: int
    stability_pct: float
    stability_label: str
    coverage: float
    financial: float
    strategic: float
    maturity: float
    steps: list[Step]
    run_date: dt.datetime | None
    override: Override | None


@dataclass
class KpiLine:
    name: str
    unit: str
    baseline: str
    target: str
    current: str
    source: str  # "ledger YEAR", "by hand", or ""
    due: str
    is_margin: bool


@dataclass
class ActionLine:
    title: str
    owner: str
    department: str
    due: str
    status: str
    status_code: str
    progress: int | None
    overdue: bool


@dataclass
class ObjectiveBlock:
    number: int
    side: str
    side_label: str
    title: str
    description: str
    kpis: list[KpiLine]
    actions: list[ActionLine]
    progress: int | None


@dataclass
class PlanReport:
    branding: CurrentBranding
    plan: Plan
    client_name: str
    period: str
    is_draft: bool
    version_number: int | None
    approved_at: dt.datetime | None
    approved_by: str
    as_of: dt.date
    as_of_text: str
    kam: str
    sponsor: str
    score: ScoreSummary | None
    trend_chart: SafeString
    trend: list[dict[str, str]]
    vision: list[tuple[str, str]]
    swot: list[tuple[str, str, list[str]]]
    objectives: list[ObjectiveBlock]
    top_objectives: list[ObjectiveBlock]
    progress: int | None
    action_count: int
    overdue_count: int
    offers: list[dict[str, str]]
    whitespace: list[tuple[str, list[str]]]
    relationship_map: SafeString
    stakeholders: list[dict[str, str]]
    counterparts: list[dict[str, str]]
    cadences: list[dict[str, str]]
    levels: list[dict[str, str]]
    projects: list[dict[str, Any]]
    project_years: list[int]
    gauges: list[SafeString]
    asks: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)


# --- reading it -----------------------------------------------------------------------------------


def plan_report(*, plan_id: int, version_id: int | None) -> PlanReport:
    """Everything the PDF of plan ``plan_id`` shows, in the active language: of its approved
    version ``version_id`` (``PlanVersion.DoesNotExist`` when it is not one of this plan's), or
    of the plan now when ``None``."""
    plan = (
        Plan.objects.select_related("client", "client__kam", "client__sponsor", "programme")
        .filter(pk=plan_id)
        .get()
    )
    version: PlanVersion | None = None
    if version_id is not None:
        version = PlanVersion.objects.select_related("approved_by").get(pk=version_id, plan=plan)
        snapshot: Mapping[str, Any] = version.snapshot
        as_of = timezone.localdate(version.approved_at)
    else:
        snapshot = version_selectors.plan_snapshot(plan)
        as_of = timezone.localdate()
    page = objective_selectors.plan_page(plan=plan, today=as_of)
    live_actions = {
        action.pk: action
        for rows in page.objectives.values()
        for row in rows
        for action in row.actions
    }
    readings = {
        row.kpi.pk: row.reading
        for rows in page.objectives.values()
        for objective in rows
        for row in objective.kpis
    }
    objectives = _objectives(snapshot, live_actions, readings, as_of)
    all_progress = [
        action.progress
        for block in objectives
        for action in block.actions
        if action.progress is not None and action.status_code != Action.Status.DROPPED
    ]
    ours = [block for block in objectives if block.side == Objective.Side.OURS]
    client = plan.client
    report = PlanReport(
        branding=branding_current(),
        plan=plan,
        client_name=str(snapshot.get("plan", {}).get("client") or client.name),
        period=_period(snapshot, plan),
        is_draft=version is None,
        version_number=version.number if version else None,
        approved_at=version.approved_at if version else None,
        approved_by=str(version.approved_by) if version else "",
        as_of=as_of,
        as_of_text=formats.short_date(as_of),
        kam=str(client.kam) if client.kam else formats.EMPTY,
        sponsor=str(client.sponsor) if client.sponsor else formats.EMPTY,
        score=_score(client.pk),
        trend_chart=SafeString(""),
        trend=[],
        vision=_vision(snapshot),
        swot=_swot(snapshot),
        objectives=objectives,
        top_objectives=(ours or objectives)[:TOP_OBJECTIVES],
        progress=_mean(all_progress),
        action_count=sum(len(block.actions) for block in objectives),
        overdue_count=sum(action.overdue for block in objectives for action in block.actions),
        offers=_offers(snapshot),
        whitespace=_whitespace(page.offers),
        relationship_map=SafeString(""),
        stakeholders=[],
        counterparts=[],
        cadences=[],
        levels=[],
        projects=[],
        project_years=list(plan.programme.investment_years),
        gauges=[],
        asks=_asks(plan),
    )
    _ledger(report)
    _people(report, snapshot)
    _cadences(report, snapshot)
    _projects(report)
    if version is not None:
        report.notes.append(
            _(
                "This is version %(number)s of the plan, approved by %(who)s on %(date)s. Scores, "
                "ledger figures, the actions' progress, KPIs' current values, meetings held, "
                "investment projects and the asks of the sponsor are not part of a version: they "
                "are shown as they stood when this file was made, and overdue items as of the "
                "approval."
            )
            % {
                "number": version.number,
                "who": report.approved_by,
                "date": formats.short_date(report.as_of),
            }
        )
    return report


def _period(snapshot: Mapping[str, Any], plan: Plan) -> str:
    start = _date(snapshot.get("plan", {}).get("period_start")) or plan.period_start
    end = _date(snapshot.get("plan", {}).get("period_end")) or plan.period_end
    return f"{formats.short_date(start)} \N{EN DASH} {formats.short_date(end)}"


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _figure(value: Any, unit: str = "") -> str:
    """A KPI's figure with the locale's separators: whole numbers without decimals."""
    number = _decimal(value)
    if number is None:
        return formats.EMPTY
    digits = 0 if number == number.to_integral_value() else 2
    text = formats.number(number, digits)
    return f"{text} {unit}".strip() if unit else text


def _choices(model_choices: Any) -> dict[str, str]:
    return {str(code): str(label) for code, label in model_choices}


def _score(client_id: int) -> ScoreSummary | None:
    explanation = score_selectors.client_explanation(user=reader(), client_id=client_id)
    if explanation is None:
        return None
    score = explanation.score
    criteria = [item for item in explanation.criteria if item.points]
    shown, rest = criteria[:WATERFALL_STEPS], criteria[WATERFALL_STEPS:]
    scale = max(100.0, float(score.total))
    steps = []
    start = 0.0
    for item in shown:
        points = float(item.points)
        steps.append(
            Step(
                str(item.criterion.name),
                item.criterion.family,
                points,
                100 * min(start, start + points) / scale,
                100 * abs(points) / scale,
            )
        )
        start += points
    if rest:
        points = sum(float(item.points) for item in rest)
        label = _("%(count)s other criteria") % {"count": len(rest)}
        steps.append(
            Step(label, "other", points, 100 * min(start, start + points) / scale,
                 100 * abs(points) / scale)
        )  # fmt: skip
        start += points
    steps.append(Step(_("Score"), "total", float(score.total), 0.0,
                      100 * float(score.total) / scale, is_total=True))  # fmt: skip
    ranked = score.run.client_count or score.rank
    return ScoreSummary(
        total=float(score.total),
        rank=score.rank,
        ranked=ranked,
        stability_pct=100 * float(score.stability),
        stability_label=explanation.stability_label,
        coverage=float(score.coverage),
        financial=float(score.financial),
        strategic=float(score.strategic),
        maturity=float(score.maturity),
        steps=steps,
        run_date=score.run.finished_at or score.run.started_at,
        override=explanation.override,
    )


def _ledger(report: PlanReport) -> None:
    """The financial trend: the client's chart as on its page, and the last years' figures."""
    client = report.plan.client
    metrics = list(client_selectors.client_metric_list(client=client))
    report.trend_chart = charts.revenue_margin_chart(
        [(metric.year, metric.revenue, metric.margin_pct) for metric in metrics],
        currency=client.currency,
        locale=formats.current_locale(),
        title=_("Revenue and margin by year"),
        revenue_label=_("Revenue"),
        margin_label=_("Margin %"),
        empty_label=_("No figures yet: import a ledger."),
        width=640,
        height=240,
    )
    previous = None
    for metric in metrics[-3:] if len(metrics) <= 3 else metrics[-4:]:
        growth = None
        if previous is not None and previous.revenue:
            growth = (
                100 * (float(metric.revenue) - float(previous.revenue)) / float(previous.revenue)
            )
        previous = metric
        report.trend.append(
            {
                "year": str(metric.year),
                "revenue": formats.money(metric.revenue, client.currency),
                "growth": formats.pct(growth) if growth is not None else formats.EMPTY,
                "margin": formats.pct(metric.margin_pct),
            }
        )
    report.trend = report.trend[-3:]


def _vision(snapshot: Mapping[str, Any]) -> list[tuple[str, str]]:
    vision = snapshot.get("vision", {})
    return [
        (_("The customer's business"), str(vision.get("customer_business", ""))),
        (_("Their strategy and outlook"), str(vision.get("customer_strategy", ""))),
        (_("What we build together"), str(vision.get("shared_vision", ""))),
    ]


def _swot(snapshot: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    items: dict[str, list[str]] = defaultdict(list)
    for row in snapshot.get("swot", []):
        items[row.get("quadrant", "")].append(str(row.get("text", "")))
    return [(code, str(label), items[code]) for code, label in SwotItem.Quadrant.choices]


def _objectives(
    snapshot: Mapping[str, Any],
    live_actions: Mapping[int, Action],
    readings: Mapping[int, objective_selectors.KpiReading],
    as_of: dt.date,
) -> list[ObjectiveBlock]:
    sides = _choices(Objective.Side.choices)
    departments = _choices(Department.choices)
    statuses = _choices(Action.Status.choices)
    blocks = []
    by_hand, ledger = _("by hand"), _("ledger %(year)s")
    for number, row in enumerate(snapshot.get("objectives", []), start=1):
        kpis = []
        for kpi in row.get("kpis", []):
            reading = readings.get(kpi.get("id", 0))
            unit = str(kpi.get("unit", ""))
            if reading is None:
                current, source = formats.EMPTY, ""
            else:
                current = _figure(reading.value, unit)
                if reading.from_ledger:
                    source = ledger % {"year": reading.year} if reading.year else ""
                else:
                    source = by_hand if reading.value is not None else ""
            kpis.append(
                KpiLine(
                    name=str(kpi.get("name", "")),
                    unit=unit,
                    baseline=_figure(kpi.get("baseline"), unit),
                    target=_figure(kpi.get("target"), unit),
                    current=current,
                    source=source,
                    due=formats.short_date(_date(kpi.get("due_date"))),
                    is_margin=bool(kpi.get("is_margin")) or kpi.get("measure") in Kpi.LEDGER_MARGIN,
                )
            )
        actions = []
        for action in row.get("actions", []):
            live = live_actions.get(action.get("id", 0))
            due = _date(action.get("due_date"))
            status = live.status if live else ""
            is_open = status in Action.OPEN
            actions.append(
                ActionLine(
                    title=str(action.get("title", "")),
                    owner=str(action.get("owner", "")),
                    department=departments.get(action.get("department", ""), ""),
                    due=formats.short_date(due),
                    status=statuses.get(status, formats.EMPTY),
                    status_code=status,
                    progress=_progress(live),
                    overdue=bool(is_open and due and due < as_of),
                )
            )
        counted = [
            action.progress
            for action in actions
            if action.progress is not None and action.status_code != Action.Status.DROPPED
        ]
        blocks.append(
            ObjectiveBlock(
                number=number,
                side=str(row.get("side", "")),
                side_label=sides.get(row.get("side", ""), ""),
                title=str(row.get("title", "")),
                description=str(row.get("description", "")),
                kpis=kpis,
                actions=actions,
                progress=_mean(counted),
            )
        )
    return blocks


def _mean(values: list[int]) -> int | None:
    """The progress of a set of actions, rounded as the plan page rounds it (half up)."""
    if not values:
        return None
    mean = Decimal(sum(values)) / len(values)
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _progress(action: Action | None) -> int | None:
    """An action's progress as the plan page counts it (``action_weight``: done is 100 %)."""
    if action is None:
        return None
    return objective_selectors.action_weight(action)


def _offers(snapshot: Mapping[str, Any]) -> list[dict[str, str]]:
    statuses = _choices(Offer.Status.choices)
    pricing = _choices(Offer.Pricing.choices)
    rows = []
    for offer in snapshot.get("offers", []):
        value = _decimal(offer.get("annual_value"))
        rows.append(
            {
                "offering": str(offer.get("offering", "")),
                "unit": str(offer.get("business_unit", "")),
                "status": statuses.get(offer.get("status", ""), ""),
                "status_code": str(offer.get("status", "")),
                "pricing": pricing.get(offer.get("pricing", ""), ""),
                "drivers": str(offer.get("value_drivers", "")),
                "value": formats.money(value) if value is not None else formats.EMPTY,
                "note": str(offer.get("note", "")),
            }
        )
    rows.sort(key=lambda row: (row["offering"].casefold(), row["unit"].casefold()))
    return rows


def _whitespace(grid: objective_selectors.OfferGrid) -> list[tuple[str, list[str]]]:
    """The business units and, for each, the offerings we do not sell there yet."""
    missing: dict[str, list[str]] = defaultdict(list)
    for offering, cells in grid.rows:
        for cell in cells:
            if cell.offer is None:
                missing[cell.unit].append(offering.name)
    return [(unit, missing[unit]) for unit in grid.units if missing[unit]]


def _people(report: PlanReport, snapshot: Mapping[str, Any]) -> None:
    """The relationship map and the counterpart grid, as on the plan's People tab."""
    plan = report.plan
    live = {person.pk: person for person in people_selectors.stakeholder_list(plan=plan)}
    roles = _choices(Stakeholder.BuyingRole.choices)
    attitudes = _choices(Stakeholder.Attitude.choices)
    levels = _choices(Level.choices)
    people = snapshot.get("stakeholders", [])
    by_name = {str(row.get("contact", "")): row.get("id") for row in people}
    detail = _("%(attitude)s, influence %(influence)s/5, %(level)s")
    nodes = []
    for row in people:
        person = live.get(row.get("id", 0))
        attitude = str(row.get("attitude", "neutral"))
        influence = int(row.get("influence") or 3)
        level = str(row.get("level", ""))
        nodes.append(
            charts.MapNode(
                key=int(row.get("id", 0)),
                parent=by_name.get(str(row.get("reports_to", ""))) or None,
                name=str(row.get("contact", "")),
                title=person.contact.title if person else "",
                role=_short_role(str(row.get("buying_role", "")), roles),
                country=person.contact.country if person else "",
                attitude=attitude,
                influence=influence,
                detail=detail
                % {
                    "attitude": attitudes.get(attitude, attitude),
                    "influence": influence,
                    "level": levels.get(level, level),
                },
            )
        )
        report.stakeholders.append(
            {
                "name": str(row.get("contact", "")),
                "title": person.contact.title if person else "",
                "role": roles.get(str(row.get("buying_role", "")), ""),
                "attitude": attitudes.get(attitude, attitude),
                "attitude_code": attitude,
                "influence": str(influence),
                "level": levels.get(level, level),
                "reports_to": str(row.get("reports_to", "")),
            }
        )
    report.relationship_map = charts.relationship_map(
        nodes,
        title=_("Relationship map"),
        legend=list(attitudes.items()),
        influence_label=_("Circle size: influence, 1 to 5"),
        empty_label=_("No stakeholders yet."),
    )
    grid = people_selectors.counterpart_grid(plan, report.as_of)
    contacts = {row.pair.pk: row for row in grid.rows}
    for pair in snapshot.get("counterparts", []):
        row = contacts.get(pair.get("id", 0))
        report.counterparts.append(
            {
                "ours": str(pair.get("user", "")),
                "theirs": str(pair.get("stakeholder", "")),
                "level": levels.get(str(pair.get("level", "")), ""),
                "cadence": str(pair.get("cadence", "")) or formats.EMPTY,
                "last": formats.short_date(row.last_contact if row else None),
                "next": formats.short_date(row.next_due if row else None),
                "overdue": "yes" if row and row.overdue else "",
            }
        )


def _short_role(code: str, roles: Mapping[str, str]) -> str:
    short = {
        Stakeholder.BuyingRole.DECISION_MAKER: _("Decision maker"),
        Stakeholder.BuyingRole.EXECUTIVE_SPONSOR: _("Exec. sponsor"),
    }
    return str(short.get(code, roles.get(code, code)))  # type: ignore[call-overload]


def _cadences(report: PlanReport, snapshot: Mapping[str, Any]) -> None:
    """Each cadence agreed and how it is kept, and the meetings agreed against held by level
    over the twelve months to ``as_of``, as on the Meetings tab."""
    plan = report.plan
    statuses = cadence_selectors.cadence_status([plan], report.as_of).get(plan.pk, [])
    by_id = {status.cadence.pk: status for status in statuses}
    levels = _choices(Level.choices)
    units = _choices(Cadence.Unit.choices)
    kinds = _choices(Cadence.Kind.choices)
    every = _("every %(every)s %(unit)s")
    for row in snapshot.get("cadences", []):
        status = by_id.get(row.get("id", 0))
        report.cadences.append(
            {
                "name": str(row.get("name", "")),
                "kind": kinds.get(str(row.get("kind", "")), ""),
                "level": levels.get(str(row.get("level", "")), ""),
                "every": every
                % {"every": row.get("every", ""), "unit": units.get(str(row.get("unit")), "")},
                "last": formats.short_date(status.last_held if status else None),
                "next": formats.short_date(status.next_due if status else None),
                "on_time": formats.pct(status.on_time_pct, 0) if status else formats.EMPTY,
                "held": f"{status.on_time_count}/{status.due_count}" if status else formats.EMPTY,
                "overdue": "yes" if status and status.overdue else "",
            }
        )
    compliance = cadence_selectors.plan_compliance([plan], report.as_of)
    for level in compliance[0].levels if compliance else []:
        report.levels.append(
            {
                "label": level.label,
                "agreed": str(level.agreed),
                "held": str(level.held),
                "on_time": formats.pct(level.on_time_pct, 0),
            }
        )


def _projects(report: PlanReport) -> None:
    """The plan's investment projects and the programme's budget gauges, as on its
    Investment projects tab and the steering pages."""
    from planning.views.projects import gauges  # the pages' own gauges, one code path

    plan = report.plan
    kinds = _choices(InvestmentProject.Kind.choices)
    statuses = _choices(InvestmentProject.Status.choices)
    projects = project_selectors.project_list(user=reader()).filter(plan=plan).order_by("pk")
    for project in projects:
        figures = project_selectors.project_figures(project).with_cells(report.project_years)
        currency = plan.programme.currency
        report.projects.append(
            {
                "title": project.title,
                "kind": kinds.get(project.kind, project.kind),
                "status": statuses.get(project.status, project.status),
                "owner": str(project.owner) if project.owner_id else formats.EMPTY,
                "cells": [
                    formats.money(cell.budget, currency) if cell else formats.EMPTY
                    for cell in figures.cells
                ],
                "budget": formats.money(figures.budget, currency),
                "impact": formats.money(figures.margin_impact, currency),
                "payback": str(figures.payback_year or formats.EMPTY),
            }
        )
    report.gauges = gauges(project_selectors.budget_standing([plan.programme.year]))


def _asks(plan: Plan) -> list[dict[str, str]]:
    return [
        {
            "request": ask.request,
            "due": formats.short_date(ask.due_on),
            "status": ask.get_status_display(),
            "open": "yes" if ask.is_open else "",
            "answer": ask.answer,
        }
        for ask in sponsorship_selectors.ask_list_for_plan(plan=plan)
    ]
