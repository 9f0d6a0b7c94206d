"""Writes for the selection of key accounts: ratings, weights, overrides and scoring runs.

**Raw values.** A financial criterion reads one field of the client's latest
``ClientYearMetric``: the most recent calendar year for which the ledger has figures for that
client (so a client that stopped buying is compared on its last year of business, and the
explanation says which year). A field that is empty in that year (a first year has no growth) is
missing, never zero. A rated criterion reads the client's latest rating.

**Who is ranked.** Every client with ledger history (at least one ``ClientYearMetric``). A client
without history is not ranked, and cannot be overridden.

**Sources** (where each value comes from: a ledger year, a rating and its note) are stored as
data with the scores and worded in the reader's language when shown.

**Overrides** never change the stored totals of a run: the engine's result stays reproducible
from its inputs, and overrides are shown next to it (see ``scoring.selectors``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import selectors as client_selectors
from accounts.models import Client, ClientYearMetric, User
from scoring import ranking, selectors
from scoring.models import (
    LEVELS,
    RATED_FAMILIES,
    SHORTLIST_CONFIRM_ABOVE,
    ClientScore,
    CostToServe,
    Criterion,
    CriterionScore,
    CriterionWeight,
    Override,
    Programme,
    Rating,
    ScoringRun,
    ShortlistDecision,
    ShortlistEntry,
    WeightSet,
)
from scoring.tasks import scores_recompute_task

STABILITY_CUT = 5
"""Stability is the share of perturbed weightings that keep a client in the top 5."""
STABILITY_DRAWS = 500
STABILITY_SEED = 20_261_120  # fixed, so the same state always gives the same shares
RECOMPUTE_LOCK = 4_610_002  # advisory lock: one scoring run at a time (see scores_recompute)
RECOMPUTE_DELAY = 5
"""Seconds a recompute waits after the first trigger, so a burst of triggers makes one run."""
RECOMPUTE_PENDING_KEY = "scoring:recompute-pending"
STALE_WEIGHTS = "stale_weights"
"""The code of the error a change of weights based on an outdated version raises."""


# --- ratings ----------------------------------------------------------------------------------


@transaction.atomic
def rating_set(
    *, user: User, client: Client, criterion: Criterion, level: int, note: str = ""
) -> Rating:
    """Rate a client on a strategic or maturity criterion; the new rating becomes the current one.

    The client's key account manager rates their own clients; directors and administrators rate
    any client. Earlier ratings are kept as the history.
    """
    if not client_selectors.client_is_editable(user=user, client=client):
        raise ValidationError(
            _("Only the client's key account manager or a director can rate this client.")
        )
    if criterion.family not in RATED_FAMILIES:
        raise ValidationError(
            {"criterion": _("%(criterion)s is read from the ledger, not rated.")
             % {"criterion": criterion.name}}
        )  # fmt: skip
    if not criterion.is_active:
        raise ValidationError(
            {"criterion": _("%(criterion)s is no longer used.") % {"criterion": criterion.name}}
        )
    if not 1 <= level <= 5:
        raise ValidationError({"level": _("A level is 1 to 5.")})
    rating = Rating(client=client, criterion=criterion, level=level, note=note.strip(), author=user)
    rating.full_clean()
    rating.save()
    scores_recompute_request(trigger=ScoringRun.Trigger.RATINGS)
    return rating


# --- weights ------------------------------------------------------------------------------------


@transaction.atomic
def weight_set_update(
    *,
    user: User,
    family_weights: Mapping[str, float],
    criterion_weights: Mapping[str, float],
    reason: str,
    base_version: int,
    name: str = "",
) -> WeightSet:
    """Save new weights as a new active version; the previous version stays, inactive.

    ``criterion_weights`` maps criterion codes to weights within their family; an active
    criterion left out weighs 0. ``base_version`` is the version the director started from: when
    someone saved another version meanwhile, nothing is saved and the director is told.
    """
    if not user.sees_all_clients:
        raise ValidationError(_("Only directors and administrators can change the weights."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the weights change.")})
    active = WeightSet.objects.select_for_update().filter(is_active=True).first()
    current = active.version if active is not None else 0
    if current != base_version:
        raise ValidationError(
            _(
                "The weights were changed (version %(current)s) since you opened them (version "
                "%(base)s). Reload them and make your change again."
            )
            % {"current": current, "base": base_version},
            code=STALE_WEIGHTS,
        )
    criteria = list(Criterion.objects.filter(is_active=True))
    specs = _checked_specs(criteria, family_weights, criterion_weights)
    families = {family: float(weight) for family, weight in family_weights.items()}
    try:
        ranking.effective_weights(specs, families)
    except ValueError as error:
        raise ValidationError(
            _("These weights cannot be used: %(problem)s") % {"problem": error}
        ) from error
    if active is not None:
        active.is_active = False
        active.save(update_fields=["is_active"])
    weight_set = WeightSet(
        name=name.strip() or (active.name if active is not None else _("Weights")),
        version=current + 1,
        is_active=True,
        family_weights=families,
        reason=reason,
        created_by=user,
    )
    weight_set.full_clean()
    weight_set.save()
    CriterionWeight.objects.bulk_create(
        CriterionWeight(weight_set=weight_set, criterion=criterion, weight=spec.weight)
        for criterion, spec in zip(criteria, specs, strict=True)
    )
    scores_recompute_request(trigger=ScoringRun.Trigger.WEIGHTS)
    return weight_set


def _checked_specs(
    criteria: list[Criterion],
    family_weights: Mapping[str, float],
    criterion_weights: Mapping[str, float],
) -> list[ranking.CriterionSpec]:
    """The criteria as engine specs with the proposed weights, or a translated ValidationError."""
    codes = {criterion.code for criterion in criteria}
    unknown = sorted(set(criterion_weights) - codes)
    if unknown:
        raise ValidationError(_("There is no active criterion %(code)s.") % {"code": unknown[0]})
    labels = dict(Criterion.Family.choices)
    unknown = sorted(set(family_weights) - set(labels))
    if unknown:
        raise ValidationError(_("There is no family %(family)s.") % {"family": unknown[0]})
    for family in ranking.FAMILIES:
        has_criteria = any(criterion.family == family for criterion in criteria)
        if has_criteria and family not in family_weights:
            raise ValidationError(
                _("Give the %(family)s family a weight.") % {"family": labels[family]}
            )
        if not has_criteria and float(family_weights.get(family, 0)) > 0:
            raise ValidationError(
                _("The %(family)s family has no active criteria, so its weight must be 0.")
                % {"family": labels[family]}
            )
    weights = [*family_weights.values(), *criterion_weights.values()]
    if any(not math.isfinite(float(weight)) for weight in weights):
        raise ValidationError(_("A weight must be a number."))
    if any(float(weight) < 0 for weight in weights):
        raise ValidationError(_("A weight cannot be negative."))
    total = math.fsum(float(weight) for weight in family_weights.values())
    if abs(total - 100) > ranking.TOLERANCE:
        raise ValidationError(
            _("The family weights add up to %(total)s, not 100.")
            % {"total": formats.number_format(round(total, 6))}
        )
    for family in ranking.FAMILIES:
        members = [criterion for criterion in criteria if criterion.family == family]
        if not members:
            continue
        total = math.fsum(float(criterion_weights.get(c.code, 0)) for c in members)
        if abs(total - 100) > ranking.TOLERANCE:
            raise ValidationError(
                _("The weights of the %(family)s criteria add up to %(total)s, not 100.")
                % {"family": labels[family], "total": formats.number_format(round(total, 6))}
            )
    return [
        _spec(criterion, float(criterion_weights.get(criterion.code, 0))) for criterion in criteria
    ]


def _spec(criterion: Criterion, weight: float) -> ranking.CriterionSpec:
    return ranking.CriterionSpec(
        code=criterion.code,
        family=criterion.family,
        direction=criterion.direction,  # type: ignore[arg-type]
        normalisation=criterion.normalisation,  # type: ignore[arg-type]
        weight=weight,
        thresholds=tuple(float(threshold) for threshold in criterion.thresholds),
    )


# --- overrides ----------------------------------------------------------------------------------


@transaction.atomic
def override_set(
    *, user: User, client: Client, kind: str, points: float = 0, rationale: str
) -> Override:
    """Record a director's override of a client; it replaces the client's active override."""
    if not user.sees_all_clients:
        raise ValidationError(_("Only directors and administrators can override a score."))
    if kind not in Override.Kind.values:
        raise ValidationError({"kind": _("Choose adjust, force in or force out.")})
    bound = settings.KAM_OVERRIDE_BOUND
    if not math.isfinite(points) or abs(points) > bound:
        raise ValidationError(
            {
                "points": _("An adjustment is between -%(bound)s and +%(bound)s points.")
                % {"bound": bound}
            }
        )
    if kind != Override.Kind.ADJUST and points:
        raise ValidationError({"points": _("Forcing a client in or out carries no points.")})
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": _("Give the rationale for the override.")})
    if not ClientYearMetric.objects.filter(client=client).exists():
        raise ValidationError(
            _(
                "%(client)s has no history in the ledger: a prospect or a client without "
                "history cannot be overridden."
            )
            % {"client": client}
        )
    Override.objects.select_for_update().filter(client=client, is_active=True).update(
        is_active=False
    )
    override = Override(
        client=client, kind=kind, points=points, rationale=rationale, author=user, is_active=True
    )
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def override_clear(*, user: User, client: Client) -> None:
    """Withdraw a client's active override; it stays in the history, inactive."""
    if not user.sees_all_clients:
        raise ValidationError(_("Only directors and administrators can override a score."))
    Override.objects.filter(client=client, is_active=True).update(is_active=False)


