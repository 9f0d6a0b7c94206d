"""Writes for clients and their contacts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from accounts import signals
from accounts.models import Client, Contact, User
from kam import permissions


@transaction.atomic
def client_update(
    *,
    user: User,
    client: Client,
    kam: User | None,
    sponsor: User | None,
    group: str = "",
    segment: str | None = None,
) -> Client:
    """Assign the key account manager and the executive sponsor, and set the group."""
    permissions.require(permissions.may_assign_clients, user)
    if kam is not None and (kam.role != User.Role.KAM or not kam.is_active):
        raise ValidationError(
            {"kam": _("%(user)s is not an active key account manager.") % {"user": kam}}
        )
    if sponsor is not None and (sponsor.role != User.Role.SPONSOR or not sponsor.is_active):
        raise ValidationError(
            {"sponsor": _("%(user)s is not an active executive sponsor.") % {"user": sponsor}}
        )
    old_kam_id = client.kam_id
    client.kam, client.sponsor, client.group = kam, sponsor, group.strip()
    if segment is not None:
        client.segment = segment.strip()
    client.full_clean()
    client.save()
    if client.kam_id != old_kam_id:
        signals.client_reassigned.send(
            sender=Client, client_id=client.pk, old_kam_id=old_kam_id, new_kam_id=client.kam_id
        )
    return client


@transaction.atomic
def contact_save(
    *,
    user: User,
    client: Client,
    contact: Contact | None = None,
    first_name: str = "",
    last_name: str,
    title: str = "",
    country: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a contact to a client, or change one of its contacts."""
    permissions.require(permissions.may_edit_client, user, client)
    if contact is None:
        contact = Contact(client=client)
    elif contact.client_id != client.pk:
        raise ValidationError(_("This contact belongs to another client."))
    contact.first_name, contact.last_name = first_name.strip(), last_name.strip()
    contact.title, contact.email, contact.phone = title.strip(), email.strip(), phone.strip()
    contact.country = country.strip().upper()
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, user: User, contact: Contact) -> None:
    permissions.require(permissions.may_edit_client, user, contact.client)
    try:
        contact.delete()
    except ProtectedError:
        raise ValidationError(
            _(
                "%(contact)s cannot be deleted: an account plan names them among the customer's "
                "stakeholders. Take them out of the plan first."
            )
            % {"contact": contact}
        ) from None
