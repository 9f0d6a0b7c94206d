"""The plan page's sections, edited in place: vision, SWOT, objectives with KPIs, actions,
offers; and the catalogue of offerings (directors).

With htmx, a form is fetched into the page and posted back; a write answers with the section it
changed, a refused form with itself (retargeted onto the form). Without htmx the same routes
serve a small form page and redirect to the plan. Every row is looked up among those of the
plans the user sees (``plan_list``: a hidden row is a 404); a write the user's role may not do
is a 403 saying why.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Department
from kam import formats, links, permissions, versions
from kam.types import AuthedRequest
from planning import forms
from planning.models import Action, Kpi, Objective, Offer, Offering, Plan, SwotItem
from planning.selectors import approval as approval_selectors
from planning.selectors import objectives as selectors
from planning.selectors import practices as practice_selectors
from planning.selectors import sponsorship as sponsorship_selectors
from planning.selectors.plans import plan_for_edit, plan_get, plan_list
from planning.services import objectives as objective_services
from planning.services import offers as offer_services
from planning.services import sections as section_services
from planning.views import conflicts

TEMPLATE = "planning/plan_detail.html"
SECTIONS = {
    "vision": "plan-vision",
    "swot": "plan-swot",
    "work": "plan-work",
    "offers": "plan-offers",
    "asks": "plan-asks",
    "practices": "plan-practices",
}
"""The parts of the page a write swaps back, by name: their element ids."""


def page_context(request: AuthedRequest, plan: Plan, *, work: bool = True) -> dict[str, Any]:
    """What the plan page's sections show to ``request.user``; with ``work=False``, without the
    objectives and actions (``work_html`` reads them when they are not cached)."""
    today = timezone.localdate()
    page = selectors.plan_page(plan=plan, today=today, work=work)
    # while a director reviews it, the plan is frozen: no editing tools
    can_edit = (
        permissions.may_edit_plan(request.user, plan) and plan.status != Plan.Status.SUBMITTED
    )
    _prepare_sections(page)
    if work:
        _prepare_rows(request, page)
        page_urls(page)
    return {
        "plan": plan,
        "page": page,
        "can_edit": can_edit,
        "item_comments": approval_selectors.item_comments(plan=plan),  # beside their items
        **sponsorship_context(request, plan),
        "today": today,
        "tab": "plan",
        "labels": _labels(),
        "csrf_input": _csrf_input(get_token(request)),
    }


def _csrf_input(token: str) -> str:
    """The CSRF field of the forms of the rows, written once (``{% csrf_token %}`` in each of
    500 rows would build it 500 times)."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def sponsorship_context(request: AuthedRequest, plan: Plan) -> dict[str, Any]:
    """The asks of the sponsor and the practices the plan reuses (sections 6 and 7)."""
    return {
        "asks": sponsorship_selectors.ask_list_for_plan(plan=plan),
        "can_answer": permissions.may_answer_ask(request.user, plan),
        "reuses": practice_selectors.reuse_list_for_plan(plan=plan),
    }


