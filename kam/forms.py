"""Form helpers every app's forms and views use."""

from babel.numbers import get_currency_name
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from kam import formats

CURRENCIES = (
    "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON",
    "JPY", "CNY", "INR", "CAD", "AUD", "BRL", "MXN", "ZAR", "TRY", "AED", "SGD",
)  # fmt: skip


def currency_choices(*, also: str = "") -> list[tuple[str, str]]:
    """Currencies amounts can be in, named in the active language; the default one first."""
    codes = list(dict.fromkeys([settings.KAM_DEFAULT_CURRENCY, *CURRENCIES]))
    if also and also not in codes:
        codes.append(also)
    locale = formats.current_locale()
    return [(code, f"{code} · {get_currency_name(code, locale=locale)}") for code in codes]


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on a field the form has, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            messages = [message for item in errors for message in item.messages]
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
