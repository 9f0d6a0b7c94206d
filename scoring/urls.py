from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.scoring_ranking, name="ranking"),
    path("recompute/", views.scoring_recompute, name="recompute"),
    path("clients/<int:client_id>/", views.client_explanation, name="client_explanation"),
    # --- overrides, programme, cost to serve and shortlist ---
    path("clients/<int:client_id>/override/", views.override_edit, name="override_edit"),
    path("clients/<int:client_id>/override/clear/", views.override_clear, name="override_clear"),
    path("clients/<int:client_id>/cost/", views.cost_to_serve_edit, name="cost_to_serve_edit"),
    path("shortlist/", views.shortlist_current, name="shortlist"),
    path("shortlist/<int:year>/", views.shortlist_detail, name="shortlist_detail"),
    path("shortlist/<int:year>/add/", views.shortlist_add, name="shortlist_add"),
    path("shortlist/<int:year>/remove/", views.shortlist_remove, name="shortlist_remove"),
    path("shortlist/<int:year>/confirm/", views.shortlist_confirm, name="shortlist_confirm"),
    path("programme/<int:year>/", views.programme_edit, name="programme_edit"),
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
    # --- weights and criteria catalogue ---
    path("weights/", views.weights, name="weights"),
    path("weights/what-if/", views.weights_what_if, name="weights_what_if"),
    path("weights/versions/", views.weight_set_list, name="weight_set_list"),
    path("criteria/", views.criterion_list, name="criterion_list"),
    path("criteria/new/", views.criterion_create, name="criterion_create"),
    path("criteria/<int:criterion_id>/", views.criterion_update, name="criterion_update"),
]
