from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", views.client_update, name="client_update"),
    path("clients/<int:client_id>/contacts/new/", views.contact_create, name="contact_create"),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/edit/",
        views.contact_update,
        name="contact_update",
    ),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("imports/", views.ledger_import_list, name="ledger_import_list"),
    path("imports/new/", views.ledger_import_create, name="ledger_import_create"),
    path("imports/<int:import_id>/", views.ledger_import_detail, name="ledger_import_detail"),
    path(
        "imports/<int:import_id>/rejects.csv",
        views.ledger_import_rejects,
        name="ledger_import_rejects",
    ),
    path("exchange-rates/", views.exchange_rate_list, name="exchange_rate_list"),
    path("exchange-rates/new/", views.exchange_rate_create, name="exchange_rate_create"),
    path("exchange-rates/upload/", views.exchange_rate_upload, name="exchange_rate_upload"),
    path(
        "exchange-rates/<int:rate_id>/edit/",
        views.exchange_rate_update,
        name="exchange_rate_update",
    ),
    path(
        "exchange-rates/<int:rate_id>/delete/",
        views.exchange_rate_delete,
        name="exchange_rate_delete",
    ),
]
