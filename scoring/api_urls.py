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
]

# --- selection grid and ratings ---
urlpatterns += [
    path("grid/", api.ScoringGridApi.as_view(), name="grid"),
    path("clients/<int:client_id>/ratings/", api.RatingListApi.as_view(), name="client_ratings"),
    path("ratings/", api.RatingSetApi.as_view(), name="rating_set"),
]
