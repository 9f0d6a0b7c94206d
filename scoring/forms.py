"""Forms for the weights and the criteria catalogue: they check shapes, services decide."""

import math
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from scoring import ranking
from scoring.models import LEVELS, RATED_FAMILIES, Criterion
from scoring.selectors import WeightsInForce


def plain_number(value: float) -> str:
    """A weight as a number input shows it: 40 rather than 40.0, up to six decimals."""
    return f"{round(value, 6):.6f}".rstrip("0").rstrip(".")


def thresholds_text(thresholds: list[float]) -> str:
    """Thresholds as the form shows them: "5; 15; 30", decimals in the user's language."""
    return "; ".join(formats.number_format(value) for value in thresholds)


class ThresholdsField(forms.CharField):
    """Numbers separated by semicolons or commas. With semicolons, a comma is a decimal comma
    (``2,5; 5``); without, commas separate (``2.5, 5``)."""

    def to_python(self, value: Any) -> list[float]:  # type: ignore[override]
        text = str(super().to_python(value)).replace("\u00a0", "").replace("\u202f", "")
        if not text.strip():
            return []
        parts = text.split(";") if ";" in text else text.split(",")
        numbers = []
        for part in parts:
            part = part.strip().replace(" ", "")
            if not part:
                continue
            try:
                number = float(part.replace(",", "."))
            except ValueError:
                raise ValidationError(
                    _("“%(value)s” is not a number."), code="invalid", params={"value": part}
                ) from None
            if not math.isfinite(number):
                raise ValidationError(
                    _("“%(value)s” is not a number."), code="invalid", params={"value": part}
                )
            numbers.append(number)
        return numbers


def _weight_field(label: str, initial: float) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        min_value=0,
        max_value=100,
        initial=plain_number(initial),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class WeightsPreviewForm(forms.Form):
    """One weight per family and per active criterion, prefilled with the weights in force."""

    def __init__(self, data: Any = None, *, in_force: WeightsInForce) -> None:
        super().__init__(data, label_suffix="")
        self.in_force = in_force
        labels = dict(Criterion.Family.choices)
        for family in ranking.FAMILIES:
            self.fields[f"family_{family}"] = _weight_field(
                str(labels[family]), in_force.family_weights[family]
            )
        for criterion in in_force.criteria:
            self.fields[f"criterion_{criterion.code}"] = _weight_field(
                criterion.name, in_force.criterion_weights[criterion.code]
            )

    def groups(self) -> list[dict[str, Any]]:
        """For the template: each family's field with its criteria's fields."""
        labels = dict(Criterion.Family.choices)
        return [
            {
                "family": family,
                "label": labels[family],
                "field": self[f"family_{family}"],
                "criteria": [
                    {
                        "criterion": criterion,
                        "field": self[f"criterion_{criterion.code}"],
                        "unweighted": criterion.code in self.in_force.unweighted,
                    }
                    for criterion in self.in_force.criteria
                    if criterion.family == family
                ],
            }
            for family in ranking.FAMILIES
        ]

    def weights(self) -> dict[str, dict[str, float]]:
        """The cleaned weights, as the services take them."""
        return {
            "family_weights": {
                family: self.cleaned_data[f"family_{family}"] for family in ranking.FAMILIES
            },
            "criterion_weights": {
                criterion.code: self.cleaned_data[f"criterion_{criterion.code}"]
                for criterion in self.in_force.criteria
            },
        }


class WeightsForm(WeightsPreviewForm):
    """The weights plus why they change: a new version of the weights."""

    def __init__(self, data: Any = None, *, in_force: WeightsInForce) -> None:
        super().__init__(data, in_force=in_force)
        self.fields["base_version"] = forms.IntegerField(
            min_value=0, initial=in_force.version, widget=forms.HiddenInput
        )
        self.fields["reason"] = forms.CharField(
            label=_("Why do the weights change?"),
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=_("Shown in the change log, next to your name."),
        )
        self.fields["name"] = forms.CharField(
            label=_("Name of the weights"),
            required=False,
            max_length=150,
            help_text=_("Leave empty to keep the current name."),
        )

    def service_data(self) -> dict[str, Any]:
        return {
            **self.weights(),
            "reason": self.cleaned_data["reason"],
            "base_version": self.cleaned_data["base_version"],
            "name": self.cleaned_data["name"],
        }


class CriterionForm(forms.Form):
    """A criterion of the catalogue; its code and family are chosen once, at creation."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("Lowercase letters, digits and hyphens; the API and the weights use it."),
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    family = forms.ChoiceField(label=_("Family"), choices=Criterion.Family.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Criterion.Direction.choices)
    normalisation = forms.ChoiceField(label=_("Scored by"), choices=Criterion.Normalisation.choices)
    thresholds = ThresholdsField(
        label=_("Thresholds"),
        required=False,
        max_length=500,
        help_text=_(
            "Only when scored on thresholds: increasing numbers, separated by semicolons "
            "(5; 15; 30). Decimal commas are fine with semicolons: 2,5; 5."
        ),
    )
    met_threshold = forms.FloatField(
        label=_("Met from (score 0 to 1)"),
        min_value=0,
        max_value=1,
        initial=0.5,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text=_("The criterion counts as met when the client's 0-1 score reaches this."),
    )
    source = forms.ChoiceField(
        label=_("Ledger figure"),
        required=False,
        choices=[("", "—"), *Criterion.Source.choices],
        help_text=_("Financial criteria only: the yearly ledger figure it reads."),
    )
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive criterion is no longer rated nor scored; its history stays."),
    )

    def __init__(
        self, data: Any = None, *, criterion: Criterion | None = None, family: str = ""
    ) -> None:
        initial: dict[str, Any] = {}
        if criterion is not None:
            initial = {
                "name": criterion.name,
                "direction": criterion.direction,
                "normalisation": criterion.normalisation,
                "thresholds": thresholds_text(criterion.thresholds),
                "met_threshold": criterion.met_threshold,
                "source": criterion.source,
                "is_active": criterion.is_active,
                **{f"rubric_{level}": criterion.rubric.get(level, "") for level in LEVELS},
            }
        elif family:
            initial = {"family": family}
        super().__init__(data, initial=initial, label_suffix="")
        self.criterion = criterion
        for level in LEVELS:
            self.fields[f"rubric_{level}"] = forms.CharField(
                label=_("Level %(level)s") % {"level": level},
                required=False,
                max_length=500,
            )
        if criterion is not None:
            del self.fields["code"], self.fields["family"]
        else:
            del self.fields["is_active"]

    @property
    def family_code(self) -> str:
        """The family the form is for: the criterion's, or the one chosen (may be empty)."""
        if self.criterion is not None:
            return self.criterion.family
        return str(self["family"].value() or "")

    @property
    def is_rated(self) -> bool:
        return self.family_code in RATED_FAMILIES

    def rubric_fields(self) -> list[forms.BoundField]:
        return [self[f"rubric_{level}"] for level in LEVELS]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["rubric"] = {level: data.pop(f"rubric_{level}") for level in LEVELS}
        if self.family_code not in RATED_FAMILIES:
            data["rubric"] = {}
        return data