# --- scoring runs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Inputs:
    """Everything a run depends on, read in one go."""

    weight_set: WeightSet
    criteria: list[Criterion]
    specs: list[ranking.CriterionSpec]
    client_ids: list[int]
    values: list[tuple[int, str, float | None]]
    origins: dict[tuple[int, str], str]  # the metric year or rating behind a value
    notes: dict[tuple[int, str], dict[str, Any]]  # the same, for the explanation to say
    family_weights: dict[str, float]  # every family, 0 when the weight set does not name it

    def fingerprint(self) -> str:
        state = {
            "format": 2,  # bumped when what a run stores changes, so the next run recomputes
            "weight_set": self.weight_set.pk,
            "criteria": [
                [s.code, s.family, s.direction, s.normalisation, s.weight, list(s.thresholds)]
                for s in self.specs
            ],
            "clients": self.client_ids,
            "values": [[client, code, raw] for client, code, raw in self.values],
            "origins": sorted([c, code, origin] for (c, code), origin in self.origins.items()),
        }
        encoded = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()


def scores_recompute_request(*, trigger: str) -> None:
    """Ask for a recompute once the current transaction commits; a burst of requests in the next
    ``RECOMPUTE_DELAY`` seconds joins the same run."""
    transaction.on_commit(lambda: _scores_recompute_enqueue(trigger))


