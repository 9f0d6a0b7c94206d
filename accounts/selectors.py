"""Reads for clients, contacts, metrics and ledger imports, and the only place that decides who
sees which client."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import Client, ClientYearMetric, Contact, LedgerImport, User
from kam import permissions

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
