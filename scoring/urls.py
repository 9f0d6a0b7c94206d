from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.scoring_ranking, name="ranking"),
    path("recompute/", views.scoring_recompute, name="recompute"),
    path("clients/<int:client_id>/", views.client_explanation, name="client_explanation"),
    # --- weights and criteria catalogue ---
    path("weights/", views.weights, name="weights"),
    path("weights/what-if/", views.weights_what_if, name="weights_what_if"),
    path("weights/versions/", views.weight_set_list, name="weight_set_list"),
    path("criteria/", views.criterion_list, name="criterion_list"),
    path("criteria/new/", views.criterion_create, name="criterion_create"),
    path("criteria/<int:criterion_id>/", views.criterion_update, name="criterion_update"),
]