def _scores_recompute_enqueue(trigger: str) -> None:
    # The key lives a second less than the countdown: a request that finds it has committed its
    # data before the queued run starts, so that run reads it.
    if cache.add(RECOMPUTE_PENDING_KEY, trigger, timeout=RECOMPUTE_DELAY - 1):
        scores_recompute_task.apply_async(kwargs={"trigger": trigger}, countdown=RECOMPUTE_DELAY)


def scores_recompute(*, trigger: str) -> ScoringRun | None:
    """Score and rank every client with history under the active weights, and store the run.

    Runs one at a time (a PostgreSQL advisory lock). When the inputs are the same as those of the
    latest successful run, nothing is computed and that run is returned, so a second call, a
    retried task or a burst of triggers adds no run. Returns ``None`` when no weights are active.
    A computation that fails is stored as a failed run with its error.
    """
    if trigger not in ScoringRun.Trigger.values:
        raise ValidationError(_("Unknown trigger %(trigger)s.") % {"trigger": trigger})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
        inputs = _inputs()
        if inputs is None:
            return None
        fingerprint = inputs.fingerprint()
        latest = ScoringRun.objects.filter(status=ScoringRun.Status.DONE).first()
        if latest is not None and latest.fingerprint == fingerprint:
            return latest
        run = ScoringRun.objects.create(
            weight_set=inputs.weight_set, trigger=trigger, fingerprint=fingerprint
        )
        try:
            with transaction.atomic():
                run.client_count = _store(run, inputs)
        except ValueError as error:
            run.status, run.error = ScoringRun.Status.FAILED, str(error)
        else:
            run.status = ScoringRun.Status.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "client_count", "finished_at"])
    return run


