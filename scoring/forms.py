"""Forms of the selection of key accounts: they check shape; ``scoring.services`` decides what is
allowed."""

import math
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from kam.forms import currency_choices
from scoring import ranking
from scoring.models import LEVELS, RATED_FAMILIES, CostToServe, Criterion, Override, Programme
from scoring.selectors.weights import WeightsInForce


class OverrideForm(forms.Form):
    kind = forms.ChoiceField(label=_("Override"), choices=Override.Kind.choices)
    points = forms.FloatField(
        label=_("Points"),
        required=False,
        localize=True,
        help_text=_("Adjustments only, added to the score out of 100."),
    )
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the score does not tell the whole story; shown next to it everywhere."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        bound = settings.KAM_OVERRIDE_BOUND
        self.fields["points"].widget.attrs.update({"min": -bound, "max": bound, "step": "0.5"})
        self.fields["points"].help_text = _(
            "Adjustments only: -%(bound)s to +%(bound)s points added to the score out of 100."
        ) % {"bound": bound}

    def clean_points(self) -> float:
        return self.cleaned_data["points"] or 0.0


class ProgrammeForm(forms.Form):
    budget = forms.DecimalField(
        label=_("Budget for the year"), min_value=Decimal(0), max_digits=14, decimal_places=2,
        localize=True,
    )  # fmt: skip
    currency = forms.ChoiceField(label=_("Currency"))
    kam_headcount = forms.IntegerField(
        label=_("Key account managers available"), min_value=0, max_value=1000
    )
    kam_cost = forms.DecimalField(
        label=_("Yearly cost of a full-time KAM"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        localize=True,
        help_text=_("Salary, charges and overheads: it prices the share of a KAM's time."),
    )

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        if programme is not None:
            kwargs.setdefault(
                "initial",
                {
                    "budget": programme.budget,
                    "currency": programme.currency,
                    "kam_headcount": programme.kam_headcount,
                    "kam_cost": programme.kam_cost,
                },
            )
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = currency_choices(also=programme.currency if programme else "")


class CostToServeForm(forms.Form):
    kam_share = forms.DecimalField(
        label=_("Share of a KAM's time"),
        min_value=Decimal("0.01"),
        max_value=Decimal(1),
        max_digits=3,
        decimal_places=2,
        localize=True,
        help_text=_("From 0.01 to 1: 0.5 is half of one key account manager's time."),
    )
    travel = forms.DecimalField(
        label=_("Travel a year"), min_value=Decimal(0), max_digits=12, decimal_places=2,
        localize=True, initial=Decimal(0),
    )  # fmt: skip
    dedicated = forms.DecimalField(
        label=_("Dedicated resources a year"),
        min_value=Decimal(0),
        max_digits=12,
        decimal_places=2,
        localize=True,
        initial=Decimal(0),
        help_text=_("People, tools or stock set aside for this client alone."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, cost: CostToServe | None = None, **kwargs: Any) -> None:
        if cost is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kam_share": cost.kam_share,
                    "travel": cost.travel,
                    "dedicated": cost.dedicated,
                    "note": cost.note,
                },
            )
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ShortlistConfirmForm(forms.Form):
    reason = forms.CharField(
        label=_("Why more than ten key accounts"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    budget_exception = forms.CharField(
        label=_("Budget exception"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who allowed going over the budget or the KAM headcount, and why."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RatingForm(forms.Form):
    """A level 1 to 5 on a rated criterion, each level saying what it means, and a note."""

    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        error_messages={
            "required": _("Choose a level from 1 to 5."),
            "invalid_choice": _("A level is 1 to 5."),
        },
    )
    note = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the level rests on: a meeting, a document, a figure."),
    )

    def __init__(
        self, data: Any = None, *, criterion: Criterion, initial: dict[str, Any] | None = None
    ) -> None:
        super().__init__(data, initial=initial, label_suffix="")
        rubric = criterion.rubric if isinstance(criterion.rubric, dict) else {}
        level = self.fields["level"]
        assert isinstance(level, forms.TypedChoiceField)
        level.choices = [
            ("", _("Choose a level")),
            *((int(key), f"{key} — {rubric[key]}" if rubric.get(key) else key) for key in LEVELS),
        ]


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
    name_en = forms.CharField(label=_("Name in English"), max_length=150, required=False)
    name_fr = forms.CharField(label=_("Name in French"), max_length=150, required=False)
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
                "name_en": criterion.name_en,
                "name_fr": criterion.name_fr,
                "direction": criterion.direction,
                "normalisation": criterion.normalisation,
                "thresholds": thresholds_text(criterion.thresholds),
                "met_threshold": criterion.met_threshold,
                "source": criterion.source,
                "is_active": criterion.is_active,
                **{
                    f"rubric_{language}_{level}": rubric.get(level, "")
                    for language, rubric in (
                        ("en", criterion.rubric_en),
                        ("fr", criterion.rubric_fr),
                    )
                    if isinstance(rubric, dict)
                    for level in LEVELS
                },
            }
        elif family:
            initial = {"family": family}
        super().__init__(data, initial=initial, label_suffix="")
        self.criterion = criterion
        for level in LEVELS:
            self.fields[f"rubric_en_{level}"] = forms.CharField(
                label=_("Level %(level)s in English") % {"level": level},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"rubric_fr_{level}"] = forms.CharField(
                label=_("Level %(level)s in French") % {"level": level},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
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

    def rubric_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        """Per level, its English and French fields."""
        return [(self[f"rubric_en_{level}"], self[f"rubric_fr_{level}"]) for level in LEVELS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name_en") or "").strip() and not (data.get("name_fr") or "").strip():
            self.add_error("name_en", _("Give the criterion a name, in English or in French."))
        return data

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for language in ("en", "fr"):
            rubric = {level: data.pop(f"rubric_{language}_{level}") for level in LEVELS}
            data[f"rubric_{language}"] = rubric if self.family_code in RATED_FAMILIES else {}
        return data
