"""Forms of the selection of key accounts: they check shape; ``scoring.services`` decides what is
allowed."""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.forms import currency_choices
from scoring.models import LEVELS, CostToServe, Criterion, Override, Programme


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