def _inputs() -> _Inputs | None:
    in_force = selectors.weights_in_force()  # a criterion added since the version weighs 0
    weight_set = in_force.weight_set
    if weight_set is None:
        return None
    criteria = in_force.criteria
    specs = [_spec(criterion, in_force.criterion_weights[criterion.code]) for criterion in criteria]
    metrics = list(  # each client's latest year with figures
        ClientYearMetric.objects.order_by("client_id", "-year").distinct("client_id")
    )
    client_ids = [metric.client_id for metric in metrics]
    values: list[tuple[int, str, float | None]] = []
    origins: dict[tuple[int, str], str] = {}
    notes: dict[tuple[int, str], dict[str, Any]] = {}
    financial = [criterion for criterion in criteria if criterion.source]
    for metric in metrics:
        for criterion in financial:
            raw = getattr(metric, criterion.source)
            values.append((metric.client_id, criterion.code, None if raw is None else float(raw)))
            notes[metric.client_id, criterion.code] = {
                "kind": "ledger",
                "year": metric.year,
                "figure": criterion.source,
                "missing": raw is None,
            }
            origins[metric.client_id, criterion.code] = f"year:{metric.year}"
    rated = {criterion.pk: criterion for criterion in criteria if not criterion.source}
    ratings = (
        Rating.objects.filter(client_id__in=client_ids, criterion_id__in=list(rated))
        .select_related("author")
        .order_by("client_id", "criterion_id", "-created_at", "-pk")
        .distinct("client_id", "criterion_id")
    )
    for rating in ratings:
        code = rated[rating.criterion_id].code
        values.append((rating.client_id, code, float(rating.level)))
        notes[rating.client_id, code] = {
            "kind": "rating",
            "level": rating.level,
            "author": str(rating.author),
            "date": timezone.localdate(rating.created_at).isoformat(),
            "note": rating.note[:500],
        }
        origins[rating.client_id, code] = f"rating:{rating.pk}"
    for client_id in client_ids:
        for criterion in rated.values():
            notes.setdefault((client_id, criterion.code), {"kind": "unrated"})
    values.sort(key=lambda row: (row[0], row[1]))
    return _Inputs(
        weight_set, criteria, specs, client_ids, values, origins, notes, in_force.family_weights
    )


def _store(run: ScoringRun, inputs: _Inputs) -> int:
    """Rank the clients and bulk-insert their scores; returns the number of clients."""
    families = inputs.family_weights
    result = ranking.rank(inputs.values, inputs.specs, families, clients=inputs.client_ids)
    shares = (
        ranking.stability(
            inputs.values,
            inputs.specs,
            families,
            cut=STABILITY_CUT,
            draws=STABILITY_DRAWS,
            seed=STABILITY_SEED,
            clients=inputs.client_ids,
        )
        if inputs.client_ids
        else {}
    )
    ClientScore.objects.bulk_create(
        (
            ClientScore(
                run=run,
                client_id=client.client_id,
                total=client.total,
                financial=client.families.get("financial", 0.0),
                strategic=client.families.get("strategic", 0.0),
                maturity=client.families.get("maturity", 0.0),
                rank=client.rank,
                coverage=client.coverage,
                stability=shares[client.client_id],
            )
            for client in result.clients
        ),
        batch_size=2000,
    )
    criterion_ids = {criterion.code: criterion.pk for criterion in inputs.criteria}
    CriterionScore.objects.bulk_create(
        (
            CriterionScore(
                run=run,
                client_id=detail.client_id,
                criterion_id=criterion_ids[detail.criterion],
                raw=detail.raw,
                normalised=detail.normalised,
                weight=detail.weight,
                points=detail.points,
                missing=detail.missing,
                source=inputs.notes.get((detail.client_id, detail.criterion), {}),
            )
            for detail in result.details()
        ),
        batch_size=5000,
    )
    return len(result.clients)


