"""Reads for clients, contacts, metrics and ledger imports, and the only place that decides who
sees which client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import ExtractYear, TruncMonth

from accounts.models import (
    Client,
    ClientYearMetric,
    Contact,
    ExchangeRate,
    LedgerImport,
    LedgerLine,
    User,
)
from kam import lazy, permissions

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")

CLIENT_ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "country": ("country", "name"),
    "segment": ("segment", "name"),
    "kam": ("kam__last_name", "kam__first_name", "kam__username", "name"),
    "revenue": ("latest_revenue", "name"),
}
"""Sort keys the client list accepts; prefix one with ``-`` to reverse it."""


def client_list(
    *,
    user: User,
    search: str = "",
    country: str = "",
    segment: str = "",
    kam_id: int | None = None,
    ordering: str = "name",
) -> QuerySet[Client]:
    """The clients ``user`` may see, filtered and sorted, each with its latest year's revenue.

    KAMs see the clients they manage, sponsors the clients they sponsor, directors and
    administrators every client; contributors see none.
    """
    latest = ClientYearMetric.objects.filter(client=OuterRef("pk")).order_by("-year")
    clients = Client.objects.select_related("kam", "sponsor").annotate(
        latest_year=Subquery(latest.values("year")[:1]),
        latest_revenue=Subquery(latest.values("revenue")[:1]),
    )
    if user.sees_all_clients:
        pass
    elif user.role == User.Role.KAM:
        clients = clients.filter(kam=user)
    elif user.role == User.Role.SPONSOR:
        clients = clients.filter(sponsor=user)
    else:
        clients = clients.none()
    if search:
        clients = clients.filter(
            Q(name__icontains=search)
            | Q(external_id__icontains=search)
            | Q(group__icontains=search)
        )
    if country:
        clients = clients.filter(country=country.upper())
    if segment:
        clients = clients.filter(segment=segment)
    if kam_id is not None:
        clients = clients.filter(kam_id=kam_id)
    return clients.order_by(*_client_ordering(ordering))


def _client_ordering(ordering: str) -> list[F | str]:
    descending = ordering.startswith("-")
    keys = CLIENT_ORDERINGS.get(ordering.removeprefix("-"), CLIENT_ORDERINGS["name"])
    order: list[F | str] = []
    for key in keys:
        if descending:
            order.append(F(key).desc(nulls_last=True))  # type: ignore[arg-type]
        else:
            order.append(F(key).asc(nulls_last=True))  # type: ignore[arg-type]
    order.append("pk")
    return order


def client_country_list(*, user: User) -> list[str]:
    """The country codes of the clients ``user`` sees, for the list's filter."""
    clients = client_list(user=user).exclude(country="")
    return sorted(set(clients.order_by().values_list("country", flat=True).distinct()))


def client_segment_list(*, user: User) -> list[str]:
    """The segments of the clients ``user`` sees, for the list's filter."""
    clients = client_list(user=user).exclude(segment="")
    return sorted(set(clients.order_by().values_list("segment", flat=True).distinct()))


def user_list_kams() -> QuerySet[User]:
    """Every key account manager, for the list's filter (offered to those who see all)."""
    return User.objects.filter(role=User.Role.KAM)


def contact_list(*, client: Client) -> QuerySet[Contact]:
    return Contact.objects.filter(client=client)


def client_has_history() -> Exists:
    """Whether a client has ledger history (at least one yearly figure), as an expression over
    clients to filter or annotate with. Only clients with history are ranked, overridden or
    chosen as key accounts; a prospect has none."""
    return Exists(ClientYearMetric.objects.filter(client=OuterRef("pk")))


def client_ids_with_history(*, client_ids: Iterable[int]) -> set[int]:
    """Those of ``client_ids`` that have ledger history (see ``client_has_history``)."""
    clients = Client.objects.filter(pk__in=list(client_ids)).filter(client_has_history())
    return set(clients.values_list("pk", flat=True))


def client_metric_list(*, client: Client) -> QuerySet[ClientYearMetric]:
    """The client's yearly figures, oldest year first."""
    return ClientYearMetric.objects.filter(client=client).order_by("year")


def ledger_import_list(*, user: User) -> QuerySet[LedgerImport]:
    """Every ledger import for those who may import ledgers; nothing for anyone else."""
    imports = LedgerImport.objects.select_related("created_by")
    if not permissions.may_import_ledgers(user):
        return imports.none()
    return imports.order_by("-created_at", "-pk")


# --- exchange rates -------------------------------------------------------------------------------


def exchange_rate_list(*, currency: str = "", year: int | None = None) -> QuerySet[ExchangeRate]:
    """Every rate, latest first (rates are no secret: everyone reads them, directors change
    them)."""
    rates = ExchangeRate.objects.select_related("updated_by").order_by(
        "-date", "currency", "period"
    )
    if currency:
        rates = rates.filter(currency=currency)
    if year:
        rates = rates.filter(date__year=year)
    return rates


def exchange_rate_table(*, currencies: Iterable[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """The rates that may apply to lines of ``currencies`` dated from ``start`` to ``end``, as
    ``accounts.rates.line_rates`` reads them: currency, period, date, rate."""
    rows = ExchangeRate.objects.filter(
        currency__in=list(currencies), date__range=(start.replace(day=1), end)
    ).values_list("currency", "period", "date", "rate")
    frame = pd.DataFrame.from_records(list(rows), columns=["currency", "period", "date", "rate"])
    frame["rate"] = frame["rate"].astype(float)
    return frame


def exchange_rate_currencies() -> list[str]:
    """The currencies that have at least one rate, A to Z."""
    return sorted(ExchangeRate.objects.values_list("currency", flat=True).distinct())


def missing_rate_list(*, ledger_import: LedgerImport | None = None) -> list[dict[str, Any]]:
    """Lines still without an exchange rate, per currency and month (of one import, or of all):
    ``[{"currency": "USD", "month": date(2024, 3, 1), "lines": 12}]``."""
    lines = LedgerLine.objects.filter(exchange_rate__isnull=True)
    if ledger_import is not None:
        lines = lines.filter(ledger_import=ledger_import)
    rows = (
        lines.annotate(month=TruncMonth("date"))
        .values("currency", "month")
        .annotate(lines=Count("pk"))
        .order_by("currency", "month")
    )
    return [dict(row) for row in rows]


def client_currency_revenue(*, client: Client) -> list[dict[str, Any]]:
    """A client's revenue per year and original currency: the amount in that currency, the same
    in the company's currency, and the lines still without a rate."""
    rows = (
        LedgerLine.objects.filter(client=client)
        .annotate(year=ExtractYear("date"))
        .values("year", "currency")
        .annotate(
            original=Sum("original_amount"),
            converted=Sum("amount"),
            lines=Count("pk"),
            unconverted=Count("pk", filter=Q(exchange_rate__isnull=True)),
        )
        .order_by("-year", "currency")
    )
    return [dict(row) for row in rows]
