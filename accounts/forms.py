"""Forms check the shape of what users send; services decide what is allowed."""

import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from babel import Locale
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import selectors
from accounts.ledger import DATE_FIELDS, DMY, FIELDS, MDY
from accounts.models import Client, Contact, ExchangeRate, User
from kam.formats import country_name, current_locale
from kam.forms import CURRENCIES, currency_choices

NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}
"""Two-letter territories babel names that are not countries (regions, pseudo-locales)."""


def country_choices(*, also: str = "") -> list[tuple[str, str]]:
    """Every country by its name in the active language, A to Z; ``also`` kept if unknown."""
    territories = Locale.parse(current_locale()).territories
    countries = {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }
    if also and also not in countries:
        countries[also] = also

    def key(item: tuple[str, str]) -> str:
        plain = unicodedata.normalize("NFKD", item[1])
        return "".join(char for char in plain if not unicodedata.combining(char)).casefold()

    return sorted(countries.items(), key=key)


class ClientFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(label=_("Country"), required=False)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    kam = forms.TypedChoiceField(
        label=_("Key account manager"), required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for name in selectors.CLIENT_ORDERINGS for key in (name, f"-{name}")],
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, user: User) -> None:
        super().__init__(data, label_suffix="")
        anything = pgettext_lazy("filter", "All")
        country_field = self.fields["country"]
        assert isinstance(country_field, forms.ChoiceField)
        countries = [
            (code, country_name(code)) for code in selectors.client_country_list(user=user)
        ]
        country_field.choices = [("", anything), *sorted(countries, key=lambda item: item[1])]
        segment_field = self.fields["segment"]
        assert isinstance(segment_field, forms.ChoiceField)
        segment_field.choices = [
            ("", anything),
            *((name, name) for name in selectors.client_segment_list(user=user)),
        ]
        if user.sees_all_clients:
            kam_field = self.fields["kam"]
            assert isinstance(kam_field, forms.ChoiceField)
            kam_field.choices = [
                ("", anything),
                *((kam.pk, str(kam)) for kam in selectors.user_list_kams()),
            ]
        else:
            del self.fields["kam"]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments; a malformed value is ignored, not an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": data.get("q") or "",
            "country": data.get("country") or "",
            "segment": data.get("segment") or "",
            "kam_id": data.get("kam"),
            "ordering": data.get("sort") or "name",
        }


class LedgerUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ledger file"),
        help_text=_("CSV or Excel (.xlsx) export of invoice or order lines, one line per row."),
    )
    currency = forms.ChoiceField(
        label=_("Currency of the amounts"),
        help_text=_("Used when the file has no currency column."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = currency_choices()
        currency.initial = settings.KAM_DEFAULT_CURRENCY


class LedgerSheetForm(forms.Form):
    """Which sheet of a workbook holds the ledger."""

    sheet = forms.ChoiceField(label=_("Sheet"))

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, sheets: Iterable[str], sheet: str
    ) -> None:
        super().__init__(data, initial={"sheet": sheet}, label_suffix="")
        field = self.fields["sheet"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in sheets]


class LedgerMappingForm(forms.Form):
    """One select per ledger field, offering the file's columns, the day/month order of each date
    column, and the currency. The order selects sit in the preview (``form=`` attribute), by the
    reading of the column they change."""

    FORM_ID = "import-mapping"
    currency = forms.ChoiceField(
        label=_("Currency of the amounts"),
        help_text=_("For the lines that name no currency of their own."),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        columns: Iterable[str],
        currency: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(data, label_suffix="", **kwargs)
        column_choices = [("", _("— not in file —")), *((column, column) for column in columns)]
        for field in FIELDS:
            self.fields[f"map_{field.code}"] = forms.ChoiceField(
                label=str(field.label), required=False, choices=column_choices
            )
        order_choices = [
            ("", _("as KAM reads it")),
            (DMY, _("day/month/year (31/12/2024)")),
            (MDY, _("month/day/year (12/31/2024)")),
        ]
        for code in DATE_FIELDS:
            self.fields[f"order_{code}"] = forms.ChoiceField(
                label=_("Order of the dates"),
                required=False,
                choices=order_choices,
                widget=forms.Select(attrs={"form": self.FORM_ID}),
            )
        currency_field = self.fields["currency"]
        assert isinstance(currency_field, forms.ChoiceField)
        currency_field.choices = currency_choices(also=currency)

    @staticmethod
    def initial_for(mapping: Mapping[str, str], *, currency: str) -> dict[str, Any]:
        initial: dict[str, Any] = {f"map_{code}": column for code, column in mapping.items()}
        return initial | {"currency": currency}

    def mapping_fields(self) -> list[forms.BoundField]:
        return [self[f"map_{field.code}"] for field in FIELDS]

    def mapping(self) -> dict[str, str]:
        """Field code → column, for the fields the user matched to a column."""
        return {
            field.code: self.cleaned_data[f"map_{field.code}"]
            for field in FIELDS
            if self.cleaned_data.get(f"map_{field.code}")
        }

    def date_orders(self) -> dict[str, str]:
        """Date column → the order the user chose for it, for the mapped date fields."""
        mapping = self.mapping()
        return {
            mapping[code]: self.cleaned_data[f"order_{code}"]
            for code in DATE_FIELDS
            if code in mapping and self.cleaned_data.get(f"order_{code}")
        }


class ClientAssignmentForm(forms.Form):
    """Who manages and who sponsors a client, and how it is grouped.

    The selects offer active key account managers and sponsors; the service decides whether the
    chosen user may take the role.
    """

    kam = forms.ModelChoiceField(
        label=_("Key account manager"), queryset=User.objects.all(), required=False
    )
    sponsor = forms.ModelChoiceField(
        label=_("Executive sponsor"), queryset=User.objects.all(), required=False
    )
    group = forms.CharField(
        label=_("Group"),
        required=False,
        max_length=255,
        help_text=_("The group of companies the client belongs to, if any."),
    )
    segment = forms.CharField(label=_("Segment"), required=False, max_length=100)

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, client: Client, segments: Iterable[str]
    ) -> None:
        initial = {
            "kam": client.kam_id,
            "sponsor": client.sponsor_id,
            "group": client.group,
            "segment": client.segment,
        }
        super().__init__(data, initial=initial, label_suffix="")
        nobody = _("— nobody —")
        for name, role, current in (
            ("kam", User.Role.KAM, client.kam),
            ("sponsor", User.Role.SPONSOR, client.sponsor),
        ):
            users = list(User.objects.filter(role=role, is_active=True))
            if current is not None and current not in users:
                users.append(current)  # shown as it is, so that saving does not drop it silently
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.choices = [("", nobody), *((user.pk, str(user)) for user in users)]
        self.segments = list(segments)
        self.fields["segment"].widget.attrs["list"] = "segment-options"


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=150,
        help_text=_("Their position, such as Purchasing director."),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, contact: Contact | None = None
    ) -> None:
        initial: dict[str, Any] = {}
        if contact is not None:
            initial = {
                name: getattr(contact, name)
                for name in ("first_name", "last_name", "title", "country", "email", "phone")
            }
        super().__init__(data, initial=initial, label_suffix="")
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        also = contact.country if contact is not None else ""
        country.choices = [("", _("— not given —")), *country_choices(also=also)]


class ExchangeRateForm(forms.Form):
    """One rate, 1 EUR = ``rate`` units of the currency, for a day or for a month."""

    currency = forms.CharField(
        label=_("Currency"),
        max_length=40,
        help_text=_("ISO code, such as USD, GBP or CHF."),
        widget=forms.TextInput(attrs={"list": "currency-options", "autocomplete": "off"}),
    )
    period = forms.ChoiceField(label=_("Period"), choices=ExchangeRate.Period.choices)
    date = forms.DateField(
        label=_("Date"),
        help_text=_("The day; for a monthly rate, any day of the month."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    rate = forms.DecimalField(
        label=_("Rate: units of the currency for 1 EUR"),
        max_digits=20,
        decimal_places=8,
        min_value=Decimal("0.00000001"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        exchange_rate: ExchangeRate | None = None,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        values: dict[str, Any] = dict(initial or {})
        if exchange_rate is not None:
            values = {
                "currency": exchange_rate.currency,
                "period": exchange_rate.period,
                "date": exchange_rate.date,
                "rate": exchange_rate.rate.normalize(),
            }
        super().__init__(data, initial=values, label_suffix="")
        self.currency_codes = [code for code in CURRENCIES if code != "EUR"]


class ExchangeRatesUploadForm(forms.Form):
    file = forms.FileField(
        label=_("ECB reference-rate file"),
        help_text=_("eurofxref.csv (one day) or eurofxref-hist.csv (every day), or their ZIP."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".csv,.zip,text/csv,application/zip"