# --- programme, cost to serve and shortlist --------------------------------------------------


@transaction.atomic
def programme_save(
    *,
    user: User,
    year: int,
    budget: Decimal,
    kam_headcount: int,
    kam_cost: Decimal,
    currency: str = "",
) -> Programme:
    """Create or change the budget and KAM headcount of a programme year."""
    if not user.sees_all_clients:
        raise ValidationError(_("Only directors and administrators can set the programme budget."))
    programme = Programme.objects.select_for_update().filter(year=year).first() or Programme(
        year=year, currency=settings.KAM_DEFAULT_CURRENCY
    )
    programme.budget = budget
    programme.kam_headcount = kam_headcount
    programme.kam_cost = kam_cost
    programme.currency = (currency or programme.currency).strip().upper()
    programme.updated_by = user
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def cost_to_serve_set(
    *,
    user: User,
    client: Client,
    kam_share: Decimal,
    travel: Decimal = Decimal(0),
    dedicated: Decimal = Decimal(0),
    note: str = "",
) -> CostToServe:
    """Set the yearly cost-to-serve estimate of a client (directors and administrators)."""
    if not user.sees_all_clients:
        raise ValidationError(
            _("Only directors and administrators can estimate the cost to serve.")
        )
    cost = CostToServe.objects.select_for_update().filter(client=client).first() or CostToServe(
        client=client
    )
    cost.kam_share, cost.travel, cost.dedicated = kam_share, travel, dedicated
    cost.note = note.strip()
    cost.updated_by = user
    cost.full_clean()
    cost.save()
    return cost


def _shortlist_check_director(user: User) -> None:
    if not user.sees_all_clients:
        raise ValidationError(_("Only directors and administrators choose the key accounts."))


def _shortlist_check_candidate(client: Client) -> None:
    """A key account is an existing client with ledger history that no override forces out."""
    if not ClientYearMetric.objects.filter(client=client).exists():
        raise ValidationError(
            _(
                "%(client)s has no history in the ledger: a prospect or a client without history "
                "cannot be a key account."
            )
            % {"client": client}
        )
    if Override.objects.filter(
        client=client, is_active=True, kind=Override.Kind.FORCE_OUT
    ).exists():
        raise ValidationError(
            _(
                "%(client)s is forced out of the selection by an override; withdraw the override "
                "first."
            )
            % {"client": client}
        )


@transaction.atomic
def shortlist_add(*, user: User, programme: Programme, client: Client) -> ShortlistEntry:
    """Add a client to a programme year's shortlist; adding it twice changes nothing."""
    _shortlist_check_director(user)
    _shortlist_check_candidate(client)
    entry, _created = ShortlistEntry.objects.get_or_create(
        programme=programme, client=client, defaults={"added_by": user}
    )
    return entry


@transaction.atomic
def shortlist_remove(*, user: User, programme: Programme, client: Client) -> None:
    """Take a client off a programme year's shortlist."""
    _shortlist_check_director(user)
    ShortlistEntry.objects.filter(programme=programme, client=client).delete()


@transaction.atomic
def shortlist_set(*, user: User, programme: Programme, clients: list[Client]) -> Programme:
    """Make the shortlist exactly ``clients``; one refused client and nothing changes."""
    _shortlist_check_director(user)
    for client in clients:
        _shortlist_check_candidate(client)
    wanted = {client.pk for client in clients}
    programme.entries.exclude(client_id__in=wanted).delete()
    present = set(programme.entries.values_list("client_id", flat=True))
    ShortlistEntry.objects.bulk_create(
        ShortlistEntry(programme=programme, client=client, added_by=user)
        for client in {client.pk: client for client in clients}.values()
        if client.pk not in present
    )
    return programme


