"""Scoring's step of the demo seeding: ratings, costs to serve and the programme budget for the
clients accounts' step seeded, written through scoring's services, then the scores they give.

The demo's figures are drawn from its seed, with no clock: the same seed always gives the same
ratings and costs. Running the step again changes nothing.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from accounts import demo as accounts_demo
from accounts.models import Client, ClientYearMetric, User
from scoring.models import CostToServe, Programme, Rating, ScoringRun
from scoring.selectors import scores as score_selectors
from scoring.selectors import shortlist as shortlist_selectors
from scoring.selectors import weights as weight_selectors
from scoring.services import ratings, runs, selection

PROGRAMME_YEAR = accounts_demo.FIRST_YEAR + 3
"""The year the demo directors are choosing key accounts for: the one after the ledger."""
PROGRAMME_BUDGET = 450_000
PROGRAMME_KAMS = 4
PROGRAMME_KAM_COST = 95_000
SHORTLIST_PER_KAM = 2
"""The demo's confirmed shortlist: the two best-ranked clients of each KAM."""


def demo_rating(seed: int, client: accounts_demo.DemoClient, criterion: str) -> int:
    """A plausible 1-5 rating of a client on a strategic or maturity criterion: bigger, growing,
    sponsored clients tend to be rated higher, with some noise; the same for the same inputs."""
    rng = random.Random(f"{seed}:{client.external_id}:{criterion}")
    leaning = 1.6 + min(client.weight * 60, 2.0) + (0.5 if client.sponsored else 0.0)
    leaning += max(min(client.growth * 4, 0.6), -0.6)
    return max(1, min(5, round(leaning + rng.gauss(0, 0.9))))


def demo_cost_to_serve(seed: int, client: accounts_demo.DemoClient) -> tuple[float, int, int]:
    """(share of a KAM's time, travel a year, dedicated resources a year) to serve a client as a
    key account: bigger and farther clients cost more."""
    rng = random.Random(f"{seed}:{client.external_id}:cost")
    share = round(min(1.0, max(0.2, 0.25 + client.weight * 12 + rng.uniform(-0.05, 0.1))), 2)
    travel = (4_000 if client.country == "FR" else 11_000) + rng.randrange(0, 6_000, 500)
    dedicated = rng.choice((0, 0, 10_000, 25_000)) if client.weight > 0.03 else 0
    return share, travel, dedicated


@transaction.atomic
def seed_demo(*, accounts: accounts_demo.Seeded) -> str:
    """Rate the demo clients with history on every rated criterion (as their KAM, or the director
    when they have none), estimate their cost to serve and set the programme budget, where not
    done yet; then score them. Returns what it did."""
    seed, users, director = accounts.programme.seed, accounts.users, accounts.users["director"]
    clients = accounts.clients
    with_history = set(
        ClientYearMetric.objects.filter(client__in=clients.values()).values_list(
            "client_id", flat=True
        )
    )
    rated = set(
        Rating.objects.filter(client__in=clients.values()).values_list("client_id", "criterion_id")
    )
    costed = set(
        CostToServe.objects.filter(client__in=clients.values()).values_list("client_id", flat=True)
    )
    criteria = list(weight_selectors.criterion_list().exclude(family="financial"))
    rating_count = cost_count = 0
    for item in accounts.programme.clients:
        client = clients.get(item.external_id)
        if client is None or client.pk not in with_history:
            continue
        author = users[item.kam] if item.kam else director
        for criterion in criteria:
            if (client.pk, criterion.pk) in rated:
                continue
            level = demo_rating(seed, item, criterion.code)
            ratings.rating_set(
                user=author,
                client=client,
                criterion=criterion,
                level=level,
                note=criterion.rubric.get(str(level), ""),
            )
            rating_count += 1
        if client.pk not in costed:
            share, travel, dedicated = demo_cost_to_serve(seed, item)
            selection.cost_to_serve_set(
                user=director,
                client=client,
                kam_share=Decimal(str(share)),
                travel=Decimal(travel),
                dedicated=Decimal(dedicated),
            )
            cost_count += 1
    if not Programme.objects.filter(year=PROGRAMME_YEAR).exists():
        selection.programme_save(
            user=director,
            year=PROGRAMME_YEAR,
            budget=Decimal(PROGRAMME_BUDGET),
            kam_headcount=PROGRAMME_KAMS,
            kam_cost=Decimal(PROGRAMME_KAM_COST),
        )
    run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    scored = f"{run.client_count} clients scored" if run else "no active weights"
    shortlist = _seed_shortlist(director)
    return f"Selection: {rating_count} ratings, {cost_count} costs to serve, {scored}, {shortlist}"


def _seed_shortlist(director: User) -> str:
    """Confirm the programme year's shortlist, where no director has yet: the best-ranked
    clients of each KAM, ``SHORTLIST_PER_KAM`` each, as a director following the ranking
    would."""
    programme = Programme.objects.get(year=PROGRAMME_YEAR)
    decision = shortlist_selectors.shortlist_decision_list(programme=programme).first()
    if decision is not None:
        return f"shortlist of {PROGRAMME_YEAR} already confirmed ({len(decision.client_ids)})"
    chosen: list[Client] = []
    per_kam: dict[int, int] = {}
    for score in score_selectors.ranking_latest(user=director).exclude(client__kam=None):
        kam_id = score.client.kam_id or 0
        if per_kam.get(kam_id, 0) < SHORTLIST_PER_KAM:
            per_kam[kam_id] = per_kam.get(kam_id, 0) + 1
            chosen.append(score.client)
    if not chosen:
        return "no shortlist (no ranking)"
    selection.shortlist_set(user=director, programme=programme, clients=chosen)
    standing = shortlist_selectors.shortlist_standing(
        programme=programme,
        costs=[shortlist_selectors.client_cost(client, programme) for client in chosen],
    )
    selection.shortlist_confirm(
        user=director,
        programme=programme,
        budget_exception=(
            "Demo: the two strongest accounts of each KAM, agreed with the executive committee."
            if standing.is_over_budget
            else ""
        ),
    )
    return f"shortlist of {PROGRAMME_YEAR} confirmed: {', '.join(c.name for c in chosen)}"
