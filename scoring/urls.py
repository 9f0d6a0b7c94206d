from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.scoring_ranking, name="ranking"),
    path("recompute/", views.scoring_recompute, name="recompute"),
    path("clients/<int:client_id>/", views.client_explanation, name="client_explanation"),
]