@transaction.atomic
def shortlist_confirm(
    *, user: User, programme: Programme, reason: str = "", budget_exception: str = ""
) -> ShortlistDecision:
    """Record the director's decision on a programme year's shortlist, as it stands.

    Refused when the shortlist is empty, when a shortlisted client has no cost-to-serve estimate
    (the budget could not be judged), above ten key accounts without a reason, and over budget
    (money or KAM headcount) without a recorded exception.
    """
    _shortlist_check_director(user)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    entries = list(
        programme.entries.select_related("client", "client__cost_to_serve").order_by(
            "client__name", "client_id"
        )
    )
    if not entries:
        raise ValidationError(_("Choose at least one key account before confirming."))
    for entry in entries:
        _shortlist_check_candidate(entry.client)
    unpriced = [entry.client.name for entry in entries if not _has_cost(entry.client)]
    if unpriced:
        raise ValidationError(
            _("Estimate the cost to serve of %(clients)s before confirming.")
            % {"clients": ", ".join(unpriced)}
        )
    reason, budget_exception = reason.strip(), budget_exception.strip()
    if len(entries) > SHORTLIST_CONFIRM_ABOVE and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "%(count)s key accounts is more than %(limit)s: say why each deserves it."
                )
                % {"count": len(entries), "limit": SHORTLIST_CONFIRM_ABOVE}
            }
        )
    cost = sum(
        (entry.client.cost_to_serve.total(kam_cost=programme.kam_cost) for entry in entries),
        Decimal(0),
    )
    over_money, over_kams = cost > programme.budget, len(entries) > programme.kam_headcount
    if (over_money or over_kams) and not budget_exception:
        raise ValidationError(
            {
                "budget_exception": _(
                    "This shortlist is over budget: record the exception that allows it."
                )
            }
        )
    decision = ShortlistDecision(
        programme=programme,
        client_ids=[entry.client_id for entry in entries],
        client_names=[entry.client.name for entry in entries],
        cost=cost,
        budget=programme.budget,
        kam_needed=len(entries),
        kam_headcount=programme.kam_headcount,
        reason=reason,
        budget_exception=budget_exception if (over_money or over_kams) else "",
        decided_by=user,
    )
    decision.full_clean()
    decision.save()
    return decision


def _has_cost(client: Client) -> bool:
    try:
        client.cost_to_serve  # noqa: B018 - a reverse one-to-one raises when missing
    except CostToServe.DoesNotExist:
        return False
    return True


# --- weights what-if and criteria catalogue -----------------------------------------------------


@dataclass(frozen=True)
class WhatIfMove:
    """A client's rank and total under the weights in force and under proposed weights."""

    client: Client
    old_rank: int
    new_rank: int
    move: int  # places climbed (negative: fell)
    old_total: float
    new_total: float


def weights_what_if(
    *, user: User, family_weights: Mapping[str, float], criterion_weights: Mapping[str, float]
) -> list[WhatIfMove]:
    """How the ranks would move under proposed weights, saving nothing: the clients ``user``
    may see, by their new rank (ranks are among every ranked client).

    The inputs are those of a real run; the proposed weights are checked like a new version
    (``criterion_weights`` maps the codes of active criteria to weights within their family, an
    active criterion left out weighing 0).
    """
    inputs = _inputs()
    if inputs is None:
        raise ValidationError(_("No weights are in force yet, so there is nothing to compare."))
    specs = _checked_specs(inputs.criteria, family_weights, criterion_weights)
    proposed = ranking.WeightSet(
        families={family: float(family_weights.get(family, 0)) for family in ranking.FAMILIES},
        criteria={spec.code: spec.weight for spec in specs},
    )
    try:
        moves = ranking.what_if(
            inputs.values,
            inputs.specs,
            inputs.family_weights,
            proposed,
            clients=inputs.client_ids,
        )
    except ValueError as error:
        raise ValidationError(
            _("These weights cannot be used: %(problem)s") % {"problem": error}
        ) from error
    ids = [move.client_id for move in moves]
    visible = client_selectors.client_list(user=user).filter(pk__in=ids).select_related(None)
    clients = {company.pk: company for company in visible}
    return [
        WhatIfMove(
            client=clients[move.client_id],
            old_rank=move.old_rank,
            new_rank=move.new_rank,
            move=move.move,
            old_total=move.old_total,
            new_total=move.new_total,
        )
        for move in moves
        if move.client_id in clients
    ]


