"""Versions of the weights: a change is a new active version, and the change log keeps them all."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions
from scoring import ranking
from scoring.models import Criterion, CriterionWeight, ScoringRun, WeightSet
from scoring.selectors import runs as run_selectors
from scoring.services import runs


class StaleEdit(ValidationError):
    """The weights changed since the director opened them, so nothing was saved: pages show the
    message and keep the director's values, the API answers 409 Conflict."""


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
    permissions.require(permissions.may_manage_programme, user)
    active = WeightSet.objects.select_for_update().filter(is_active=True).first()
    current = active.version if active is not None else 0
    if current != base_version:
        raise StaleEdit(
            _(
                "The weights were changed (version %(current)s) since you opened them (version "
                "%(base)s). Reload them and make your change again."
            )
            % {"current": current, "base": base_version},
            code="stale",
        )
    criteria = list(Criterion.objects.filter(is_active=True))
    specs = run_selectors.weights_checked(criteria, family_weights, criterion_weights)
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
        reason=reason.strip(),
        created_by=user,
    )
    weight_set.full_clean()
    weight_set.save()
    CriterionWeight.objects.bulk_create(
        CriterionWeight(weight_set=weight_set, criterion=criterion, weight=spec.weight)
        for criterion, spec in zip(criteria, specs, strict=True)
    )
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.WEIGHTS)
    return weight_set
