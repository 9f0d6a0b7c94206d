from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.scoring_ranking, name="ranking"),
    path("recompute/", views.scoring_recompute, name="recompute"),
    path("clients/<int:client_id>/", views.client_explanation, name="client_explanation"),
]

# --- selection grid ---
urlpatterns += [
    path("grid/", views.scoring_grid, name="grid"),
    path("grid/export/", views.scoring_grid_export, name="grid_export"),
    path(
        "grid/clients/<int:client_id>/criteria/<slug:code>/",
        views.scoring_grid_cell,
        name="grid_cell",
    ),
    path(
        "grid/clients/<int:client_id>/criteria/<slug:code>/rate/",
        views.scoring_grid_rating,
        name="grid_rating",
    ),
]