@transaction.atomic
def criterion_create(
    *,
    user: User,
    code: str,
    name: str,
    family: str,
    direction: str = Criterion.Direction.HIGHER,
    normalisation: str,
    thresholds: list[float] | None = None,
    met_threshold: float = 0.5,
    source: str = "",
    rubric: Mapping[str, str] | None = None,
) -> Criterion:
    """Add a criterion to the catalogue, active. It weighs 0 in its family until a director
    gives it a weight in a new version of the weights (see ``selectors.weights_in_force``)."""
    _check_director(user)
    code = code.strip()
    if Criterion.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": _("There is already a criterion %(code)s.") % {"code": code}}
        )
    criterion = Criterion(code=code, family=family, is_active=True)
    _criterion_fill(
        criterion,
        name=name,
        direction=direction,
        normalisation=normalisation,
        thresholds=thresholds or [],
        met_threshold=met_threshold,
        source=source,
        rubric=rubric or {},
    )
    criterion.full_clean()
    criterion.save()
    scores_recompute_request(trigger=ScoringRun.Trigger.WEIGHTS)
    return criterion


@transaction.atomic
def criterion_update(
    *,
    user: User,
    criterion: Criterion,
    code: str | None = None,
    family: str | None = None,
    name: str | None = None,
    direction: str | None = None,
    normalisation: str | None = None,
    thresholds: list[float] | None = None,
    met_threshold: float | None = None,
    source: str | None = None,
    rubric: Mapping[str, str] | None = None,
    is_active: bool | None = None,
) -> Criterion:
    """Change a criterion; what is left out (``None``) stays as it is.

    Its code and family do not change: weights, ratings and past runs refer to them. A criterion
    that still carries weight in the weights in force is not deactivated: the director first
    moves its weight to other criteria (or sets its family's weight to 0 when it is the only
    one), in a new version of the weights, so every change of the ranking is in the change log.
    """
    _check_director(user)
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if code is not None and code.strip() != criterion.code:
        raise ValidationError(
            {"code": _("A criterion's code cannot change: weights and ratings refer to it.")}
        )
    if family is not None and family != criterion.family:
        raise ValidationError(
            {
                "family": _(
                    "A criterion's family cannot change: create a new criterion and deactivate "
                    "this one."
                )
            }
        )
    rated = criterion.family in RATED_FAMILIES
    _criterion_fill(
        criterion,
        name=criterion.name if name is None else name,
        direction=criterion.direction if direction is None else direction,
        normalisation=criterion.normalisation if normalisation is None else normalisation,
        thresholds=list(criterion.thresholds) if thresholds is None else thresholds,
        met_threshold=criterion.met_threshold if met_threshold is None else met_threshold,
        source=criterion.source if source is None else source,
        rubric=(criterion.rubric if rated else {}) if rubric is None else rubric,
        complete_rubric=rubric is not None,
    )
    if is_active is not None and is_active != criterion.is_active:
        criterion.is_active = is_active
        if not is_active:
            _check_deactivation(criterion)
    criterion.full_clean()
    criterion.save()
    scores_recompute_request(trigger=ScoringRun.Trigger.WEIGHTS)
    return criterion


def _check_director(user: User) -> None:
    if not user.sees_all_clients:
        raise ValidationError(_("Only directors and administrators can change the criteria."))


