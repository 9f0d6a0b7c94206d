"""Accounts in the admin. Users are managed here; clients, contacts, ledger imports and what they
produced are read-only: they change through the services (pages, API, imports), which check who
asks and keep the rules a model alone does not (a KAM must be an active KAM)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    Client,
    ClientYearMetric,
    Contact,
    DateOrderPreference,
    ExchangeRate,
    LedgerImport,
    LedgerLine,
    User,
)
from kam.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "department",
        "country",
        "is_active",
    ]
    list_filter = ["role", "department", "country", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role in KAM"), {"fields": ["role", "department", "country"]}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        (_("Role in KAM"), {"fields": ["first_name", "last_name", "email", "role", "department"]}),
    )


class ContactInline(ReadOnlyInline):
    model = Contact
    fields = ["first_name", "last_name", "title", "country", "email", "phone"]


@admin.register(Client)
class ClientAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "external_id",
        "group",
        "country",
        "segment",
        "currency",
        "kam",
        "sponsor",
    ]
    list_filter = ["country", "segment", "currency", "kam", "sponsor"]
    search_fields = ["name", "external_id", "group"]
    list_select_related = ["kam", "sponsor"]
    autocomplete_fields = ["kam", "sponsor"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["last_name", "first_name", "title", "client", "country", "email", "phone"]
    list_filter = ["country"]
    search_fields = ["last_name", "first_name", "email", "client__name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]


@admin.register(LedgerImport)
class LedgerImportAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "status",
        "progress",
        "rows_read",
        "rows_imported",
        "rows_rejected",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "file_format", "currency"]
    search_fields = ["original_name", "sha256", "created_by__username"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "sha256",
        "size",
        "status",
        "progress",
        "stage",
        "rows_read",
        "rows_imported",
        "rows_duplicate",
        "rows_rejected",
        "clients_created",
        "clients_updated",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]


@admin.register(DateOrderPreference)
class DateOrderPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["column", "order", "chosen_by", "updated_at"]
    list_filter = ["order"]
    search_fields = ["column", "column_key"]
    list_select_related = ["chosen_by"]


@admin.register(LedgerLine)
class LedgerLineAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "client",
        "order_ref",
        "amount",
        "original_amount",
        "currency",
        "quantity",
        "profit",
        "is_return",
    ]
    list_filter = ["is_return", "disputed", "currency", "country"]
    search_fields = ["order_ref", "line_key", "client__name", "client__external_id"]
    list_select_related = ["client"]
    raw_id_fields = ["client", "ledger_import"]
    date_hierarchy = "date"


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ["date", "period", "currency", "rate", "source", "updated_by", "updated_at"]
    list_filter = ["period", "source", "currency"]
    search_fields = ["currency"]
    list_select_related = ["updated_by"]
    date_hierarchy = "date"


@admin.register(ClientYearMetric)
class ClientYearMetricAdmin(ReadOnlyAdmin):
    list_display = [
        "client",
        "year",
        "revenue",
        "gross_margin",
        "margin_pct",
        "growth_pct",
        "share_pct",
        "order_count",
    ]
    list_filter = ["year"]
    search_fields = ["client__name", "client__external_id"]
    list_select_related = ["client"]
    raw_id_fields = ["client"]
