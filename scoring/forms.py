"""Forms of the selection of key accounts. They check shape; the services decide what is allowed."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scoring.models import LEVELS, Criterion


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
