"""The people of a plan: the customer's stakeholders, the relationship map and the counterpart
grid, edited in place with htmx.

A form is asked for with htmx into the editor above its table; a write sent with htmx answers
the whole people part again (the gaps, the map and both tables change together), or the form
with its errors in the editor. Without htmx, a form is a page of its own and a write redirects
to the people page."""

import functools
import hashlib
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import Contact, Department
from kam import charts, formats, links, permissions, versions
from kam.types import AuthedRequest
from planning import forms
from planning.models import CounterpartPair, Level, Plan, Stakeholder
from planning.selectors import approval as approval_selectors
from planning.selectors import people as selectors
from planning.selectors import plans as plan_selectors
from planning.services import people as services
from planning.views import conflicts, sections
from planning.views.sections import CSRF_MARK

SHORT_ROLES: dict[str, object] = {
    Stakeholder.BuyingRole.DECISION_MAKER: gettext_lazy("Decision maker"),
    Stakeholder.BuyingRole.EXECUTIVE_SPONSOR: gettext_lazy("Exec. sponsor"),
}
"""Buying roles whose full name does not fit in a box of the relationship map."""


class _Labels:
    """The names of the choices the page writes, looked up once a page, not once a row."""

    def __init__(self) -> None:
        self.roles = {code: str(label) for code, label in Stakeholder.BuyingRole.choices}
        self.attitudes = {code: str(label) for code, label in Stakeholder.Attitude.choices}
        self.levels = {code: str(label) for code, label in Level.choices}
        self.departments = {code: str(label) for code, label in Department.choices}
        self.countries: dict[str, str] = {}

    def country(self, code: str) -> str:
        if code not in self.countries:
            self.countries[code] = formats.country_name(code)
        return self.countries[code]


class _Escaped(dict[object, str]):
    """Texts escaped once a page, not once a row: ``escaped[text]``. The rows repeat names
    (ours and theirs, three times a row), choices, countries, cadences and dates."""

    def __missing__(self, text: object) -> str:
        value = self[text] = escape(text)
        return value


def _map(stakeholders: list[Stakeholder], labels: _Labels) -> str:
    detail = _("%(attitude)s, influence %(influence)s/5, %(level)s")
    short_roles = {**labels.roles, **{role: str(label) for role, label in SHORT_ROLES.items()}}
    nodes = [
        charts.MapNode(
            key=person.pk,
            parent=person.reports_to_id,
            name=str(person.contact),
            title=person.contact.title,
            role=short_roles.get(person.buying_role, person.buying_role),
            country=person.contact.country,
            attitude=person.attitude,
            influence=person.influence,
            detail=detail
            % {
                "attitude": labels.attitudes.get(person.attitude, person.attitude),
                "influence": person.influence,
                "level": labels.levels.get(person.level, person.level),
            },
        )
        for person in stakeholders
    ]
    return charts.relationship_map_cached(  # drawn once for the same people
        nodes,
        title=_("Relationship map"),
        legend=list(labels.attitudes.items()),
        influence_label=_("Circle size: influence, 1 to 5"),
        empty_label=_("No stakeholders yet."),
    )


STAKEHOLDER_LINKS = {"edit": "planning:stakeholder_edit", "remove": "planning:stakeholder_remove"}
PAIR_LINKS = {"edit": "planning:counterpart_edit", "remove": "planning:counterpart_remove"}


def _stakeholder_rows(
    stakeholders: list[Stakeholder], labels: _Labels, escaped: _Escaped
) -> list[dict[str, object]]:
    """What each stakeholder's row writes, worked out here so that the row only writes values:
    its links reversed once a page, its choices' names looked up once, its texts escaped once
    (``escaped``)."""
    urls = links.row_links(STAKEHOLDER_LINKS)
    confirm = _("Take %(person)s out of the plan?")
    rows = []
    for person in stakeholders:
        name = str(person.contact)
        rows.append(
            {
                "pk": person.pk,
                "ident": str(person.pk),
                "name": escaped[name],
                "title": escaped[person.contact.title],
                "note": person.note,
                "role": escaped[labels.roles.get(person.buying_role, person.buying_role)],
                "attitude": escaped[person.attitude],
                "attitude_label": escaped[labels.attitudes.get(person.attitude, person.attitude)],
                "influence": person.influence,
                "level": escaped[labels.levels.get(person.level, person.level)],
                "reports_to": escaped[str(person.reports_to.contact)] if person.reports_to else "",
                "country": escaped[labels.country(person.contact.country)],
                "pair_count": person.pair_count,  # type: ignore[attr-defined]
                "urls": {name: escape(url) for name, url in urls(person.pk).items()},
                "confirm": confirm % {"person": name},
            }
        )
    return rows


