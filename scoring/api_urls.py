from django.urls import path

from scoring import api

app_name = "api-scoring"
urlpatterns = [
    path("ranking/", api.ScoringRankingApi.as_view(), name="ranking"),
    path(
        "clients/<int:client_id>/explanation/",
        api.ScoringClientExplanationApi.as_view(),
        name="client_explanation",
    ),
    # --- runs, overrides, programme, cost to serve and shortlist ---
    path("runs/", api.ScoringRunListApi.as_view(), name="runs"),
    path("overrides/", api.OverrideListApi.as_view(), name="overrides"),
    path("clients/<int:client_id>/override/", api.ClientOverrideApi.as_view(), name="override"),
    path(
        "clients/<int:client_id>/cost-to-serve/",
        api.CostToServeSetApi.as_view(),
        name="cost_to_serve_set",
    ),
    path("programmes/", api.ProgrammeListApi.as_view(), name="programmes"),
    path("programmes/<int:year>/", api.ProgrammeSaveApi.as_view(), name="programme_save"),
    path("shortlist/<int:year>/", api.ShortlistDetailApi.as_view(), name="shortlist"),
    path(
        "shortlist/<int:year>/confirm/",
        api.ShortlistConfirmApi.as_view(),
        name="shortlist_confirm",
    ),
]

# --- selection grid and ratings ---
urlpatterns += [
    path("grid/", api.ScoringGridApi.as_view(), name="grid"),
    path("clients/<int:client_id>/ratings/", api.RatingListApi.as_view(), name="client_ratings"),
    path("ratings/", api.RatingSetApi.as_view(), name="rating_set"),
    # --- weights and criteria catalogue ---
    path("criteria/", api.CriterionCollectionApi.as_view(), name="criterion_list"),
    path("criteria/<int:criterion_id>/", api.CriterionUpdateApi.as_view(), name="criterion_update"),
    path("weights/", api.WeightSetCollectionApi.as_view(), name="weight_set_list"),
    path("weights/active/", api.WeightSetActiveApi.as_view(), name="weight_set_active"),
    path("weights/what-if/", api.WeightsWhatIfApi.as_view(), name="weights_what_if"),
]
