"""Reads of the scoring runs: the list, what a run reads, and the weights' what-if."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    QuerySet,
)
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import selectors as client_selectors
from accounts.models import Client, ClientYearMetric, User
from scoring import ranking
from scoring.models import (
    Criterion,
    Rating,
    ScoringRun,
    WeightSet,
)
from scoring.selectors import weights as weight_selectors


def scoring_run_list() -> QuerySet[ScoringRun]:
    """Every scoring run, newest first, whatever its status."""
    return ScoringRun.objects.select_related("weight_set").order_by("-started_at", "-pk")


#
# **Raw values.** A financial criterion reads one field of the client's latest
# ``ClientYearMetric``: the most recent calendar year for which the ledger has figures for that
# client (so a client that stopped buying is compared on its last year of business, and the
# explanation says which year). A field that is empty in that year (a first year has no growth)
# is missing, never zero. A rated criterion reads the client's latest rating.
#
# **Who is ranked.** Every client with ledger history (at least one ``ClientYearMetric``). A
# client without history is not ranked, and cannot be overridden.
#
# **Sources** (where each value comes from: a ledger year, a rating and its note) are stored as
# data with the scores and worded in the reader's language when shown.


@dataclass(frozen=True)
class RunInputs:
    """Everything a run depends on, read in one go (see ``run_inputs``)."""

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


def run_inputs() -> RunInputs | None:
    in_force = weight_selectors.weights_in_force()  # a criterion added since the version weighs 0
    weight_set = in_force.weight_set
    if weight_set is None:
        return None
    criteria = in_force.criteria
    specs = [
        criterion_spec(criterion, in_force.criterion_weights[criterion.code])
        for criterion in criteria
    ]
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
    return RunInputs(
        weight_set, criteria, specs, client_ids, values, origins, notes, in_force.family_weights
    )


def weights_checked(
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
        criterion_spec(criterion, float(criterion_weights.get(criterion.code, 0)))
        for criterion in criteria
    ]


def criterion_spec(criterion: Criterion, weight: float) -> ranking.CriterionSpec:
    return ranking.CriterionSpec(
        code=criterion.code,
        family=criterion.family,
        direction=criterion.direction,  # type: ignore[arg-type]
        normalisation=criterion.normalisation,  # type: ignore[arg-type]
        weight=weight,
        thresholds=tuple(float(threshold) for threshold in criterion.thresholds),
    )


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
    inputs = run_inputs()
    if inputs is None:
        raise ValidationError(_("No weights are in force yet, so there is nothing to compare."))
    specs = weights_checked(inputs.criteria, family_weights, criterion_weights)
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
