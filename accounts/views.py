"""HTML pages for clients and ledger imports. Which rows a user sees is the selectors' business (a
row a user may not see is a 404); what their role may do is ``kam.permissions``' (a 403 saying
why)."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts import forms, ledger, selectors
from accounts.ledger import FIELDS
from accounts.models import Client, LedgerImport
from accounts.services import clients as client_services
from accounts.services import exchange_rates as rate_services
from accounts.services import imports as import_services
from kam import charts, permissions, spreadsheets
from kam.formats import current_locale
from kam.forms import add_service_error
from kam.types import AuthedRequest

CLIENTS_PER_PAGE = 25
SAMPLE_LABELS = {field.code: field.label for field in FIELDS} | {
    "external_id": FIELDS[0].label,
    "name": FIELDS[1].label,
    "is_return": gettext_lazy("Return"),
    "currency": gettext_lazy("Currency"),
    "original_amount": gettext_lazy("Original amount"),
}
"""Column titles of the parsed sample, whose keys are ledger fields or ledger line columns."""


@login_required
@require_http_methods(["GET"])
def client_list(request: AuthedRequest) -> HttpResponse:
    form = forms.ClientFilterForm(request.GET, user=request.user)
    filters = form.filters()
    clients = selectors.client_list(user=request.user, **filters)
    page = Paginator(clients, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    labels = {
        "name": _("Client"),
        "country": _("Country"),
        "segment": _("Segment"),
        "kam": _("Key account manager"),
        "revenue": _("Latest revenue"),
    }
    columns = []
    for key, label in labels.items():
        direction = {key: "asc", f"-{key}": "desc"}.get(filters["ordering"], "")
        if direction:  # a second click reverses the order
            sort = key if direction == "desc" else f"-{key}"
        else:  # figures read best largest first, words A to Z
            sort = f"-{key}" if key == "revenue" else key
        columns.append({"key": key, "label": label, "sort": sort, "direction": direction})
    context = {
        "form": form,
        "page": page,
        "columns": columns,
        "sort": filters["ordering"],
        "filtered": any(filters[name] for name in ("search", "country", "segment", "kam_id")),
    }
    partial = "#client-rows" if request.htmx else ""
    return TemplateResponse(request, f"accounts/client_list.html{partial}", context)


@login_required
@require_http_methods(["GET"])
def client_detail(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(selectors.client_list(user=request.user), pk=client_id)
    metrics = list(selectors.client_metric_list(client=client))
    company = settings.KAM_DEFAULT_CURRENCY
    currencies = selectors.client_currency_revenue(client=client)
    chart = charts.revenue_margin_chart(
        [(metric.year, metric.revenue, metric.margin_pct) for metric in metrics],
        currency=settings.KAM_DEFAULT_CURRENCY,
        locale=current_locale(),
        title=_("Revenue and margin by year"),
        revenue_label=_("Revenue"),
        margin_label=_("Margin %"),
        empty_label=_("No figures yet: import a ledger."),
    )
    context = {
        "client": client,
        "contacts": selectors.contact_list(client=client),
        "metrics": metrics,
        "latest": metrics[-1] if metrics else None,
        "chart": chart,  # written by a template, which escapes every text
        "currencies": currencies if any(row["currency"] != company for row in currencies) else [],
        "company_currency": company,
        "can_assign": permissions.may_assign_clients(request.user),
        "can_edit_contacts": permissions.may_edit_client(request.user, client),
    }
    return TemplateResponse(request, "accounts/client_detail.html", context)


def _client_for_contacts(request: AuthedRequest, client_id: int) -> Client:
    """A client the user sees (else 404) and may edit (else 403, saying why)."""
    client = get_object_or_404(selectors.client_list(user=request.user), pk=client_id)
    permissions.require(permissions.may_edit_client, request.user, client)
    return client


@login_required
@permissions.capability_required(permissions.may_assign_clients)
@require_http_methods(["GET", "POST"])
def client_update(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(selectors.client_list(user=request.user), pk=client_id)
    form = forms.ClientAssignmentForm(
        request.POST if request.method == "POST" else None,
        client=client,
        segments=selectors.client_segment_list(user=request.user),
    )
    if form.is_valid():
        try:
            client_services.client_update(user=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Assignment of %(client)s saved.") % {"client": client})
            return redirect(client)
    return TemplateResponse(request, "accounts/client_form.html", {"client": client, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = _client_for_contacts(request, client_id)
    form = forms.ContactForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            contact = client_services.contact_save(
                user=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact %(contact)s added.") % {"contact": contact})
            return redirect(client)
    context = {"client": client, "form": form, "contact": None}
    return TemplateResponse(request, "accounts/contact_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_update(request: AuthedRequest, client_id: int, contact_id: int) -> HttpResponse:
    client = _client_for_contacts(request, client_id)
    contact = get_object_or_404(selectors.contact_list(client=client), pk=contact_id)
    form = forms.ContactForm(request.POST if request.method == "POST" else None, contact=contact)
    if form.is_valid():
        try:
            client_services.contact_save(
                user=request.user, client=client, contact=contact, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Contact %(contact)s saved.") % {"contact": contact})
            return redirect(client)
    context = {"client": client, "form": form, "contact": contact}
    return TemplateResponse(request, "accounts/contact_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: AuthedRequest, client_id: int, contact_id: int) -> HttpResponse:
    """GET asks for confirmation; only POST deletes."""
    client = _client_for_contacts(request, client_id)
    contact = get_object_or_404(selectors.contact_list(client=client), pk=contact_id)
    error = None
    if request.method == "POST":
        name = str(contact)
        try:
            client_services.contact_delete(user=request.user, contact=contact)
        except ValidationError as refusal:
            error = refusal
        else:
            messages.success(request, _("Contact %(contact)s deleted.") % {"contact": name})
            return redirect(client)
    context = {"client": client, "contact": contact, "deleting": True, "error": error}
    return TemplateResponse(request, "accounts/contact_form.html", context)


@login_required
@permissions.capability_required(permissions.may_import_ledgers)
@require_http_methods(["GET"])
def ledger_import_list(request: AuthedRequest) -> HttpResponse:
    imports = selectors.ledger_import_list(user=request.user)
    page = Paginator(imports, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "accounts/ledger_import_list.html", {"page": page})


@login_required
@permissions.capability_required(permissions.may_import_ledgers)
@require_http_methods(["GET", "POST"])
def ledger_import_create(request: AuthedRequest) -> HttpResponse:
    form = forms.LedgerUploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        try:
            ledger_import = import_services.ledger_import_create(
                user=request.user,
                upload=form.cleaned_data["file"],
                currency=form.cleaned_data["currency"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(ledger_import)
    return TemplateResponse(request, "accounts/ledger_import_create.html", {"form": form})


@login_required
@permissions.capability_required(permissions.may_import_ledgers)
@require_http_methods(["GET", "POST"])
def ledger_import_detail(request: AuthedRequest, import_id: int) -> HttpResponse:
    ledger_import = get_object_or_404(selectors.ledger_import_list(user=request.user), pk=import_id)
    template = "accounts/ledger_import_detail.html"
    if ledger_import.status != LedgerImport.Status.PREVIEW:
        partial = "#import-status" if request.htmx else ""
        missing = []
        if ledger_import.status == LedgerImport.Status.DONE and ledger_import.rows_unconverted:
            rows = selectors.missing_rate_list(ledger_import=ledger_import)
            missing = import_services.missing_rate_messages(
                {**row, "month": f"{row['month']:%Y-%m}"} for row in rows
            )
        context = {"ledger_import": ledger_import, "missing_rates": missing}
        return TemplateResponse(request, template + partial, context)

    sheet_form = None
    if len(ledger_import.sheets) > 1:
        posted = request.method == "POST" and request.POST.get("action") == "sheet"
        sheet_form = forms.LedgerSheetForm(
            request.POST if posted else None,
            sheets=ledger_import.sheets,
            sheet=ledger_import.sheet,
        )
        if posted and sheet_form.is_valid():
            try:
                import_services.ledger_import_choose_sheet(
                    ledger_import=ledger_import,
                    user=request.user,
                    sheet=sheet_form.cleaned_data["sheet"],
                )
            except ValidationError as error:
                add_service_error(sheet_form, error)
            else:
                return redirect(ledger_import)
        if posted:
            ledger_import.refresh_from_db()
    initial = forms.LedgerMappingForm.initial_for(
        ledger_import.mapping, currency=ledger_import.currency
    )
    mapping_posted = request.method == "POST" and request.POST.get("action") != "sheet"
    form = forms.LedgerMappingForm(
        request.POST if mapping_posted else None,
        columns=ledger_import.columns,
        currency=ledger_import.currency,
        initial=initial,
    )
    mapping = date_orders = None
    if form.is_valid():
        mapping, date_orders = form.mapping(), form.date_orders()
        if request.POST.get("action") == "confirm":
            try:
                import_services.ledger_import_confirm(
                    ledger_import=ledger_import,
                    user=request.user,
                    mapping=mapping,
                    date_orders=date_orders,
                    currency=form.cleaned_data["currency"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Import confirmed: it runs in the background."))
                return redirect(ledger_import)
    preview = None
    try:
        # The preview reads the dates the way the user now says, without storing it yet.
        preview = import_services.ledger_import_preview(
            ledger_import=ledger_import, mapping=mapping, date_orders=date_orders
        )
    except ValidationError as error:
        add_service_error(form, error)
    context = {
        "ledger_import": ledger_import,
        "form": form,
        "sheet_form": sheet_form,
        "preview": preview,
    }
    if preview is not None:
        context["missing_fields"] = [
            f"map_{code}" for code in ledger.missing_fields(preview.mapping)
        ]
        context["date_rows"] = [
            (reading, form[f"order_{reading.code}"]) for reading in preview.dates
        ]
        keys = list(preview.parsed[0]) if preview.parsed else []
        keys = [key for key in keys if any(row.get(key) for row in preview.parsed)]
        context["sample_header"] = [SAMPLE_LABELS.get(key, key) for key in keys]
        context["sample_rows"] = [[row.get(key, "") for key in keys] for row in preview.parsed]
    htmx = bool(request.htmx)
    partial = "#import-preview" if htmx and request.method == "POST" else ""
    return TemplateResponse(request, template + partial, context)


@login_required
@permissions.capability_required(permissions.may_import_ledgers)
@require_http_methods(["GET"])
def ledger_import_rejects(request: AuthedRequest, import_id: int) -> StreamingHttpResponse:
    ledger_import = get_object_or_404(selectors.ledger_import_list(user=request.user), pk=import_id)
    if not ledger_import.rejects:
        raise Http404
    try:
        rejects = ledger_import.rejects.open("rb")
    except FileNotFoundError:  # removed from storage since
        raise Http404 from None
    filename = f"{Path(ledger_import.original_name).stem}-rejects.csv"
    response = StreamingHttpResponse(  # in the reader's CSV conventions, whoever ran the import
        spreadsheets.csv_converted(rejects), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- exchange rates -------------------------------------------------------------------------------

RATES_PER_PAGE = 50


@login_required
@require_http_methods(["GET"])
def exchange_rate_list(request: AuthedRequest) -> HttpResponse:
    """Everyone reads the rates; directors add, change, delete and upload them."""
    currency = request.GET.get("currency", "").strip().upper()[:3]
    rates = selectors.exchange_rate_list(currency=currency)
    page = Paginator(rates, RATES_PER_PAGE).get_page(request.GET.get("page"))
    can_manage = permissions.may_manage_exchange_rates(request.user)
    context = {
        "page": page,
        "currency": currency,
        "currencies": selectors.exchange_rate_currencies(),
        "company_currency": settings.KAM_DEFAULT_CURRENCY,
        "missing": selectors.missing_rate_list(),
        "can_manage": can_manage,
        "upload_form": forms.ExchangeRatesUploadForm() if can_manage else None,
    }
    return TemplateResponse(request, "accounts/exchange_rate_list.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_exchange_rates)
@require_http_methods(["GET", "POST"])
def exchange_rate_upload(request: AuthedRequest) -> HttpResponse:
    form = forms.ExchangeRatesUploadForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        try:
            result = rate_services.exchange_rates_upload(
                user=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(days)s days of rates for %(currencies)s currencies read: %(added)s added, "
                    "%(changed)s changed. The ledger lines they concern are converted again in "
                    "the background."
                )
                % {
                    "days": result.days,
                    "currencies": len(result.currencies),
                    "added": result.added,
                    "changed": result.changed,
                },
            )
            return redirect("accounts:exchange_rate_list")
    return TemplateResponse(request, "accounts/exchange_rate_upload.html", {"form": form})


@login_required
@permissions.capability_required(permissions.may_manage_exchange_rates)
@require_http_methods(["GET", "POST"])
def exchange_rate_create(request: AuthedRequest) -> HttpResponse:
    initial = {
        key: request.GET[key] for key in ("currency", "period", "date") if key in request.GET
    }
    form = forms.ExchangeRateForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            rate = rate_services.exchange_rate_save(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Rate added: %(rate)s.") % {"rate": rate})
            return redirect("accounts:exchange_rate_list")
    context = {"form": form, "exchange_rate": None}
    return TemplateResponse(request, "accounts/exchange_rate_form.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_exchange_rates)
@require_http_methods(["GET", "POST"])
def exchange_rate_update(request: AuthedRequest, rate_id: int) -> HttpResponse:
    rate = get_object_or_404(selectors.exchange_rate_list(), pk=rate_id)
    form = forms.ExchangeRateForm(request.POST or None, exchange_rate=rate)
    if form.is_valid():
        try:
            rate_services.exchange_rate_save(
                user=request.user, exchange_rate=rate, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Rate saved: %(rate)s.") % {"rate": rate})
            return redirect("accounts:exchange_rate_list")
    context = {"form": form, "exchange_rate": rate}
    return TemplateResponse(request, "accounts/exchange_rate_form.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_exchange_rates)
@require_http_methods(["GET", "POST"])
def exchange_rate_delete(request: AuthedRequest, rate_id: int) -> HttpResponse:
    """GET asks for confirmation; only POST deletes."""
    rate = get_object_or_404(selectors.exchange_rate_list(), pk=rate_id)
    if request.method == "POST":
        name = str(rate)
        rate_services.exchange_rate_delete(user=request.user, exchange_rate=rate)
        messages.success(request, _("Rate deleted: %(rate)s.") % {"rate": name})
        return redirect("accounts:exchange_rate_list")
    context = {"exchange_rate": rate, "deleting": True}
    return TemplateResponse(request, "accounts/exchange_rate_form.html", context)
