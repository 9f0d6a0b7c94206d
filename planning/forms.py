"""Forms of the planning pages: they check the shape of what is sent; the services enforce the
rules (a plan only for a key account, no overlap)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from kam.forms import add_service_error
from scoring.models import Programme


class ServiceErrorsMixin:
    def add_service_error(self, error: Any) -> None:
        add_service_error(self, error)  # type: ignore[arg-type]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanOpenForm(ServiceErrorsMixin, forms.Form):
    client = forms.ModelChoiceField(label=_("Key account"), queryset=Client.objects.none())
    period_start = forms.DateField(label=_("Start"), widget=DateInput())
    period_end = forms.DateField(label=_("End"), widget=DateInput())

    def __init__(
        self, *args: Any, programme: Programme, clients: QuerySet[Client], **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "period_start": dt.date(programme.year, 1, 1),
                "period_end": dt.date(programme.year, 12, 31),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("The plan ends after it starts."))
        return data
