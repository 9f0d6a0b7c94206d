"""JSON API for clients and ledger imports: one view per operation. Which rows a user sees is the
selectors' business, so a row the user may not see is a 404; what their role may do is
``kam.permissions``', so a refused operation is a 403 saying why."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from accounts.ledger import FIELD_CODES
from accounts.models import Client, Contact, ExchangeRate, LedgerImport, User
from accounts.selectors import CLIENT_ORDERINGS
from accounts.services import clients as client_services
from accounts.services import exchange_rates as rate_services
from accounts.services import imports as import_services
from kam import api, permissions

NO_SUCH_IMPORT = OpenApiResponse(api.ErrorSerializer, description="No such import.")
NO_SUCH_CONTACT = OpenApiResponse(
    api.ErrorSerializer,
    description="No such client or contact, or not a client you may see.",
)
FORBIDDEN_CONTACTS = OpenApiResponse(
    api.ErrorSerializer,
    description="You see this client, but only its key account manager or a director may "
    "change its contacts.",
)
ORDERINGS = [key for name in CLIENT_ORDERINGS for key in (name, f"-{name}")]


class LedgerImportOutputSerializer(serializers.Serializer):
    """An import as the detail and confirm endpoints show it."""

    id = serializers.IntegerField()
    original_name = serializers.CharField()
    status = serializers.ChoiceField(choices=LedgerImport.Status.choices)
    progress = serializers.IntegerField()
    stage = serializers.CharField()
    rows_read = serializers.IntegerField()
    rows_imported = serializers.IntegerField()
    rows_duplicate = serializers.IntegerField()
    rows_rejected = serializers.IntegerField()
    rows_unconverted = serializers.IntegerField(
        help_text="Lines imported without an exchange rate: not counted until it is added."
    )
    missing_rates = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per currency and month (YYYY-MM), the lines without a rate at import time.",
    )
    clients_created = serializers.IntegerField()
    clients_updated = serializers.IntegerField()
    layout = serializers.ChoiceField(choices=LedgerImport.Layout.choices)
    entries_ignored = serializers.IntegerField(help_text="FEC entries that are not sales.")
    entries_unbalanced = serializers.IntegerField(
        help_text="FEC entries whose debit and credit differ (imported as read)."
    )
    notes = serializers.ListField(child=serializers.CharField())
    error = serializers.CharField()
    rejects_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.URI)
    def get_rejects_url(self, ledger_import: LedgerImport) -> str | None:
        if not ledger_import.rejects:
            return None
        url = reverse("accounts:ledger_import_rejects", args=[ledger_import.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ClientListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema_serializer(component_name="ClientListFilter")
    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100)
        country = serializers.CharField(required=False, allow_blank=True, max_length=2)
        segment = serializers.CharField(required=False, allow_blank=True, max_length=100)
        kam = serializers.IntegerField(required=False, min_value=1)
        ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="name")

    @extend_schema_serializer(component_name="ClientListItem")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        external_id = serializers.CharField()
        group = serializers.CharField()
        country = serializers.CharField()
        segment = serializers.CharField()
        currency = serializers.CharField()
        kam = serializers.IntegerField(source="kam_id", allow_null=True)
        kam_name = serializers.CharField(source="kam", allow_null=True)
        latest_year = serializers.IntegerField(allow_null=True)
        latest_revenue = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)

    @extend_schema(
        operation_id="client_list",
        summary="Clients you may see",
        parameters=[FilterSerializer],
        responses={
            200: OutputSerializer(many=True),
            400: api.INVALID,
            404: OpenApiResponse(api.ErrorSerializer, description="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        clients = selectors.client_list(
            user=request.user,  # type: ignore[arg-type]
            search=data.get("q", ""),
            country=data.get("country", ""),
            segment=data.get("segment", ""),
            kam_id=data.get("kam"),
            ordering=data["ordering"],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(clients, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ClientDetailApi(APIView):
    @extend_schema_serializer(component_name="ClientDetail")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="ClientContact")
        class ContactSerializer(serializers.Serializer):
            id = serializers.IntegerField()
            first_name = serializers.CharField()
            last_name = serializers.CharField()
            title = serializers.CharField()
            country = serializers.CharField()
            email = serializers.EmailField()
            phone = serializers.CharField()

        @extend_schema_serializer(component_name="ClientYearMetric")
        class MetricSerializer(serializers.Serializer):
            year = serializers.IntegerField()
            revenue = serializers.DecimalField(max_digits=18, decimal_places=2)
            volume = serializers.DecimalField(max_digits=16, decimal_places=3, allow_null=True)
            gross_margin = serializers.DecimalField(
                max_digits=18, decimal_places=2, allow_null=True
            )
            margin_pct = serializers.FloatField(allow_null=True)
            growth_pct = serializers.FloatField(allow_null=True)
            share_pct = serializers.FloatField()
            order_count = serializers.IntegerField()
            line_count = serializers.IntegerField()
            return_count = serializers.IntegerField()
            avg_days_to_pay = serializers.FloatField(allow_null=True)
            avg_days_late = serializers.FloatField(allow_null=True)
            dispute_rate = serializers.FloatField(allow_null=True)

        id = serializers.IntegerField()
        name = serializers.CharField()
        external_id = serializers.CharField()
        group = serializers.CharField()
        country = serializers.CharField()
        segment = serializers.CharField()
        currency = serializers.CharField()
        kam = serializers.IntegerField(source="kam_id", allow_null=True)
        kam_name = serializers.CharField(source="kam", allow_null=True)
        sponsor = serializers.IntegerField(source="sponsor_id", allow_null=True)
        sponsor_name = serializers.CharField(source="sponsor", allow_null=True)
        contacts = serializers.SerializerMethodField()
        metrics = serializers.SerializerMethodField()

        @extend_schema_field(ContactSerializer(many=True))
        def get_contacts(self, client: Client) -> Any:
            contacts = selectors.contact_list(client=client)
            return self.ContactSerializer(contacts, many=True).data

        @extend_schema_field(MetricSerializer(many=True))
        def get_metrics(self, client: Client) -> Any:
            metrics = selectors.client_metric_list(client=client)
            return self.MetricSerializer(metrics, many=True).data

    @extend_schema(
        operation_id="client_detail",
        summary="One client with its contacts and yearly figures",
        responses={200: OutputSerializer, 404: api.NO_SUCH_CLIENT},
    )
    def get(self, request: Request, client_id: int) -> Response:
        client = get_object_or_404(
            selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )
        return Response(self.OutputSerializer(client).data)


class LedgerImportCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_import_ledgers)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="LedgerImportUpload")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField()
        currency = serializers.CharField(required=False, min_length=3, max_length=3)

    @extend_schema_serializer(component_name="LedgerImportPreview")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        status = serializers.ChoiceField(choices=LedgerImport.Status.choices)
        original_name = serializers.CharField()
        file_format = serializers.CharField()
        encoding = serializers.CharField()
        delimiter = serializers.CharField()
        decimal = serializers.CharField()
        dayfirst = serializers.BooleanField()
        date_orders = serializers.DictField(
            child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
            help_text="Date column → its order (dmy, mdy or empty when every date reads one way), "
            "how it was decided (evidence, conflict, chosen, remembered, asked, unambiguous) and "
            "the value that decided it.",
        )
        currency = serializers.CharField()
        columns = serializers.ListField(child=serializers.CharField())
        mapping = serializers.DictField(child=serializers.CharField())

    @extend_schema(
        operation_id="ledger_import_create",
        summary="Upload a ledger file; it waits in preview until confirmed",
        request={"multipart/form-data": InputSerializer},
        responses={201: OutputSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ledger_import = import_services.ledger_import_create(
            user=request.user,  # type: ignore[arg-type]
            upload=data.validated_data["file"],
            currency=data.validated_data.get("currency"),
        )
        return Response(self.OutputSerializer(ledger_import).data, status=status.HTTP_201_CREATED)


class LedgerImportDetailApi(APIView):
    permission_classes = [api.allows(permissions.may_import_ledgers)]

    @extend_schema(
        operation_id="ledger_import_detail",
        summary="An import's status, progress and counts",
        responses={200: LedgerImportOutputSerializer, 404: NO_SUCH_IMPORT},
    )
    def get(self, request: Request, import_id: int) -> Response:
        ledger_import = get_object_or_404(
            selectors.ledger_import_list(user=request.user),  # type: ignore[arg-type]
            pk=import_id,
        )
        serializer = LedgerImportOutputSerializer(ledger_import, context={"request": request})
        return Response(serializer.data)


class LedgerImportConfirmApi(APIView):
    permission_classes = [api.allows(permissions.may_import_ledgers)]

    @extend_schema_serializer(component_name="LedgerImportConfirm")
    class InputSerializer(serializers.Serializer):
        mapping = serializers.DictField(
            child=serializers.CharField(allow_blank=True),
            help_text="Field code → column name. Fields: " + ", ".join(FIELD_CODES) + ".",
        )
        date_orders = serializers.DictField(
            child=serializers.ChoiceField(choices=["dmy", "mdy"]),
            required=False,
            default=dict,
            help_text="Date column → dmy (day/month/year) or mdy (month/day/year), for the date "
            "columns whose order the file does not decide, or to overrule the file.",
        )
        dayfirst = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="The order of the date columns that neither the file nor date_orders "
            "decides.",
        )
        currency = serializers.CharField(required=False, min_length=3, max_length=3)

    @extend_schema(
        operation_id="ledger_import_confirm",
        summary="Confirm the column mapping and queue the import",
        request=InputSerializer,
        responses={202: LedgerImportOutputSerializer, 404: NO_SUCH_IMPORT},
    )
    def post(self, request: Request, import_id: int) -> Response:
        ledger_import = get_object_or_404(
            selectors.ledger_import_list(user=request.user),  # type: ignore[arg-type]
            pk=import_id,
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ledger_import = import_services.ledger_import_confirm(
            ledger_import=ledger_import,
            user=request.user,  # type: ignore[arg-type]
            mapping=data.validated_data["mapping"],
            date_orders=data.validated_data["date_orders"],
            dayfirst=data.validated_data["dayfirst"],
            currency=data.validated_data.get("currency"),
        )
        serializer = LedgerImportOutputSerializer(ledger_import, context={"request": request})
        return Response(serializer.data, status=status.HTTP_202_ACCEPTED)


class ContactApi(APIView):
    """What the contact operations share: the client, fetched through the selectors (a client
    the caller may not see is a 404), then ``may_edit_client`` over it (403)."""

    permission_classes = [api.allows(permissions.may_edit_client)]

    def client(self, request: Request, client_id: int) -> Client:
        client = get_object_or_404(
            selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )
        self.check_object_permissions(request, client)
        return client

    def contact(self, request: Request, client_id: int, contact_id: int) -> tuple[Client, Contact]:
        client = self.client(request, client_id)
        return client, get_object_or_404(selectors.contact_list(client=client), pk=contact_id)


@extend_schema_serializer(component_name="ContactInput")
class ContactInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    last_name = serializers.CharField(max_length=100)
    title = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    country = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2,
        default="",
        help_text="ISO 3166 two-letter code, such as FR.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")


@extend_schema_serializer(component_name="Contact")
class ContactOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    title = serializers.CharField()
    country = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()


class ClientUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_assign_clients)]

    @extend_schema_serializer(component_name="ClientAssignmentInput")
    class InputSerializer(serializers.Serializer):
        kam = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(), allow_null=True, help_text="An active KAM, or null."
        )
        sponsor = serializers.PrimaryKeyRelatedField(
            queryset=User.objects.all(), allow_null=True, help_text="An active sponsor, or null."
        )
        group = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
        segment = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=100,
            help_text="Left as it is when omitted.",
        )

    @extend_schema_serializer(component_name="ClientAssignment")
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kam = serializers.IntegerField(source="kam_id", allow_null=True)
        kam_name = serializers.CharField(source="kam", allow_null=True)
        sponsor = serializers.IntegerField(source="sponsor_id", allow_null=True)
        sponsor_name = serializers.CharField(source="sponsor", allow_null=True)
        group = serializers.CharField()
        segment = serializers.CharField()

    @extend_schema(
        operation_id="client_update",
        summary="Assign a client's key account manager and executive sponsor, set its group",
        request=InputSerializer,
        responses={200: OutputSerializer, 404: api.NO_SUCH_CLIENT},
    )
    def put(self, request: Request, client_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        client = get_object_or_404(selectors.client_list(user=user), pk=client_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = client_services.client_update(
            user=user,
            client=client,
            kam=data.validated_data["kam"],
            sponsor=data.validated_data["sponsor"],
            group=data.validated_data["group"],
            segment=data.validated_data.get("segment"),
        )
        return Response(self.OutputSerializer(client).data)


class ContactCreateApi(ContactApi):
    @extend_schema(
        operation_id="contact_create",
        summary="Add a contact to a client",
        request=ContactInputSerializer,
        responses={201: ContactOutputSerializer, 403: FORBIDDEN_CONTACTS, 404: api.NO_SUCH_CLIENT},
    )
    def post(self, request: Request, client_id: int) -> Response:
        client = self.client(request, client_id)
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = client_services.contact_save(
            user=request.user,  # type: ignore[arg-type]
            client=client,
            **data.validated_data,
        )
        return Response(ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactUpdateApi(ContactApi):
    @extend_schema(
        operation_id="contact_update",
        summary="Change one of a client's contacts",
        request=ContactInputSerializer,
        responses={200: ContactOutputSerializer, 403: FORBIDDEN_CONTACTS, 404: NO_SUCH_CONTACT},
    )
    def put(self, request: Request, client_id: int, contact_id: int) -> Response:
        client, contact = self.contact(request, client_id, contact_id)
        data = ContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contact = client_services.contact_save(
            user=request.user,  # type: ignore[arg-type]
            client=client,
            contact=contact,
            **data.validated_data,
        )
        return Response(ContactOutputSerializer(contact).data)


class ContactDeleteApi(ContactApi):
    @extend_schema(
        operation_id="contact_delete",
        summary="Delete one of a client's contacts",
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            403: FORBIDDEN_CONTACTS,
            404: NO_SUCH_CONTACT,
        },
    )
    def delete(self, request: Request, client_id: int, contact_id: int) -> Response:
        _client, contact = self.contact(request, client_id, contact_id)
        client_services.contact_delete(user=request.user, contact=contact)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContactDetailApi(api.Route, ContactUpdateApi, ContactDeleteApi):
    """PUT changes a client's contact, DELETE deletes it."""


