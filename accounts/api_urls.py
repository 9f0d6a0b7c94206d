from django.urls import path

from accounts import api

app_name = "api-accounts"
urlpatterns = [
    path("clients/", api.ClientListApi.as_view(), name="client_list"),
    path("clients/<int:client_id>/", api.ClientDetailApi.as_view(), name="client_detail"),
    path(
        "clients/<int:client_id>/assignment/", api.ClientUpdateApi.as_view(), name="client_update"
    ),
    path(
        "clients/<int:client_id>/contacts/", api.ContactCreateApi.as_view(), name="contact_create"
    ),
    path(
        "clients/<int:client_id>/contacts/<int:contact_id>/",
        api.ContactDetailApi.as_view(),
        name="contact_detail",
    ),
    path("imports/", api.LedgerImportCreateApi.as_view(), name="ledger_import_create"),
    path(
        "imports/<int:import_id>/", api.LedgerImportDetailApi.as_view(), name="ledger_import_detail"
    ),
    path(
        "imports/<int:import_id>/confirm/",
        api.LedgerImportConfirmApi.as_view(),
        name="ledger_import_confirm",
    ),
    path("exchange-rates/", api.ExchangeRateCollectionApi.as_view(), name="exchange_rate_list"),
    path(
        "exchange-rates/upload/",
        api.ExchangeRatesUploadApi.as_view(),
        name="exchange_rates_upload",
    ),
    path(
        "exchange-rates/<int:rate_id>/",
        api.ExchangeRateDetailApi.as_view(),
        name="exchange_rate_detail",
    ),
]
