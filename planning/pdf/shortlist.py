"""What the director's shortlist report shows: a programme year's ranked shortlist with each
client's explanation and stability, the budget and the KAM headcount it uses, and the portfolio
matrix, read through the shortlist page's selectors and drawn with its chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from kam import charts, formats
from planning.pdf.plan import reader
from planning.selectors.branding import CurrentBranding, branding_current
from scoring.models import Programme, ShortlistDecision
from scoring.selectors import scores as score_selectors
from scoring.selectors import shortlist as shortlist_selectors

TOP_CRITERIA = 3


@dataclass
class ShortlistLine:
    rank: int | None
    name: str
    kam: str
    total: str
    financial: str
    strategic: str
    maturity: str
    stability: str
    stability_label: str
    cost: str
    reasons: list[str]
    override: str


@dataclass
class ShortlistReport:
    branding: CurrentBranding
    programme: Programme
    made_on: str
    lines: list[ShortlistLine]
    budget: str
    cost: str
    budget_used: float
    kams_used: float
    count: int
    kam_headcount: int
    over_money: bool
    over_kams: bool
    unpriced: int
    decision: ShortlistDecision | None
    decided_on: str
    matrix: str
    gauge: str
    run_date: dt.datetime | None = None
    weights: list[tuple[str, str]] = field(default_factory=list)


def shortlist_report(*, year: int) -> ShortlistReport:
    """The shortlist report of programme year ``year`` in the active language, as of now."""
    from scoring.views import portfolio_matrix_svg  # the page's own matrix, one code path

    programme = shortlist_selectors.programme_list().get(year=year)
    user = reader()
    board = shortlist_selectors.shortlist_board(user=user, programme=programme)
    currency = programme.currency
    lines = []
    for row in board.chosen:
        score = row.score
        reasons: list[str] = []
        if score is not None:
            explanation = score_selectors.client_explanation(user=user, client_id=row.client.pk)
            for item in (explanation.criteria if explanation else [])[:TOP_CRITERIA]:
                reasons.append(
                    _("%(criterion)s: %(points)s pts")
                    % {"criterion": item.criterion.name, "points": formats.number(item.points, 1)}
                )
        override = ""
        if row.override is not None:
            override = f"{row.override.get_kind_display()}: {row.override.rationale}"
        lines.append(
            ShortlistLine(
                rank=score.rank if score else None,
                name=row.client.name,
                kam=str(row.client.kam) if row.client.kam else formats.EMPTY,
                total=formats.number(score.total, 1) if score else formats.EMPTY,
                financial=formats.number(score.financial, 1) if score else formats.EMPTY,
                strategic=formats.number(score.strategic, 1) if score else formats.EMPTY,
                maturity=formats.number(score.maturity, 1) if score else formats.EMPTY,
                stability=formats.pct(score.stability_pct, 0) if score else formats.EMPTY,
                stability_label=score.stability_label if score else "",
                cost=formats.money(row.cost, currency) if row.cost is not None else formats.EMPTY,
                reasons=reasons,
                override=override,
            )
        )
    chosen = {row.client.pk for row in board.chosen}
    points = shortlist_selectors.portfolio_matrix_points(
        user=user, families=board.family_weights, chosen=chosen
    )
    caption = _("Committed %(committed)s of %(budget)s") % {
        "committed": formats.money(board.cost, currency),
        "budget": formats.money(programme.budget, currency),
    }
    gauge = charts.budget_gauge(
        budget=programme.budget,
        parts=[(_("Key accounts' cost to serve"), board.cost)],
        currency=currency,
        locale=formats.current_locale(),
        title=_("Programme budget %(year)s") % {"year": programme.year},
        caption=caption,
        budget_label=_("Budget"),
    )
    decision = board.decision
    run = score_selectors.scoring_run_latest()
    families = {
        "financial": _("Financial"),
        "strategic": _("Strategic"),
        "maturity": _("Maturity"),
    }
    return ShortlistReport(
        branding=branding_current(),
        programme=programme,
        made_on=formats.short_date(timezone.localdate()),
        lines=lines,
        budget=formats.money(programme.budget, currency),
        cost=formats.money(board.cost, currency),
        budget_used=board.budget_used_pct,
        kams_used=board.kams_used_pct,
        count=board.count,
        kam_headcount=programme.kam_headcount,
        over_money=board.over_money,
        over_kams=board.over_kams,
        unpriced=len(board.unpriced),
        decision=decision,
        decided_on=formats.short_date(timezone.localdate(decision.decided_at)) if decision else "",
        matrix=portfolio_matrix_svg(points),
        gauge=gauge,
        run_date=(run.finished_at or run.started_at) if run else None,
        weights=[
            (families.get(name, name), formats.weight(value))
            for name, value in board.family_weights.items()
        ],
    )