def _labels() -> dict[str, str]:
    """The words the objectives', KPIs' and actions' rows repeat, translated and escaped once a
    page."""
    words = {
        "due": _("due"),
        "overdue": _("Overdue"),
        "update": _("Update progress"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "delete_action": _("Delete this action?"),
        "delete_objective": _("Delete this objective with its KPIs and actions?"),
        "delete_kpi": _("Delete this KPI?"),
        "delete_swot": _("Delete this point?"),
        "delete_offer": _("Delete this offer?"),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "objective_progress": _("Progress of its actions"),
        "margin": _("margin"),
        "baseline": _("Baseline"),
        "target": _("Target"),
        "current": _("Current"),
        "no_kpi": _("No KPI yet: say how this objective is measured."),
        "add_kpi": _("Add a KPI"),
        "add_action": _("Add an action"),
        "no_actions": _("No actions yet."),
        "actions": _("Actions"),
    }
    return {name: escape(word) for name, word in words.items()}


ACTION_ROUTES = {name: f"planning:action_{name}" for name in ("progress", "edit", "delete")}
OBJECTIVE_ROUTES = {
    name: f"planning:{name}"
    for name in ("objective_edit", "objective_move", "objective_delete", "kpi_add", "action_add")
}
KPI_ROUTES = {name: f"planning:{name}" for name in ("kpi_edit", "kpi_delete")}
SWOT_ROUTES = {name: f"planning:swot_item_{name}" for name in ("edit", "move", "delete")}
OFFER_ROUTES = {name: f"planning:offer_{name}" for name in ("edit", "delete")}


def _prepare_sections(page: selectors.PlanPage) -> None:
    """The links of the SWOT's points and of the offers, reversed once a page, their ids as
    their elements' ids write them, and the offers' status and pricing by name, looked up once."""
    swot_links = links.row_links(SWOT_ROUTES)
    for _quadrant, _label, items in page.swot:
        for item in items:
            item.urls = swot_links(item.pk)  # type: ignore[attr-defined]
            item.ident = str(item.pk)  # type: ignore[attr-defined]
    offer_links = links.row_links(OFFER_ROUTES)
    statuses = dict(Offer.Status.choices)
    pricings = dict(Offer.Pricing.choices)
    for offer in page.offers.offers:  # the grid's cells show the same offers
        offer.urls = offer_links(offer.pk)  # type: ignore[attr-defined]
        offer.ident = str(offer.pk)  # type: ignore[attr-defined]
        offer.status_label = statuses.get(offer.status, offer.status)  # type: ignore[attr-defined]
        offer.pricing_label = pricings.get(offer.pricing, offer.pricing)  # type: ignore[attr-defined]


def _prepare_rows(request: AuthedRequest, page: selectors.PlanPage) -> None:
    """What each objective's, KPI's and action's row writes, worked out once here (their links
    reversed once a page, their labels looked up once, their texts escaped and their figures and
    dates written once), so that a plan of 50 objectives and 500 actions renders quickly: the
    rows' templates only write ready values (``ObjectiveRow.view`` and ``.action_rows``)."""
    action_links = links.row_links(ACTION_ROUTES)
    objective_links = links.row_links(OBJECTIVE_ROUTES)
    kpi_links = links.row_links(KPI_ROUTES)
    statuses = {value: escape(label) for value, label in Action.Status.choices}
    departments = {value: escape(label) for value, label in Department.choices}
    dates: dict[Any, str] = {}

    def short(day: Any) -> str:
        if day not in dates:
            dates[day] = escape(date_format(day, "SHORT_DATE_FORMAT"))
        return dates[day]

    # whoever edits the plan updates every action; others (a contributor) only their own
    edits_plan = permissions.may_edit_plan(request.user, page.plan)
    plan_url = page.plan.get_absolute_url()
    for rows in page.objectives.values():
        for row in rows:
            objective = row.objective
            row.urls = objective_links(objective.pk)
            row.ident = str(objective.pk)
            row.urls["actions"] = f"{plan_url}?objective={objective.pk}"
            for kpi_row in row.kpis:
                kpi_row.urls = kpi_links(kpi_row.kpi.pk)
            row.view = {
                "pk": objective.pk,
                "ident": row.ident,
                "title": escape(objective.title),
                "description": objective.description,
                "progress": row.progress,
                "action_count": row.action_count,
                "first": row.first,
                "last": row.last,
                "urls": {name: escape(url) for name, url in row.urls.items()},
                "kpis": [_kpi_view(kpi_row, short) for kpi_row in row.kpis],
            }
            row.action_rows = []
            for action in row.actions:
                row.action_rows.append(
                    {
                        "pk": escape(action.pk),
                        "title": escape(action.title),
                        "status": escape(action.status),
                        "status_label": statuses.get(action.status) or escape(action.status),
                        "overdue": action.overdue,  # type: ignore[attr-defined]
                        "owner": escape(action.owner),
                        "department": departments.get(action.department)
                        or escape(action.department),
                        "due": short(action.due_date),
                        "progress": escape(action.progress),
                        "comment": action.comment,
                        "can_update": edits_plan
                        or permissions.may_update_action(request.user, action),
                        "urls": {
                            name: escape(url) for name, url in action_links(action.pk).items()
                        },
                    }
                )


def _kpi_view(row: selectors.KpiRow, short: Callable[[Any], str]) -> dict[str, Any]:
    """What a KPI's row writes: its name, its figures as the language writes them (up to two
    decimals), where its current value comes from, its due date and links, escaped."""
    kpi, reading = row.kpi, row.reading
    note = ""
    if reading.from_ledger:
        note = (
            _("from the ledger, %(year)s") % {"year": f"{reading.year:d}"}
            if reading.year
            else _("from the ledger, no figures yet")
        )
    return {
        "pk": kpi.pk,
        "name": escape(kpi.name),
        "unit": escape(kpi.unit),
        "margin": kpi.measures_margin,
        "baseline": "" if kpi.baseline is None else escape(formats.weight(kpi.baseline)),
        "target": escape(formats.weight(kpi.target)),
        "current": escape(formats.weight(reading.value)),
        "ledger_note": escape(note),
        "due": short(kpi.due_date) if kpi.due_date else "",
        "urls": {name: escape(url) for name, url in row.urls.items()},
    }


# --- the objectives and actions, cached ----------------------------------------------------------

WORK_CACHE_SECONDS = 24 * 60 * 60
"""How long the rendered objectives and actions stay cached. Their key changes with anything
they show, so this only bounds how long blocks nobody asks for again take up room."""

CSRF_MARK = "csrf0token0mark0987654321"
"""Written in place of the CSRF token in the cached block; each request puts its own back."""


def work_pages_asked(request: AuthedRequest) -> tuple[int, int | None]:
    """Which pages of the Actions section the request asks for: ``?page=N`` (a whole number
    from 1; anything else is page 1) and ``?objective=ID``, an objective whose actions must be
    shown (a link to one of its actions, or the objective a write touched): the pages up to
    the later of the two are shown."""
    number = request.GET.get("page", "")
    objective = request.GET.get("objective", "")
    return (
        int(number) if number.isdigit() and 0 < int(number) <= 10_000 else 1,
        int(objective) if objective.isdigit() and len(objective) < 12 else None,
    )


def work_html(
    request: AuthedRequest,
    context: dict[str, Any],
    *,
    pages: int = 1,
    through: int | None = None,
) -> str:
    """The objectives and actions sections (``#section-work``) as ``context`` shows them, with
    the actions of the first ``pages`` pages of the Actions section, or more, up to the page of
    objective ``through`` (an id; one that is not the plan's is ignored, a page past the last
    is the last).

    The section is put together from pieces cached apart: the section with its first page, and
    each further page as the htmx request for it gets it (``work_page_html``), the next page's
    link of one replaced by the next. A piece comes from the cache when the same rows were
    rendered before for the same rights, language and day, else the rows are read (when
    ``page_context(work=False)`` left them out), rendered and kept. The key is a digest of those
    rows worked out by the database (``work_revision``: one query, no row read), so that a
    cached piece costs neither the rows nor their rendering; each request writes its own CSRF
    token in the forms. A write renders the pieces that the next page load finds cached."""
    base = _work_key(request, context)
    last = 1
    if pages > 1 or through is not None:
        index = _work_index(context, base)
        last = min(max(pages, index["objectives"].get(through, 1)), max(index["count"], 1))
    pieces = _work_pieces(request, context, base, range(1, last + 1))
    html = pieces[1]
    for number in range(2, last + 1):
        start = html.rfind('<p class="work-more"')
        if start < 0:
            break
        html = html[:start] + pieces[number] + html[html.index("</p>", start) + len("</p>") :]
    return mark_safe(html.replace(CSRF_MARK, get_token(request)))  # the template escaped it


def work_page_html(request: AuthedRequest, context: dict[str, Any], number: int) -> str | None:
    """Page ``number`` (from 2) of the Actions section alone, its objectives' groups of actions
    and the link to the next page, which takes the place of the previous page's link as the
    user scrolls to it; ``None`` when the plan has no such page (page 1 comes with the plan
    page). Cached as the pieces of ``work_html``."""
    base = _work_key(request, context)
    if number < 2 or number > _work_index(context, base)["count"]:
        return None
    html = _work_pieces(request, context, base, range(number, number + 1))[number]
    return mark_safe(html.replace(CSRF_MARK, get_token(request)))  # the template escaped it


def _work_index(context: dict[str, Any], base: str) -> dict[str, Any]:
    """How many pages the Actions section has, and on which page each objective's actions are
    (``{"count": …, "objectives": {id: page}}``): cached with the pieces, else read."""
    key = f"plan-work-index:{base}"
    index = cache.get(key)
    if index is None:
        page: selectors.PlanPage = context["page"]
        if not page.work_read:
            selectors.read_work(page)
        index = _index_of(page)
        cache.set(key, index, WORK_CACHE_SECONDS)
    return index


def _index_of(page: selectors.PlanPage) -> dict[str, Any]:
    return {
        "count": len(page.pages),
        "objectives": {
            row.objective.pk: number
            for number, rows in enumerate(page.pages, start=1)
            for row in rows
        },
    }


def _work_pieces(
    request: AuthedRequest, context: dict[str, Any], base: str, numbers: range
) -> dict[int, str]:
    """The cached pieces ``numbers`` of the objectives and actions (1: the section with the
    first page of actions; from 2: a further page alone), with the CSRF mark in their forms;
    those not cached are read (in a fixed number of queries), rendered and kept."""
    keys = {number: f"plan-work:{number}:{base}" for number in numbers}
    found = cache.get_many(list(keys.values()))
    pieces = {number: found[key] for number, key in keys.items() if key in found}
    missing = [number for number in numbers if number not in pieces]
    if not missing:
        return pieces
    page: selectors.PlanPage = context["page"]
    if not page.work_read:
        selectors.read_work(page)
    selectors.read_actions(page, min(missing), max(missing))
    _prepare_rows(request, page)
    render = {**context, "csrf_token": CSRF_MARK, "csrf_input": _csrf_input(CSRF_MARK)}
    fresh: dict[str, Any] = {}
    for number in missing:
        page.shown = (number, number)
        page_urls(page)
        partial = "section-work" if number == 1 else "action-groups"
        fresh[keys[number]] = pieces[number] = render_to_string(
            f"{TEMPLATE}#{partial}", render, request=request
        )
    fresh[f"plan-work-index:{base}"] = _index_of(page)
    cache.set_many(fresh, WORK_CACHE_SECONDS)
    return pieces


def page_urls(page: selectors.PlanPage) -> None:
    """The link to the Actions section's next page: without JavaScript, the plan page with the
    pages up to it, at its first objective's actions; with htmx, that page alone."""
    number = page.more_page
    page.more_url = page.more_href = ""
    if number is not None:
        url = f"{page.plan.get_absolute_url()}?page={number}"
        page.more_url = url
        page.more_href = f"{url}#actions-{page.pages[number - 1][0].objective.pk}"


def _work_key(request: AuthedRequest, context: dict[str, Any]) -> str:
    """A digest of all that ``#section-work`` writes: the rows of ``work_revision`` (objectives,
    KPIs, actions, their owners' names, the ledger figures), the user's rights (whether they
    edit the plan; if not, which actions are theirs to update: their own), the language, the
    day (overdue flags) and the template itself."""
    plan: Plan = context["plan"]
    can_edit = bool(context["can_edit"])
    parts = (
        _template_version(),
        get_language(),
        str(context["today"]),
        str(plan.pk),
        str(can_edit),
        "" if can_edit else f"updates the actions of {request.user.pk}",
        selectors.work_revision(plan),
        approval_selectors.comments_digest(context["item_comments"]),
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@functools.cache
def _template_version() -> str:
    """A digest of the page's template: a new version of it renders anew."""
    source = Path(settings.BASE_DIR, "templates", TEMPLATE).read_bytes()
    return hashlib.sha256(source).hexdigest()


def status_event[R: HttpResponse](response: R, plan: Plan) -> R:
    """``response`` to an htmx write of ``plan``'s content, telling the page the plan's status
    (the event ``plan-status``): the first edit of an approved plan starts a draft, and the
    header's badge and approval card follow without a reload (``plan_header.html``)."""
    status = Plan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()
    response["HX-Trigger"] = json.dumps({"plan-status": status})
    return response


def section_response(
    request: AuthedRequest, plan: Plan, section: str, *, through: int | None = None
) -> HttpResponse:
    """After a write: the section again (htmx), or the plan page at that section. The
    objectives and actions go through the cache, so that the next page load finds them there,
    with the actions shown up to those of objective ``through``, the one the write touched."""
    if request.htmx and section == "work":
        html = work_html(request, page_context(request, plan, work=False), through=through)
        return status_event(HttpResponse(html), plan)
    if request.htmx:
        return status_event(
            TemplateResponse(request, f"{TEMPLATE}#section-{section}", page_context(request, plan)),
            plan,
        )
    return redirect(_section_url(plan, section, through))


def _section_url(plan: Plan, section: str, through: int | None) -> str:
    """The plan page at ``section``; for the objectives and actions, with objective
    ``through``'s actions shown (``?objective=``)."""
    if section == "work" and through is not None:
        return f"{plan.get_absolute_url()}?objective={through}#{SECTIONS[section]}"
    return f"{plan.get_absolute_url()}#{SECTIONS[section]}"


def _form_response(
    request: AuthedRequest,
    plan: Plan,
    form: Form,
    *,
    section: str,
    form_id: str,
    title: str,
    through: int | None = None,
) -> HttpResponse:
    context = {
        "plan": plan,
        "form": form,
        "form_id": form_id,
        "form_title": title,
        "form_action": request.get_full_path(),
        "section": section,
        "section_id": SECTIONS[section],
        "section_url": _section_url(plan, section, through),
        "through": through if section == "work" else None,
        "tab": "plan",
    }
    if not request.htmx:
        return TemplateResponse(request, "planning/plan_section_form.html", context)
    response = TemplateResponse(request, f"{TEMPLATE}#section-form", context)
    if request.method == "POST":  # the form again, in place of itself
        response["HX-Retarget"] = f"#{form_id}"
        response["HX-Reswap"] = "outerHTML"
    return response


def _touched(saved: object, through: int | None) -> int | None:
    """The objective a write touched: the one written (or the objective of the KPI or action
    written, which may have moved), else ``through``."""
    if isinstance(saved, Objective):
        return saved.pk
    if isinstance(saved, Kpi | Action):
        return saved.objective_id
    return through


def _edit(
    request: AuthedRequest,
    plan: Plan,
    form: Any,
    save: Callable[[dict[str, Any]], object],
    *,
    section: str,
    form_id: str,
    title: str,
    through: int | None = None,
) -> HttpResponse:
    """Show ``form``; on a valid POST call ``save`` (a service) and answer with the section
    (for the objectives and actions, with those of objective ``through`` shown, or of the
    objective ``save`` wrote)."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:  # someone saved it meanwhile: nothing written
            conflicts.show(form, stale)
        else:
            return section_response(request, plan, section, through=_touched(saved, through))
    return _form_response(
        request, plan, form, section=section, form_id=form_id, title=title, through=through
    )


def _seen[M: Model](request: AuthedRequest, rows: QuerySet[M], path: str, pk: int) -> M:
    """Row ``pk`` of a plan the user sees (``path``: the lookup to the plan), else a 404."""
    visible = plan_list(user=request.user).values("pk")
    return get_object_or_404(rows.filter(**{f"{path}__in": visible}), pk=pk)


def _plan_of(request: AuthedRequest, plan: Plan) -> Plan:
    """The plan with its client, KAM and programme (for the sections and the capability)."""
    return plan_get(user=request.user, plan_id=plan.pk)


def _post(request: AuthedRequest) -> dict[str, Any] | None:
    return request.POST if request.method == "POST" else None  # type: ignore[return-value]


# --- 1. vision ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_vision_edit(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_edit(user=request.user, plan_id=plan_id)
    initial = {name: getattr(plan, name) for name in section_services.VISION_FIELDS}
    form = forms.VisionForm(_post(request), initial=initial)
    conflicts.versioned(form, plan, section_services.VISION_FIELDS)

    def save(data: dict[str, Any]) -> object:
        return section_services.plan_vision_update(user=request.user, plan=plan, **data)

    title = _("Shared vision and the customer's strategy")
    return _edit(request, plan, form, save, section="vision", form_id="vision-form", title=title)


# --- 2. SWOT --------------------------------------------------------------------------------------


def _swot_item(request: AuthedRequest, swot_id: int) -> SwotItem:
    item = _seen(request, SwotItem.objects.all(), "plan", swot_id)
    item.plan = _plan_of(request, item.plan)
    permissions.require(permissions.may_edit_plan, request.user, item.plan)
    return item


@login_required
@require_http_methods(["GET", "POST"])
def swot_item_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_edit(user=request.user, plan_id=plan_id)
    quadrant = request.GET.get("quadrant", "")
    if quadrant not in SwotItem.Quadrant.values:
        quadrant = SwotItem.Quadrant.STRENGTH
    form = forms.SwotItemForm(_post(request), initial={"quadrant": quadrant})

    def save(data: dict[str, Any]) -> object:
        return section_services.swot_item_add(user=request.user, plan=plan, **data)

    return _edit(
        request, plan, form, save,
        section="swot", form_id=f"swot-add-{quadrant}-form", title=_("Add a SWOT point"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def swot_item_edit(request: AuthedRequest, swot_id: int) -> HttpResponse:
    item = _swot_item(request, swot_id)
    form = forms.SwotItemForm(
        _post(request), initial={"quadrant": item.quadrant, "text": item.text}
    )
    conflicts.versioned(form, item)

    def save(data: dict[str, Any]) -> object:
        return section_services.swot_item_update(user=request.user, item=item, **data)

    return _edit(
        request, item.plan, form, save,
        section="swot", form_id=f"swot-{item.pk}-form", title=_("Change a SWOT point"),
    )  # fmt: skip


@login_required
@require_POST
def swot_item_delete(request: AuthedRequest, swot_id: int) -> HttpResponse:
    item = _swot_item(request, swot_id)
    section_services.swot_item_delete(user=request.user, item=item)
    return section_response(request, item.plan, "swot")


def _direction(request: AuthedRequest) -> str | None:
    direction = request.POST.get("direction")
    return direction if direction in ("up", "down") else None


@login_required
@require_POST
def swot_item_move(request: AuthedRequest, swot_id: int) -> HttpResponse:
    item = _swot_item(request, swot_id)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest(_("Move up or down."))
    section_services.swot_item_move(user=request.user, item=item, direction=direction)  # type: ignore[arg-type]
    return section_response(request, item.plan, "swot")


# --- 3. objectives and KPIs -----------------------------------------------------------------------


def _objective(request: AuthedRequest, objective_id: int, *, edit: bool = True) -> Objective:
    objective = _seen(request, Objective.objects.all(), "plan", objective_id)
    objective.plan = _plan_of(request, objective.plan)
    if edit:
        permissions.require(permissions.may_edit_plan, request.user, objective.plan)
    return objective


@login_required
@require_http_methods(["GET", "POST"])
def objective_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_edit(user=request.user, plan_id=plan_id)
    side = request.GET.get("side", "")
    if side not in Objective.Side.values:
        side = Objective.Side.OURS
    form = forms.ObjectiveForm(_post(request), initial={"side": side})

    def save(data: dict[str, Any]) -> object:
        return objective_services.objective_add(user=request.user, plan=plan, **data)

    return _edit(
        request, plan, form, save,
        section="work", form_id=f"objective-add-{side}-form", title=_("Add an objective"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def objective_edit(request: AuthedRequest, objective_id: int) -> HttpResponse:
    objective = _objective(request, objective_id)
    initial = {name: getattr(objective, name) for name in objective_services.OBJECTIVE_FIELDS}
    form = forms.ObjectiveForm(_post(request), initial=initial)
    conflicts.versioned(form, objective)

    def save(data: dict[str, Any]) -> object:
        return objective_services.objective_update(user=request.user, objective=objective, **data)

    return _edit(
        request, objective.plan, form, save,
        section="work", form_id=f"objective-{objective.pk}-form", title=_("Change an objective"),
        through=objective.pk,
    )  # fmt: skip


@login_required
@require_POST
def objective_delete(request: AuthedRequest, objective_id: int) -> HttpResponse:
    objective = _objective(request, objective_id)
    neighbour = _neighbour(objective)
    objective_services.objective_delete(user=request.user, objective=objective)
    return section_response(request, objective.plan, "work", through=neighbour)


def _neighbour(objective: Objective) -> int | None:
    """The objective before ``objective`` in the page's order (else the one after): where the
    page stays once it is deleted."""
    order = list(
        Objective.objects.filter(plan_id=objective.plan_id)
        .order_by("side", "position", "pk")
        .values_list("pk", "side")
    )
    sides = [side for side, _ in Objective.Side.choices]
    order.sort(key=lambda row: sides.index(row[1]) if row[1] in sides else len(sides))
    ids = [pk for pk, _ in order]
    index = ids.index(objective.pk)
    others = ids[:index] + ids[index + 1 :]
    return others[max(index - 1, 0)] if others else None


@login_required
@require_POST
def objective_move(request: AuthedRequest, objective_id: int) -> HttpResponse:
    objective = _objective(request, objective_id)
    direction = _direction(request)
    if direction is None:
        return HttpResponseBadRequest(_("Move up or down."))
    objective_services.objective_move(
        user=request.user,
        objective=objective,
        direction=direction,  # type: ignore[arg-type]
    )
    return section_response(request, objective.plan, "work", through=objective.pk)


def _kpi(request: AuthedRequest, kpi_id: int) -> Kpi:
    kpi = _seen(request, Kpi.objects.select_related("objective"), "objective__plan", kpi_id)
    kpi.objective.plan = _plan_of(request, kpi.objective.plan)
    permissions.require(permissions.may_edit_plan, request.user, kpi.objective.plan)
    return kpi


@login_required
@require_http_methods(["GET", "POST"])
def kpi_add(request: AuthedRequest, objective_id: int) -> HttpResponse:
    objective = _objective(request, objective_id)
    form = forms.KpiForm(_post(request))

    def save(data: dict[str, Any]) -> object:
        return objective_services.kpi_add(user=request.user, objective=objective, **data)

    title = _("Add a KPI to “%(objective)s”") % {"objective": objective.title}
    return _edit(
        request, objective.plan, form, save,
        section="work", form_id=f"kpi-add-{objective.pk}-form", title=title, through=objective.pk,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def kpi_edit(request: AuthedRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    initial = {name: getattr(kpi, name) for name in objective_services.KPI_FIELDS}
    form = forms.KpiForm(_post(request), initial=initial)
    conflicts.versioned(form, kpi)

    def save(data: dict[str, Any]) -> object:
        return objective_services.kpi_update(user=request.user, kpi=kpi, **data)

    return _edit(
        request, kpi.objective.plan, form, save,
        section="work", form_id=f"kpi-{kpi.pk}-form", title=_("Change a KPI"),
        through=kpi.objective_id,
    )  # fmt: skip


@login_required
@require_POST
def kpi_delete(request: AuthedRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    objective_services.kpi_delete(user=request.user, kpi=kpi)
    return section_response(request, kpi.objective.plan, "work", through=kpi.objective_id)


# --- 4. actions -----------------------------------------------------------------------------------


def _action(request: AuthedRequest, action_id: int) -> Action:
    """An action of a plan the user sees (its plan loaded for the capabilities)."""
    action = _seen(
        request, Action.objects.select_related("objective", "owner"), "objective__plan", action_id
    )
    action.objective.plan = _plan_of(request, action.objective.plan)
    return action


@login_required
@require_http_methods(["GET", "POST"])
def action_add(request: AuthedRequest, objective_id: int) -> HttpResponse:
    objective = _objective(request, objective_id)
    owners = selectors.action_owner_choices(plan=objective.plan)
    form = forms.ActionForm(_post(request), owners=owners)

    def save(data: dict[str, Any]) -> object:
        return objective_services.action_add(user=request.user, objective=objective, **data)

    title = _("Add an action to “%(objective)s”") % {"objective": objective.title}
    return _edit(
        request, objective.plan, form, save,
        section="work", form_id=f"action-add-{objective.pk}-form", title=title,
        through=objective.pk,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    plan = action.objective.plan
    permissions.require(permissions.may_edit_plan, request.user, plan)
    initial = {name: getattr(action, name) for name in objective_services.ACTION_FIELDS}
    owners = selectors.action_owner_choices(plan=plan)
    form = forms.ActionForm(_post(request), owners=owners, initial=initial)
    conflicts.versioned(form, action)

    def save(data: dict[str, Any]) -> object:
        return objective_services.action_update(user=request.user, action=action, **data)

    return _edit(
        request, plan, form, save,
        section="work", form_id=f"action-{action.pk}-form", title=_("Change an action"),
        through=action.objective_id,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def action_progress(request: AuthedRequest, action_id: int) -> HttpResponse:
    """An action's status, progress and comment: its owner's form (and the plan's editors')."""
    action = _action(request, action_id)
    permissions.require(permissions.may_update_action, request.user, action)
    initial = {name: getattr(action, name) for name in objective_services.PROGRESS_FIELDS}
    form = forms.ActionProgressForm(_post(request), initial=initial)
    conflicts.versioned(form, action)

    def save(data: dict[str, Any]) -> object:
        return objective_services.action_progress_update(user=request.user, action=action, **data)

    title = _("Update “%(action)s”") % {"action": action.title}
    return _edit(
        request, action.objective.plan, form, save,
        section="work", form_id=f"action-{action.pk}-progress-form", title=title,
        through=action.objective_id,
    )  # fmt: skip


@login_required
@require_POST
def action_delete(request: AuthedRequest, action_id: int) -> HttpResponse:
    action = _action(request, action_id)
    permissions.require(permissions.may_edit_plan, request.user, action.objective.plan)
    objective_services.action_delete(user=request.user, action=action)
    return section_response(request, action.objective.plan, "work", through=action.objective_id)


# --- 5. offers ------------------------------------------------------------------------------------


def _offer(request: AuthedRequest, offer_id: int) -> Offer:
    offer = _seen(request, Offer.objects.select_related("offering"), "plan", offer_id)
    offer.plan = _plan_of(request, offer.plan)
    permissions.require(permissions.may_edit_plan, request.user, offer.plan)
    return offer


@login_required
@require_http_methods(["GET", "POST"])
def offer_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_edit(user=request.user, plan_id=plan_id)
    initial: dict[str, Any] = {
        "status": Offer.Status.POTENTIAL,
        "pricing": Offer.Pricing.VALUE_BASED,
    }
    if request.GET.get("offering", "").isdigit():
        initial["offering"] = request.GET["offering"]
    if request.GET.get("unit"):
        initial["business_unit"] = request.GET["unit"]
    offerings = selectors.offering_list(active_only=True)
    form = forms.OfferForm(_post(request), offerings=offerings, initial=initial)

    def save(data: dict[str, Any]) -> object:
        return offer_services.offer_add(user=request.user, plan=plan, **data)

    return _edit(
        request, plan, form, save,
        section="offers", form_id="offer-add-form", title=_("Add an offer"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: AuthedRequest, offer_id: int) -> HttpResponse:
    offer = _offer(request, offer_id)
    initial = {name: getattr(offer, name) for name in offer_services.OFFER_FIELDS}
    offerings = selectors.offering_list().filter(active=True) | Offering.objects.filter(
        pk=offer.offering_id
    )
    form = forms.OfferForm(_post(request), offerings=offerings, initial=initial)
    conflicts.versioned(form, offer)

    def save(data: dict[str, Any]) -> object:
        return offer_services.offer_update(user=request.user, offer=offer, **data)

    return _edit(
        request, offer.plan, form, save,
        section="offers", form_id=f"offer-{offer.pk}-form", title=_("Change an offer"),
    )  # fmt: skip


@login_required
@require_POST
def offer_delete(request: AuthedRequest, offer_id: int) -> HttpResponse:
    offer = _offer(request, offer_id)
    offer_services.offer_delete(user=request.user, offer=offer)
    return section_response(request, offer.plan, "offers")


# --- the catalogue of offerings (directors) -------------------------------------------------------


@login_required
@permissions.capability_required(permissions.may_open_plan)
@require_http_methods(["GET", "POST"])
def offering_list(request: AuthedRequest) -> HttpResponse:
    """The catalogue, and a form to add an offering to it."""
    form = forms.OfferingForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            offer_services.offering_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return redirect("planning:offering_list")
    context = {"offerings": selectors.offering_list(), "form": form}
    return TemplateResponse(request, "planning/offering_list.html", context)


@login_required
@permissions.capability_required(permissions.may_open_plan)
@require_http_methods(["GET", "POST"])
def offering_edit(request: AuthedRequest, offering_id: int) -> HttpResponse:
    offering = get_object_or_404(Offering, pk=offering_id)
    initial = {name: getattr(offering, name) for name in ("name", "kind", "description", "active")}
    form = forms.OfferingForm(_post(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            offer_services.offering_update(
                user=request.user, offering=offering, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return redirect("planning:offering_list")
    context = {"offering": offering, "form": form, "back": reverse("planning:offering_list")}
    return TemplateResponse(request, "planning/offering_form.html", context)
