"""The catalogue of criteria a client is scored on."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions
from scoring import ranking
from scoring.models import LEVELS, RATED_FAMILIES, Criterion, ScoringRun
from scoring.selectors import weights as weight_selectors
from scoring.services import runs


@transaction.atomic
def criterion_create(
    *,
    user: User,
    code: str,
    name_en: str = "",
    name_fr: str = "",
    family: str,
    direction: str = Criterion.Direction.HIGHER,
    normalisation: str,
    thresholds: list[float] | None = None,
    met_threshold: float = 0.5,
    source: str = "",
    rubric_en: Mapping[str, str] | None = None,
    rubric_fr: Mapping[str, str] | None = None,
) -> Criterion:
    """Add a criterion to the catalogue, active. It weighs 0 in its family until a director
    gives it a weight in a new version of the weights (see ``weight_selectors.weights_in_force``).

    Its name and rubric are given in English, in French or both; a reader of the other
    language sees the given text, marked as untranslated (``Criterion.name``)."""
    permissions.require(permissions.may_manage_programme, user)
    criterion = Criterion(code=code.strip(), family=family, is_active=True)
    _criterion_fill(
        criterion,
        name_en=name_en,
        name_fr=name_fr,
        direction=direction,
        normalisation=normalisation,
        thresholds=thresholds or [],
        met_threshold=met_threshold,
        source=source,
        rubric_en=rubric_en or {},
        rubric_fr=rubric_fr or {},
    )
    criterion.full_clean()
    criterion.save()
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.WEIGHTS)
    return criterion


@transaction.atomic
def criterion_update(
    *,
    user: User,
    criterion: Criterion,
    code: str | None = None,
    family: str | None = None,
    name_en: str | None = None,
    name_fr: str | None = None,
    direction: str | None = None,
    normalisation: str | None = None,
    thresholds: list[float] | None = None,
    met_threshold: float | None = None,
    source: str | None = None,
    rubric_en: Mapping[str, str] | None = None,
    rubric_fr: Mapping[str, str] | None = None,
    is_active: bool | None = None,
) -> Criterion:
    """Change a criterion; what is left out (``None``) stays as it is.

    Its code and family do not change: weights, ratings and past runs refer to them. A criterion
    that still carries weight in the weights in force is not deactivated: the director first
    moves its weight to other criteria (or sets its family's weight to 0 when it is the only
    one), in a new version of the weights, so every change of the ranking is in the change log.
    """
    permissions.require(permissions.may_manage_programme, user)
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
        name_en=criterion.name_en if name_en is None else name_en,
        name_fr=criterion.name_fr if name_fr is None else name_fr,
        direction=criterion.direction if direction is None else direction,
        normalisation=criterion.normalisation if normalisation is None else normalisation,
        thresholds=list(criterion.thresholds) if thresholds is None else thresholds,
        met_threshold=criterion.met_threshold if met_threshold is None else met_threshold,
        source=criterion.source if source is None else source,
        rubric_en=(criterion.rubric_en if rated else {}) if rubric_en is None else rubric_en,
        rubric_fr=(criterion.rubric_fr if rated else {}) if rubric_fr is None else rubric_fr,
        complete_rubric=rubric_en is not None or rubric_fr is not None,
    )
    if is_active is not None and is_active != criterion.is_active:
        criterion.is_active = is_active
        if not is_active:
            _check_deactivation(criterion)
    criterion.full_clean()
    criterion.save()
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.WEIGHTS)
    return criterion


def _criterion_fill(
    criterion: Criterion,
    *,
    name_en: str,
    name_fr: str,
    direction: str,
    normalisation: str,
    thresholds: list[float],
    met_threshold: float,
    source: str,
    rubric_en: Mapping[str, str],
    rubric_fr: Mapping[str, str],
    complete_rubric: bool = True,
) -> None:
    """Set the fields of a criterion from what the director gave, trimmed; ``full_clean()``
    then checks them against the model's rules (``Criterion.clean`` and its constraints).

    One rule is about the change rather than the row: a rubric given for a rated criterion says
    what every level means, in English or in French, so everyone rates alike (an older,
    incomplete rubric stays valid until a director gives a new one: ``complete_rubric=False``).
    """
    english, french = _rubric_texts(rubric_en), _rubric_texts(rubric_fr)
    empty = [level for level in LEVELS if level not in english and level not in french]
    if complete_rubric and criterion.is_rated and empty:
        raise ValidationError(
            {
                "rubric": _("Say what level %(level)s means, so everyone rates alike.")
                % {"level": empty[0]}
            }
        )
    name_en, name_fr = name_en.strip(), name_fr.strip()
    if not name_en and not name_fr:
        raise ValidationError({"name_en": _("Give the criterion a name, in English or in French.")})
    criterion.name_en, criterion.name_fr = name_en, name_fr
    criterion.direction = direction
    criterion.normalisation = normalisation
    criterion.thresholds = list(thresholds)
    criterion.met_threshold = met_threshold
    criterion.source = source.strip()
    criterion.rubric_en, criterion.rubric_fr = english, french


def _rubric_texts(rubric: Mapping[str, str]) -> dict[str, str]:
    """The levels given a text, trimmed, in level order."""
    texts = {str(level): str(text).strip() for level, text in rubric.items()}
    return {level: text for level, text in sorted(texts.items()) if text}


def _check_deactivation(criterion: Criterion) -> None:
    """Refuse to deactivate a criterion the weights in force still count on."""
    in_force = weight_selectors.weights_in_force()
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
