from django.urls import path

from scoring.api import grid, overrides, ranking, selection, weights

app_name = "api-scoring"
urlpatterns = [
    path("ranking/", ranking.ScoringRankingApi.as_view(), name="ranking"),
    path(
        "clients/<int:client_id>/explanation/",
        ranking.ScoringClientExplanationApi.as_view(),
        name="client_explanation",
    ),
    path("runs/", ranking.ScoringRunListApi.as_view(), name="runs"),
    # --- overrides ---
    path("overrides/", overrides.OverrideListApi.as_view(), name="overrides"),
    path(
        "clients/<int:client_id>/override/",
        overrides.ClientOverrideApi.as_view(),
        name="override",
    ),
    # --- programme, cost to serve and shortlist ---
    path(
        "clients/<int:client_id>/cost-to-serve/",
        selection.CostToServeSetApi.as_view(),
        name="cost_to_serve_set",
    ),
    path("programmes/", selection.ProgrammeListApi.as_view(), name="programmes"),
    path("programmes/<int:year>/", selection.ProgrammeSaveApi.as_view(), name="programme_save"),
    path("shortlist/<int:year>/", selection.ShortlistApi.as_view(), name="shortlist"),
    path(
        "shortlist/<int:year>/confirm/",
        selection.ShortlistConfirmApi.as_view(),
        name="shortlist_confirm",
    ),
    # --- selection grid and ratings ---
    path("grid/", grid.ScoringGridApi.as_view(), name="grid"),
    path("clients/<int:client_id>/ratings/", grid.RatingListApi.as_view(), name="client_ratings"),
    path("ratings/", grid.RatingSetApi.as_view(), name="rating_set"),
    # --- weights and criteria catalogue ---
    path("criteria/", weights.CriterionCollectionApi.as_view(), name="criterion_list"),
    path(
        "criteria/<int:criterion_id>/",
        weights.CriterionUpdateApi.as_view(),
        name="criterion_update",
    ),
    path("weights/", weights.WeightSetCollectionApi.as_view(), name="weight_set_list"),
    path("weights/active/", weights.WeightSetActiveApi.as_view(), name="weight_set_active"),
    path("weights/what-if/", weights.WeightsWhatIfApi.as_view(), name="weights_what_if"),
]
