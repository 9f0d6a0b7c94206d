from django.contrib import admin

from scoring.models import (
    ClientScore,
    Criterion,
    CriterionScore,
    CriterionWeight,
    Override,
    Rating,
    ScoringRun,
    WeightSet,
)


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
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
    search_fields = ["code", "name"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["client", "criterion", "level", "author", "created_at"]
    list_filter = ["criterion"]
    search_fields = ["client__name", "client__external_id", "criterion__code", "note"]
    list_select_related = ["client", "criterion", "author"]
    raw_id_fields = ["client"]


class CriterionWeightInline(admin.TabularInline):
    model = CriterionWeight
    extra = 0


@admin.register(WeightSet)
class WeightSetAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_active", "created_by", "created_at", "reason"]
    list_filter = ["is_active"]
    search_fields = ["name", "reason"]
    inlines = [CriterionWeightInline]


@admin.register(CriterionWeight)
class CriterionWeightAdmin(admin.ModelAdmin):
    list_display = ["weight_set", "criterion", "weight"]
    search_fields = ["criterion__code", "weight_set__name"]
    list_select_related = ["weight_set", "criterion"]


@admin.register(ScoringRun)
class ScoringRunAdmin(admin.ModelAdmin):
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
class ClientScoreAdmin(admin.ModelAdmin):
    list_display = ["run", "rank", "client", "total", "coverage", "stability"]
    search_fields = ["client__name", "client__external_id"]
    list_select_related = ["run", "client"]
    raw_id_fields = ["run", "client"]


@admin.register(CriterionScore)
class CriterionScoreAdmin(admin.ModelAdmin):
    list_display = ["run", "client", "criterion", "raw", "normalised", "points", "missing"]
    search_fields = ["client__name", "criterion__code"]
    list_select_related = ["run", "client", "criterion"]
    raw_id_fields = ["run", "client"]


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin):
    list_display = ["client", "kind", "points", "author", "created_at", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["client__name", "client__external_id", "rationale"]
    list_select_related = ["client", "author"]
    raw_id_fields = ["client"]