def _criterion_fill(
    criterion: Criterion,
    *,
    name: str,
    direction: str,
    normalisation: str,
    thresholds: list[float],
    met_threshold: float,
    source: str,
    rubric: Mapping[str, str],
    complete_rubric: bool = True,
) -> None:
    """Set the fields of a criterion, or raise the translated error of the first rule broken."""
    labels = dict(Criterion.Family.choices)
    if criterion.family not in labels:
        raise ValidationError({"family": _("Choose financial, strategic alignment or maturity.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the criterion a name.")})
    if direction not in Criterion.Direction.values:
        raise ValidationError({"direction": _("Choose higher or lower is better.")})
    if normalisation not in Criterion.Normalisation.values:
        raise ValidationError({"normalisation": _("Choose how the values become a score.")})
    thresholds = [float(value) for value in thresholds]
    if any(not math.isfinite(value) for value in thresholds):
        raise ValidationError({"thresholds": _("Thresholds are numbers.")})
    if normalisation == Criterion.Normalisation.THRESHOLDS:
        if not thresholds:
            raise ValidationError(
                {"thresholds": _("A criterion scored on thresholds needs at least one threshold.")}
            )
        if any(b <= a for a, b in itertools.pairwise(thresholds)):
            raise ValidationError(
                {"thresholds": _("Thresholds must be strictly increasing, such as 5; 15; 30.")}
            )
    elif thresholds:
        raise ValidationError(
            {"thresholds": _("Only a criterion scored on thresholds takes thresholds.")}
        )
    if not math.isfinite(met_threshold) or not 0 <= met_threshold <= 1:
        raise ValidationError(
            {"met_threshold": _("The score from which a criterion is met is 0 to 1.")}
        )
    source = source.strip()
    rubric = {str(level): str(text).strip() for level, text in rubric.items()}
    if criterion.family in RATED_FAMILIES:
        if source:
            raise ValidationError(
                {"source": _("A rated criterion reads no ledger figure: leave the source empty.")}
            )
        if set(rubric) - set(LEVELS):
            raise ValidationError({"rubric": _('A rubric describes the levels "1" to "5".')})
        empty = [level for level in LEVELS if not rubric.get(level)]
        if empty and complete_rubric:
            raise ValidationError(
                {
                    "rubric": _("Say what level %(level)s means, so everyone rates alike.")
                    % {"level": empty[0]}
                }
            )
    else:
        if source not in Criterion.Source.values:
            raise ValidationError(
                {"source": _("Choose the ledger figure a financial criterion reads.")}
            )
        if any(rubric.values()):
            raise ValidationError(
                {"rubric": _("A financial criterion reads the ledger: it has no rubric.")}
            )
        rubric = {}
    criterion.name = name
    criterion.direction = direction
    criterion.normalisation = normalisation
    criterion.thresholds = thresholds
    criterion.met_threshold = float(met_threshold)
    criterion.source = source
    criterion.rubric = {level: rubric[level] for level in LEVELS if level in rubric}


def _check_deactivation(criterion: Criterion) -> None:
    """Refuse to deactivate a criterion the weights in force still count on."""
    in_force = selectors.weights_in_force()
    if in_force.weight_set is None:
        return
    family = criterion.family
    others = [c for c in in_force.criteria if c.family == family and c.pk != criterion.pk]
    family_weight = in_force.family_weights.get(family, 0.0)
    weight = in_force.criterion_weights.get(criterion.code, 0.0)
    label = dict(Criterion.Family.choices)[family]
    if not others and family_weight > 0:
        raise ValidationError(
            {
                "is_active": _(
                    "%(criterion)s is the only active criterion of the %(family)s family, which "
                    "weighs %(weight)s in the weights in force. Set that family's weight to 0 in "
                    "a new version of the weights first, then deactivate it."
                )
                % {
                    "criterion": criterion.name,
                    "family": label,
                    "weight": _weight_text(family_weight),
                }
            }
        )
    if others and weight > ranking.TOLERANCE:
        raise ValidationError(
            {
                "is_active": _(
                    "%(criterion)s weighs %(weight)s in the %(family)s family in the weights in "
                    "force. Give its weight to the family's other criteria in a new version of the "
                    "weights first, then deactivate it."
                )
                % {
                    "criterion": criterion.name,
                    "family": label,
                    "weight": _weight_text(weight),
                }
            }
        )


def _weight_text(weight: float) -> str:
    """A weight in a message: 25 rather than 25.0, at most two decimals."""
    rounded = round(weight, 2)
    return formats.number_format(int(rounded) if rounded.is_integer() else rounded)
