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
    # --- weights and criteria catalogue ---
    path("criteria/", api.CriterionCollectionApi.as_view(), name="criterion_list"),
    path("criteria/<int:criterion_id>/", api.CriterionUpdateApi.as_view(), name="criterion_update"),
    path("weights/", api.WeightSetCollectionApi.as_view(), name="weight_set_list"),
    path("weights/active/", api.WeightSetActiveApi.as_view(), name="weight_set_active"),
    path("weights/what-if/", api.WeightsWhatIfApi.as_view(), name="weights_what_if"),
]