def _pair_rows(
    lines: list[selectors.PairLine], labels: _Labels, escaped: _Escaped
) -> list[dict[str, object]]:
    """What each counterpart pair's row writes, as for the stakeholders."""
    urls = links.row_links(PAIR_LINKS)
    dates: dict[date, str] = {}

    def short(day: date | None) -> str:
        if day is None:
            return ""
        if day not in dates:
            dates[day] = escape(date_format(day, "SHORT_DATE_FORMAT"))
        return dates[day]

    return [
        {
            "pk": line.pk,
            "ident": str(line.pk),
            "overdue": line.overdue,
            "level": escaped[labels.levels.get(line.level, line.level)],
            "ours": escaped[line.ours],
            "department": escaped[labels.departments.get(line.department, line.department)],
            "theirs": escaped[line.theirs],
            "title": escaped[line.title],
            "country": escaped[labels.country(line.country)],
            "cadence": escaped[line.cadence],
            "last_contact": short(line.last_contact),
            "next_due": short(line.next_due),
            "urls": {name: escape(url) for name, url in urls(line.pk).items()},
        }
        for line in lines
    ]


def _people_context(request: AuthedRequest, plan: Plan, **extra: object) -> dict[str, object]:
    today = timezone.localdate()
    page = selectors.people_page(plan=plan, today=today)
    stakeholders = page.stakeholders
    labels, escaped = _Labels(), _Escaped()
    if "item_comments" not in extra:
        extra["item_comments"] = approval_selectors.item_comments(plan=plan)
    return {
        "plan": plan,
        "can_edit": permissions.may_edit_plan(request.user, plan)
        and plan.status != Plan.Status.SUBMITTED,  # frozen while a director reviews it
        "tab": "people",
        "today": today,
        "stakeholders": stakeholders,
        "stakeholder_rows": _stakeholder_rows(stakeholders, labels, escaped),
        "uncovered": page.uncovered,
        "pair_rows": _pair_rows(page.pairs, labels, escaped),
        "gaps": page.gaps,
        "relationship_map": _map(stakeholders, labels),  # a template wrote it, escaping all text
        "labels": {
            "edit": escape(_("Edit")),
            "remove": escape(_("Remove")),
            "never": escape(_("never")),
            "overdue": escape(_("overdue")),
        },
        "csrf_input": _csrf_input(get_token(request)),
        **extra,
    }


def _people_part(request: AuthedRequest, plan: Plan, **extra: object) -> HttpResponse:
    """After a write: the people part for htmx, else back to the page."""
    if request.htmx:
        context = _people_context(request, plan, **extra)
        response = TemplateResponse(request, "planning/plan_people.html#people", context)
        return sections.status_event(response, plan)
    if "error" in extra:
        messages.error(request, str(extra["error"]))
    return redirect("planning:plan_people", plan.pk)


def _form_answer(
    request: AuthedRequest, plan: Plan, *, part: str, form: object, title: str, url: str
) -> HttpResponse:
    """A form: into its editor for htmx (sent back there when refused), else on the page."""
    editor = {"form": form, "form_title": title, "form_url": url, "editor": part}
    if request.htmx:
        context = {"plan": plan, **editor}
        response = TemplateResponse(request, f"planning/plan_people.html#{part}", context)
        if request.method == "POST":  # the form swaps back into its editor, not the part
            response["HX-Retarget"] = f"#{part}-editor"
            response["HX-Reswap"] = "innerHTML"
        return response
    return TemplateResponse(
        request, "planning/plan_people.html", _people_context(request, plan, **editor)
    )


