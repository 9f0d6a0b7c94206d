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
