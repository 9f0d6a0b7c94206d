"""Scoring in the admin, read-only: criteria, weights, ratings, overrides, the programme, costs,
the shortlist and its decisions change through the services (pages and API), which check who
asks and keep the rules; runs and scores are computed."""

from django.contrib import admin

from kam.admin import ReadOnlyAdmin, ReadOnlyInline
from scoring.models import (
    ClientScore,
    CostToServe,
    Criterion,
    CriterionScore,
    CriterionWeight,
    Override,
    Programme,
    Rating,
    ScoringRun,
    ShortlistDecision,
    ShortlistEntry,
    WeightSet,
)


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "name",
        "family",
        "direction",
        "normalisation",
        "source",
        "met_threshold",
        "is_active",
    ]
    list_filter = ["family", "normalisation", "is_active"]
    search_fields = ["code", "name_en", "name_fr"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["client", "criterion", "level", "author", "created_at"]
    list_filter = ["criterion"]
    search_fields = ["client__name", "client__external_id", "criterion__code", "note"]
    list_select_related = ["client", "criterion", "author"]
    raw_id_fields = ["client"]


class CriterionWeightInline(ReadOnlyInline):
    model = CriterionWeight


@admin.register(WeightSet)
class WeightSetAdmin(ReadOnlyAdmin):
    list_display = ["name", "version", "is_active", "created_by", "created_at", "reason"]
    list_filter = ["is_active"]
    search_fields = ["name", "reason"]
    inlines = [CriterionWeightInline]


@admin.register(CriterionWeight)
class CriterionWeightAdmin(ReadOnlyAdmin):
    list_display = ["weight_set", "criterion", "weight"]
    search_fields = ["criterion__code", "weight_set__name"]
    list_select_related = ["weight_set", "criterion"]


@admin.register(ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "weight_set",
        "trigger",
        "status",
        "client_count",
        "started_at",
        "finished_at",
    ]
    list_filter = ["status", "trigger"]
    search_fields = ["fingerprint", "error"]
    list_select_related = ["weight_set"]


@admin.register(ClientScore)
class ClientScoreAdmin(ReadOnlyAdmin):
    list_display = ["run", "rank", "client", "total", "coverage", "stability"]
    search_fields = ["client__name", "client__external_id"]
    list_select_related = ["run", "client"]
    raw_id_fields = ["run", "client"]


@admin.register(CriterionScore)
class CriterionScoreAdmin(ReadOnlyAdmin):
    list_display = ["run", "client", "criterion", "raw", "normalised", "points", "missing"]
    search_fields = ["client__name", "criterion__code"]
    list_select_related = ["run", "client", "criterion"]
    raw_id_fields = ["run", "client"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = ["client", "kind", "points", "author", "created_at", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["client__name", "client__external_id", "rationale"]
    list_select_related = ["client", "author"]
    raw_id_fields = ["client"]


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["year", "budget", "currency", "kam_headcount", "kam_cost", "updated_by"]
    search_fields = ["year"]
    list_select_related = ["updated_by"]


@admin.register(CostToServe)
class CostToServeAdmin(ReadOnlyAdmin):
    list_display = ["client", "kam_share", "travel", "dedicated", "updated_by", "updated_at"]
    search_fields = ["client__name", "client__external_id"]
    list_select_related = ["client", "updated_by"]


@admin.register(ShortlistEntry)
class ShortlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["programme", "client", "added_by", "added_at"]
    list_filter = ["programme"]
    search_fields = ["client__name", "client__external_id"]
    list_select_related = ["programme", "client", "added_by"]


@admin.register(ShortlistDecision)
class ShortlistDecisionAdmin(ReadOnlyAdmin):
    list_display = ["programme", "cost", "budget", "kam_needed", "decided_by", "decided_at"]
    list_filter = ["programme"]
    search_fields = ["reason", "budget_exception"]
    list_select_related = ["programme", "decided_by"]