# --- exchange rates -------------------------------------------------------------------------------

NO_SUCH_RATE = OpenApiResponse(api.ErrorSerializer, description="No such exchange rate.")


@extend_schema_serializer(component_name="ExchangeRate")
class ExchangeRateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    currency = serializers.CharField()
    period = serializers.ChoiceField(choices=ExchangeRate.Period.choices)
    date = serializers.DateField(help_text="The day, or the first day of the month.")
    rate = serializers.DecimalField(
        max_digits=20, decimal_places=8, help_text="Units of the currency for 1 EUR."
    )
    source = serializers.ChoiceField(choices=ExchangeRate.Source.choices)  # type: ignore[assignment]
    updated_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="ExchangeRateInput")
class ExchangeRateInputSerializer(serializers.Serializer):
    currency = serializers.CharField(max_length=40, help_text="ISO code, such as USD.")
    period = serializers.ChoiceField(choices=ExchangeRate.Period.choices)
    date = serializers.DateField(help_text="The day; for a monthly rate, any day of the month.")
    rate = serializers.DecimalField(
        max_digits=20, decimal_places=8, help_text="Units of the currency for 1 EUR, above 0."
    )


class ExchangeRateListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="exchange_rate_list",
        summary="The exchange rates, latest first (everyone logged in reads them)",
        parameters=[
            OpenApiParameter("currency", str, description="Only this currency (ISO code)."),
        ],
        responses={
            200: ExchangeRateOutputSerializer(many=True),
            404: OpenApiResponse(api.ErrorSerializer, description="No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        currency = request.query_params.get("currency", "").strip().upper()[:3]
        rates = selectors.exchange_rate_list(currency=currency)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rates, request, view=self)
        return paginator.get_paginated_response(ExchangeRateOutputSerializer(page, many=True).data)


class ExchangeRateCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_exchange_rates)]

    @extend_schema(
        operation_id="exchange_rate_create",
        summary="Add an exchange rate (1 EUR = rate units of the currency), daily or monthly",
        request=ExchangeRateInputSerializer,
        responses={201: ExchangeRateOutputSerializer, 400: api.INVALID, 403: api.FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        data = ExchangeRateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rate = rate_services.exchange_rate_save(
            user=request.user,  # type: ignore[arg-type]
            **data.validated_data,
        )
        return Response(ExchangeRateOutputSerializer(rate).data, status=status.HTTP_201_CREATED)


class ExchangeRateCollectionApi(api.Route, ExchangeRateListApi, ExchangeRateCreateApi):
    """GET lists the rates, POST adds one."""


class ExchangeRateGetApi(APIView):
    @extend_schema(
        operation_id="exchange_rate_detail",
        summary="One exchange rate",
        responses={200: ExchangeRateOutputSerializer, 404: NO_SUCH_RATE},
    )
    def get(self, request: Request, rate_id: int) -> Response:
        rate = get_object_or_404(selectors.exchange_rate_list(), pk=rate_id)
        return Response(ExchangeRateOutputSerializer(rate).data)


class ExchangeRateUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_exchange_rates)]

    @extend_schema(
        operation_id="exchange_rate_update",
        summary="Change an exchange rate; the lines it concerns are converted again",
        request=ExchangeRateInputSerializer,
        responses={
            200: ExchangeRateOutputSerializer,
            400: api.INVALID,
            403: api.FORBIDDEN,
            404: NO_SUCH_RATE,
        },
    )
    def put(self, request: Request, rate_id: int) -> Response:
        rate = get_object_or_404(selectors.exchange_rate_list(), pk=rate_id)
        data = ExchangeRateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rate = rate_services.exchange_rate_save(
            user=request.user,  # type: ignore[arg-type]
            exchange_rate=rate,
            **data.validated_data,
        )
        return Response(ExchangeRateOutputSerializer(rate).data)


class ExchangeRateDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_exchange_rates)]

    @extend_schema(
        operation_id="exchange_rate_delete",
        summary="Delete an exchange rate; its lines take another rate or wait for one",
        request=None,
        responses={
            204: OpenApiResponse(description="Deleted."),
            403: api.FORBIDDEN,
            404: NO_SUCH_RATE,
        },
    )
    def delete(self, request: Request, rate_id: int) -> Response:
        rate = get_object_or_404(selectors.exchange_rate_list(), pk=rate_id)
        rate_services.exchange_rate_delete(user=request.user, exchange_rate=rate)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExchangeRateDetailApi(
    api.Route, ExchangeRateGetApi, ExchangeRateUpdateApi, ExchangeRateDeleteApi
):
    """GET reads a rate, PUT changes it, DELETE deletes it."""


class ExchangeRatesUploadApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_exchange_rates)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="ExchangeRatesUpload")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text="The ECB's eurofxref.csv or eurofxref-hist.csv, or their ZIP."
        )

    @extend_schema_serializer(component_name="ExchangeRatesUploaded")
    class OutputSerializer(serializers.Serializer):
        layout = serializers.ChoiceField(choices=["daily", "history"])
        days = serializers.IntegerField()
        currencies = serializers.ListField(child=serializers.CharField())
        added = serializers.IntegerField()
        changed = serializers.IntegerField()

    @extend_schema(
        operation_id="exchange_rates_upload",
        summary="Store the daily rates of an ECB reference-rate file, all or nothing",
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer, 400: api.INVALID, 403: api.FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = rate_services.exchange_rates_upload(
            user=request.user,  # type: ignore[arg-type]
            upload=data.validated_data["file"],
        )
        return Response(self.OutputSerializer(result).data)
