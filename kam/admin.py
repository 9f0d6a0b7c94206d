"""The admin is not a way around the rules: what services govern (who may write it, and the
rules a write must keep) is shown there, never changed. Those writes go through the pages and the
API, which call the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows the rows; no add, change or delete, even for a superuser."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline of a read-only admin: shown, never edited."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryEventAdmin(ReadOnlyAdmin):
    """The audit history's events (``kam.history``): written by the database's triggers only."""

    list_display = ("pgh_created_at", "pgh_label", "pgh_obj_id", "pgh_context_id")
    list_filter = ("pgh_label",)
    search_fields = ("pgh_obj_id", "pgh_label")
    ordering = ("-pgh_id",)


def _register_history_events() -> None:
    from kam import history

    for entry in history.TRACKED.values():
        if not admin.site.is_registered(entry.event_model):
            admin.site.register(entry.event_model, HistoryEventAdmin)


_register_history_events()