PEOPLE_CACHE_SECONDS = 24 * 60 * 60
"""How long a rendered people part stays cached; its key changes with every row it shows."""


@login_required
@require_http_methods(["GET"])
def plan_people(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    """The people page. Its people part (gaps, map, both tables: 100 stakeholders and 300 pairs
    make a big page) is rendered once and cached under a digest of every row it shows, worked
    out by the database (``people_revisions``: one query, no row read), the user's rights, the
    language, the day and the template; each request writes its own CSRF token in it."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    today = timezone.localdate()
    can_edit = permissions.may_edit_plan(request.user, plan)
    comments = approval_selectors.item_comments(plan=plan)  # shown beside their items
    parts = (
        _template_version(),
        get_language() or "",
        str(today),
        str(plan.pk),
        str(can_edit),
        selectors.people_revisions([plan.pk])[plan.pk],
        approval_selectors.comments_digest(comments),
    )
    key = "plan-people:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        context = _people_context(
            request, plan, csrf_input=_csrf_input(CSRF_MARK), item_comments=comments
        )
        html = render_to_string(f"{TEMPLATE}#people", context, request=request)
        cache.set(key, html, PEOPLE_CACHE_SECONDS)
    people_html = mark_safe(html.replace(CSRF_MARK, get_token(request)))  # escaped when rendered
    context = {"plan": plan, "tab": "people", "can_edit": can_edit, "people_html": people_html}
    return TemplateResponse(request, TEMPLATE, context)


TEMPLATE = "planning/plan_people.html"


@functools.cache
def _template_version() -> str:
    """A digest of the page's template: a new version of it renders anew."""
    return hashlib.sha256(Path(settings.BASE_DIR, "templates", TEMPLATE).read_bytes()).hexdigest()


def _csrf_input(token: str) -> SafeString:
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


# --- stakeholders ------------------------------------------------------------------------------


def _stakeholder_for_edit(request: AuthedRequest, stakeholder_id: int) -> Stakeholder:
    """A stakeholder of a plan the user sees (else 404) and may edit (else 403)."""
    stakeholder = get_object_or_404(
        Stakeholder.objects.filter(plan__in=plan_selectors.plan_list(user=request.user))
        .select_related("contact", "plan__client"),
        pk=stakeholder_id,
    )  # fmt: skip
    permissions.require(permissions.may_edit_plan, request.user, stakeholder.plan)
    return stakeholder


def _managers(plan: Plan, stakeholder: Stakeholder | None = None) -> QuerySet[Stakeholder]:
    managers = Stakeholder.objects.filter(plan=plan).select_related("contact")
    return managers.exclude(pk=stakeholder.pk) if stakeholder else managers


def _free_contacts(plan: Plan) -> QuerySet[Contact]:
    return Contact.objects.filter(client_id=plan.client_id).exclude(stakeholders__plan=plan)


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Name one of the client's contacts among the plan's stakeholders."""
    plan = plan_selectors.plan_for_edit(user=request.user, plan_id=plan_id)
    form = forms.StakeholderForm(
        request.POST or None, managers=_managers(plan), contacts=_free_contacts(plan)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_add(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _people_part(request, plan)
    url = reverse("planning:stakeholder_add", args=[plan.pk])
    return _form_answer(request, plan, part="stakeholder", form=form, url=url,
                        title=_("Add a stakeholder"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_contact_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Add a new contact of the client and name them a stakeholder."""
    plan = plan_selectors.plan_for_edit(user=request.user, plan_id=plan_id)
    form = forms.StakeholderForm(request.POST or None, managers=_managers(plan), new_contact=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_contact_add(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _people_part(request, plan)
    url = reverse("planning:stakeholder_contact_add", args=[plan.pk])
    return _form_answer(request, plan, part="stakeholder", form=form, url=url,
                        title=_("Add a new contact as a stakeholder"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_edit(request: AuthedRequest, stakeholder_id: int) -> HttpResponse:
    stakeholder = _stakeholder_for_edit(request, stakeholder_id)
    plan = stakeholder.plan
    initial = {
        "buying_role": stakeholder.buying_role,
        "attitude": stakeholder.attitude,
        "influence": stakeholder.influence,
        "level": stakeholder.level,
        "reports_to": stakeholder.reports_to_id,
        "note": stakeholder.note,
    }
    form = forms.StakeholderForm(
        request.POST or None, initial=initial, managers=_managers(plan, stakeholder)
    )
    conflicts.versioned(form, stakeholder)
    if request.method == "POST" and form.is_valid():
        try:
            services.stakeholder_update(
                user=request.user, stakeholder=stakeholder, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:
            conflicts.show(form, stale)
        else:
            return _people_part(request, plan)
    url = reverse("planning:stakeholder_edit", args=[stakeholder.pk])
    title = _("Edit %(person)s") % {"person": stakeholder.contact}
    return _form_answer(request, plan, part="stakeholder", form=form, url=url, title=title)


@login_required
@require_http_methods(["POST"])
def stakeholder_remove(request: AuthedRequest, stakeholder_id: int) -> HttpResponse:
    stakeholder = _stakeholder_for_edit(request, stakeholder_id)
    try:
        services.stakeholder_remove(user=request.user, stakeholder=stakeholder)
    except ValidationError as error:
        return _people_part(request, stakeholder.plan, error=" ".join(error.messages))
    return _people_part(request, stakeholder.plan)


# --- counterpart pairs -------------------------------------------------------------------------


def _pair_for_edit(request: AuthedRequest, pair_id: int) -> CounterpartPair:
    pair = get_object_or_404(
        CounterpartPair.objects.filter(plan__in=plan_selectors.plan_list(user=request.user))
        .select_related("plan__client"),
        pk=pair_id,
    )  # fmt: skip
    permissions.require(permissions.may_edit_plan, request.user, pair.plan)
    return pair


def _counterpart_form(plan: Plan, data: object, **kwargs: object) -> forms.CounterpartForm:
    return forms.CounterpartForm(
        data,
        users=selectors.counterpart_candidates(plan=plan),
        stakeholders=_managers(plan),
        cadences=plan.cadences.all(),
        **kwargs,  # type: ignore[arg-type]
    )


@login_required
@require_http_methods(["GET", "POST"])
def counterpart_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Pair one of our people with one of theirs."""
    plan = plan_selectors.plan_for_edit(user=request.user, plan_id=plan_id)
    initial = {"stakeholder": request.GET.get("stakeholder")}
    form = _counterpart_form(plan, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.counterpart_add(
                user=request.user,
                plan=plan,
                person=values["user"],
                stakeholder=values["stakeholder"],
                level=values["level"],
                cadence=values["cadence"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _people_part(request, plan)
    url = reverse("planning:counterpart_add", args=[plan.pk])
    return _form_answer(request, plan, part="counterpart", form=form, url=url,
                        title=_("Pair one of our people with one of theirs"))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def counterpart_edit(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = _pair_for_edit(request, pair_id)
    plan = pair.plan
    initial = {
        "user": pair.user_id,
        "stakeholder": pair.stakeholder_id,
        "level": pair.level,
        "cadence": pair.cadence_id,
    }
    form = _counterpart_form(plan, request.POST or None, initial=initial)
    conflicts.versioned(form, pair)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.counterpart_update(
                user=request.user,
                pair=pair,
                person=values["user"],
                stakeholder=values["stakeholder"],
                level=values["level"],
                cadence=values["cadence"],
                version=values["version"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:
            conflicts.show(form, stale)
        else:
            return _people_part(request, plan)
    url = reverse("planning:counterpart_edit", args=[pair.pk])
    return _form_answer(request, plan, part="counterpart", form=form, url=url,
                        title=_("Edit the pair"))  # fmt: skip


@login_required
@require_http_methods(["POST"])
def counterpart_remove(request: AuthedRequest, pair_id: int) -> HttpResponse:
    pair = _pair_for_edit(request, pair_id)
    services.counterpart_remove(user=request.user, pair=pair)
    return _people_part(request, pair.plan)
