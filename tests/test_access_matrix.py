"""Who may use what: every route of KAM, page or API operation, tried by every kind of user.

``ACCESS`` is the one table. A row is a route (its URL name, namespaced) and a method; its cells
say what each persona gets:

- ``LOGIN``: an anonymous visitor of a page is sent to the login page (``ADMIN_LOGIN``: to the
  admin's own login page, which also turns away users who are not staff);
- ``401``: an anonymous caller of the API is told to authenticate;
- ``403``: the role may not use it, and the answer says why, translated (the 403 page, or the
  API's ``detail``), as one of ``kam.permissions``' refusals;
- ``404``: the row is not one the user may see (as if it did not exist);
- any other status (``200``, ``201``, ``204``, ``302``, or ``400`` for a body left incomplete on
  purpose: the request reached the form or the serializer): allowed, and exactly that answer.

Routes come from the URL resolver and API operations from the OpenAPI schema; a route or an
operation without a row fails ``test_every_route_and_operation_has_a_row``, so a new route must
say who may use it. The Django admin's routes are one group, tried on a sample: behind their own
staff login, they answer none of the personas (``tests/test_admin.py`` covers staff).

The personas are a KAM on their own client and on another KAM's client, a director, a sponsor on
the client they sponsor and on another, a contributor, and an anonymous visitor. The data is
made once for the module; each request runs in a savepoint rolled back after it, so one
persona's write never changes what the next one meets.
"""

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from drf_spectacular.generators import SchemaGenerator

from accounts.models import ExchangeRate, LedgerImport, User
from kam import permissions
from planning.models import (
    Action,
    CalendarFeed,
    PlanSubmission,
    PlanVersion,
    Report,
    ReviewComment,
)
from planning.selectors.versions import plan_snapshot
from tests.factories import ClientFactory, ClientYearMetricFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    AdvisoryMeetingFactory,
    AdvisoryMemberFactory,
    AdvisoryTopicFactory,
    CadenceFactory,
    CounterpartPairFactory,
    KpiFactory,
    MeetingDecisionFactory,
    MeetingFactory,
    ObjectiveFactory,
    OfferFactory,
    OfferingFactory,
    PlanFactory,
    PracticeFactory,
    PracticeReuseFactory,
    RecognitionFactory,
    SponsorAskFactory,
    StakeholderFactory,
    SteeringSessionFactory,
    SwotItemFactory,
    YearEndNegotiationFactory,
    make_key_account,
    make_project,
)
from tests.scoring.conftest import recompute
from tests.scoring.factories import CostToServeFactory, ProgrammeFactory, small_model

ANON, KAM_OWN, KAM_OTHER, DIRECTOR = "anonymous", "KAM, own client", "KAM, other", "director"
SPONSOR_OWN, SPONSOR_OTHER, CONTRIBUTOR = "sponsor, sponsored", "sponsor, other", "contributor"
CONTRIBUTOR_OTHER = "contributor, other plan"
PERSONAS = (
    ANON, KAM_OWN, KAM_OTHER, DIRECTOR, SPONSOR_OWN, SPONSOR_OTHER, CONTRIBUTOR, CONTRIBUTOR_OTHER
)  # fmt: skip

LOGIN, ADMIN_LOGIN = "login page", "admin login page"

Outcomes = dict[str, object]


def by_role(*, anon: object, kam: object, director: object, sponsor: object, contributor: object):
    """A row for a route about no client in particular: "own" and "other" are the same."""
    return {
        ANON: anon,
        KAM_OWN: kam,
        KAM_OTHER: kam,
        DIRECTOR: director,
        SPONSOR_OWN: sponsor,
        SPONSOR_OTHER: sponsor,
        CONTRIBUTOR: contributor,
        CONTRIBUTOR_OTHER: contributor,
    }


def page_for_all(status: object = 200) -> Outcomes:
    return by_role(anon=LOGIN, kam=status, director=status, sponsor=status, contributor=status)


def page_for_directors(director: object = 200) -> Outcomes:
    return by_role(anon=LOGIN, kam=403, director=director, sponsor=403, contributor=403)


def api_for_all(status: object = 200) -> Outcomes:
    return by_role(anon=401, kam=status, director=status, sponsor=status, contributor=status)


def api_for_directors(director: object) -> Outcomes:
    return by_role(anon=401, kam=403, director=director, sponsor=403, contributor=403)


def seen_by_whoever_sees_it(anon: object, ok: object = 200) -> Outcomes:
    """A client's page: its KAM, its sponsor and directors see it; for anyone else it is not
    there."""
    return {
        ANON: anon,
        KAM_OWN: ok,
        KAM_OTHER: 404,
        DIRECTOR: ok,
        SPONSOR_OWN: ok,
        SPONSOR_OTHER: 404,
        CONTRIBUTOR: 404,
        CONTRIBUTOR_OTHER: 404,
    }


def edited_by_its_kam(anon: object, ok: object) -> Outcomes:
    """A write on a client: its KAM and directors; its sponsor sees it but may not (403)."""
    return {**seen_by_whoever_sees_it(anon, ok), SPONSOR_OWN: 403}


def plan_seen(anon: object, ok: object = 200) -> Outcomes:
    """A plan, or anything in one: its KAM, its client's sponsor, directors and the people who
    take part in it (the contributor owns an action of the plan of the KAM's own client, none of
    the other); for anyone else it is not there."""
    return {**seen_by_whoever_sees_it(anon, ok), CONTRIBUTOR: ok}


def plan_edited(anon: object, ok: object) -> Outcomes:
    """A write in a plan: its KAM and directors; the sponsor and the contributor who take part
    see it but may not change it (403)."""
    return {**plan_seen(anon, ok), SPONSOR_OWN: 403, CONTRIBUTOR: 403}


def plan_submitted(anon: object, ok: object) -> Outcomes:
    """Submitting a plan for review: its KAM only (a director does not submit for them)."""
    return {**plan_edited(anon, ok), DIRECTOR: 403}


def plan_reviewed(anon: object, ok: object) -> Outcomes:
    """Approving or returning a plan: a director who is not its KAM; its KAM, its sponsor and
    the contributor who take part see it but may not (403)."""
    return {**plan_seen(anon, ok), KAM_OWN: 403, SPONSOR_OWN: 403, CONTRIBUTOR: 403}


def action_updated(anon: object, ok: object) -> Outcomes:
    """An action's status, progress and comment: whoever edits the plan, and the action's owner
    (the contributor owns the action of the KAM's own client's plan)."""
    return {**plan_seen(anon, ok), SPONSOR_OWN: 403}


def answered_by_its_sponsor(anon: object, ok: object) -> Outcomes:
    """An ask of the sponsor, answered: the account's own sponsor only; the plan's KAM, directors
    and the contributor who take part see it but may not answer (403)."""
    return {**plan_seen(anon, 403), SPONSOR_OWN: ok}


def for_sponsorship_runners(anon: object, ok: object) -> Outcomes:
    """The advisory committee's and the recognitions' writes: sponsors and directors."""
    return by_role(anon=anon, kam=403, director=ok, sponsor=ok, contributor=403)


def committee_read(anon: object, ok: object = 200) -> Outcomes:
    """The advisory committee, read: everyone but contributors."""
    return by_role(anon=anon, kam=ok, director=ok, sponsor=ok, contributor=403)


def practice_edited(anon: object, ok: object) -> Outcomes:
    """A practice, changed: its author (the KAM of the plan it comes from) and directors; the
    practices are everyone's to read, so anyone else is refused (403), never a 404."""
    return {
        ANON: anon,
        KAM_OWN: ok,
        KAM_OTHER: 403,
        DIRECTOR: ok,
        SPONSOR_OWN: 403,
        SPONSOR_OTHER: 403,
        CONTRIBUTOR: 403,
        CONTRIBUTOR_OTHER: 403,
    }


def proposed_by_its_kam(anon: object, ok: object) -> Outcomes:
    """An investment project of a key account, proposed or changed: its KAM and directors; the
    sponsor and the contributor who see the plan may not (403), another KAM does not see it."""
    return plan_edited(anon, ok)


ADMIN = by_role(
    anon=ADMIN_LOGIN,
    kam=ADMIN_LOGIN,
    director=ADMIN_LOGIN,
    sponsor=ADMIN_LOGIN,
    contributor=ADMIN_LOGIN,
)

ACCESS: dict[tuple[str, str], Outcomes] = {
    # --- the site's own pages ---
    ("home", "GET"): page_for_all(),
    ("login", "GET"): by_role(anon=200, kam=200, director=200, sponsor=200, contributor=200),
    ("login", "POST"): by_role(anon=200, kam=200, director=200, sponsor=200, contributor=200),
    ("logout", "POST"): by_role(anon=302, kam=302, director=302, sponsor=302, contributor=302),
    ("password_change", "GET"): page_for_all(),
    ("password_change", "POST"): page_for_all(),  # the empty form, shown again
    ("password_change_done", "GET"): page_for_all(),
    ("set_language", "POST"): by_role(
        anon=302, kam=302, director=302, sponsor=302, contributor=302
    ),
    ("api_schema", "GET"): by_role(anon=200, kam=200, director=200, sponsor=200, contributor=200),
    ("api_docs", "GET"): by_role(anon=200, kam=200, director=200, sponsor=200, contributor=200),
    # --- the Django admin (one group, tried on a sample; staff only) ---
    ("admin:index", "GET"): ADMIN,
    ("admin:scoring_rating_changelist", "GET"): ADMIN,
    ("admin:scoring_weightset_add", "POST"): ADMIN,
    # --- clients and contacts ---
    ("accounts:client_list", "GET"): page_for_all(),
    ("accounts:client_detail", "GET"): seen_by_whoever_sees_it(LOGIN),
    ("accounts:client_update", "GET"): page_for_directors(),
    ("accounts:client_update", "POST"): page_for_directors(302),
    ("accounts:contact_create", "GET"): edited_by_its_kam(LOGIN, 200),
    ("accounts:contact_create", "POST"): edited_by_its_kam(LOGIN, 302),
    ("accounts:contact_update", "GET"): edited_by_its_kam(LOGIN, 200),
    ("accounts:contact_update", "POST"): edited_by_its_kam(LOGIN, 200),
    ("accounts:contact_delete", "GET"): edited_by_its_kam(LOGIN, 200),
    ("accounts:contact_delete", "POST"): edited_by_its_kam(LOGIN, 302),
    # --- ledger imports ---
    ("accounts:ledger_import_list", "GET"): page_for_directors(),
    ("accounts:ledger_import_create", "GET"): page_for_directors(),
    ("accounts:ledger_import_create", "POST"): page_for_directors(200),
    ("accounts:ledger_import_detail", "GET"): page_for_directors(),
    ("accounts:ledger_import_detail", "POST"): page_for_directors(200),
    ("accounts:ledger_import_rejects", "GET"): page_for_directors(),
    # --- exchange rates: everyone reads them, directors change them ---
    ("accounts:exchange_rate_list", "GET"): page_for_all(),
    ("accounts:exchange_rate_create", "GET"): page_for_directors(),
    ("accounts:exchange_rate_create", "POST"): page_for_directors(200),
    ("accounts:exchange_rate_upload", "GET"): page_for_directors(),
    ("accounts:exchange_rate_upload", "POST"): page_for_directors(200),
    ("accounts:exchange_rate_update", "GET"): page_for_directors(),
    ("accounts:exchange_rate_update", "POST"): page_for_directors(200),
    ("accounts:exchange_rate_delete", "GET"): page_for_directors(),
    ("accounts:exchange_rate_delete", "POST"): page_for_directors(302),
    # --- ranking and explanation ---
    ("scoring:ranking", "GET"): page_for_all(),
    ("scoring:recompute", "POST"): page_for_directors(302),
    ("scoring:client_explanation", "GET"): seen_by_whoever_sees_it(LOGIN),
    # --- the directors' decisions: the role is refused before the client is looked up ---
    ("scoring:override_edit", "GET"): page_for_directors(),
    ("scoring:override_edit", "POST"): page_for_directors(200),
    ("scoring:override_clear", "POST"): page_for_directors(302),
    ("scoring:cost_to_serve_edit", "GET"): page_for_directors(),
    ("scoring:cost_to_serve_edit", "POST"): page_for_directors(200),
    ("scoring:shortlist", "GET"): page_for_directors(302),
    ("scoring:shortlist_detail", "GET"): page_for_directors(),
    ("scoring:shortlist_add", "POST"): page_for_directors(302),
    ("scoring:shortlist_remove", "POST"): page_for_directors(302),
    ("scoring:shortlist_confirm", "POST"): page_for_directors(400),
    ("scoring:programme_edit", "GET"): page_for_directors(),
    ("scoring:programme_edit", "POST"): page_for_directors(200),
    # --- selection grid ---
    ("scoring:grid", "GET"): page_for_all(),
    ("scoring:grid_export", "GET"): page_for_all(),
    ("scoring:grid_cell", "GET"): seen_by_whoever_sees_it(LOGIN),
    ("scoring:grid_rating", "GET"): edited_by_its_kam(LOGIN, 200),
    ("scoring:grid_rating", "POST"): edited_by_its_kam(LOGIN, 302),
    # --- weights and criteria ---
    ("scoring:weights", "GET"): page_for_directors(),
    ("scoring:weights", "POST"): page_for_directors(200),
    ("scoring:weights_what_if", "POST"): page_for_directors(200),
    ("scoring:weight_set_list", "GET"): page_for_directors(),
    ("scoring:criterion_list", "GET"): page_for_directors(),
    ("scoring:criterion_create", "GET"): page_for_directors(),
    ("scoring:criterion_create", "POST"): page_for_directors(200),
    ("scoring:criterion_update", "GET"): page_for_directors(),
    ("scoring:criterion_update", "POST"): page_for_directors(200),
    # --- plans ---
    ("planning:plan_list", "GET"): page_for_all(),
    ("planning:plan_open", "POST"): page_for_directors(400),
    ("planning:plan_detail", "GET"): plan_seen(LOGIN),
    ("planning:plan_history", "GET"): plan_seen(LOGIN),
    # --- plan sections: vision, SWOT, objectives, KPIs, actions, offers, offerings ---
    ("planning:plan_vision_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:plan_vision_edit", "POST"): plan_edited(LOGIN, 302),  # every text is optional
    ("planning:swot_item_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:swot_item_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:swot_item_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:swot_item_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:swot_item_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:swot_item_move", "POST"): plan_edited(LOGIN, 302),
    ("planning:objective_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:objective_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:objective_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:objective_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:objective_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:objective_move", "POST"): plan_edited(LOGIN, 302),
    ("planning:kpi_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:kpi_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:kpi_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:kpi_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:kpi_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:action_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:action_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:action_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:action_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:action_progress", "GET"): action_updated(LOGIN, 200),
    ("planning:action_progress", "POST"): action_updated(LOGIN, 200),
    ("planning:action_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:offer_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:offer_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:offer_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:offer_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:offer_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:offering_list", "GET"): page_for_directors(),
    ("planning:offering_list", "POST"): page_for_directors(200),
    ("planning:offering_edit", "GET"): page_for_directors(),
    ("planning:offering_edit", "POST"): page_for_directors(200),
    # --- plan people: stakeholders, relationship map, counterparts ---
    ("planning:plan_people", "GET"): plan_seen(LOGIN),
    ("planning:stakeholder_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:stakeholder_add", "POST"): plan_edited(LOGIN, 200),  # the form and its errors
    ("planning:stakeholder_contact_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:stakeholder_contact_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:stakeholder_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:stakeholder_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:stakeholder_remove", "POST"): plan_edited(LOGIN, 302),
    ("planning:counterpart_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:counterpart_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:counterpart_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:counterpart_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:counterpart_remove", "POST"): plan_edited(LOGIN, 302),
    # --- plan meetings: cadences, meetings, decisions, calendar ---
    ("planning:plan_meetings", "GET"): plan_seen(LOGIN),
    ("planning:cadence_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:cadence_add", "POST"): plan_edited(LOGIN, 200),  # the form, with its errors
    ("planning:cadence_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:cadence_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:cadence_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:meeting_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:meeting_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:meeting_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:meeting_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:meeting_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:decision_action", "POST"): plan_edited(LOGIN, 302),
    # the plans' approval: a draft without a margin KPI (submitting is refused, saying why), not
    # submitted (approving is refused, saying why), with an approved version and a comment
    ("planning:plan_submit", "POST"): plan_submitted(LOGIN, 302),
    ("planning:plan_approve", "POST"): plan_reviewed(LOGIN, 302),
    ("planning:plan_return", "GET"): plan_reviewed(LOGIN, 200),
    ("planning:plan_return", "POST"): plan_reviewed(LOGIN, 200),  # the form, with its errors
    ("planning:review_comment_resolve", "POST"): plan_edited(LOGIN, 302),
    ("planning:plan_versions", "GET"): plan_seen(LOGIN),
    ("planning:plan_version_diff", "GET"): plan_seen(LOGIN),
    ("planning:cadence_compliance", "GET"): page_for_all(),  # of the plans each one sees
    # the programme's results: its totals for directors, sponsors and KAMs, their own plans listed
    ("planning:programme_results", "GET"): by_role(
        anon=LOGIN, kam=200, director=200, sponsor=200, contributor=403
    ),
    ("planning:programme_results_csv", "GET"): by_role(
        anon=LOGIN, kam=200, director=200, sponsor=200, contributor=403
    ),
    ("planning:plan_calendar", "GET"): plan_seen(LOGIN),
    ("planning:calendar_feed", "GET"): page_for_all(),  # each one's own feed
    # --- executive sponsorship: asks of the sponsor (a plan section), negotiations ---
    ("planning:ask_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:ask_add", "POST"): plan_edited(LOGIN, 200),  # the form, with its errors
    ("planning:ask_edit", "GET"): plan_edited(LOGIN, 200),
    ("planning:ask_edit", "POST"): plan_edited(LOGIN, 200),
    ("planning:ask_delete", "POST"): plan_edited(LOGIN, 302),
    ("planning:ask_answer", "GET"): answered_by_its_sponsor(LOGIN, 200),
    ("planning:ask_answer", "POST"): answered_by_its_sponsor(LOGIN, 200),
    ("planning:negotiation_list", "GET"): seen_by_whoever_sees_it(LOGIN),
    ("planning:negotiation_add", "GET"): edited_by_its_kam(LOGIN, 200),
    ("planning:negotiation_add", "POST"): edited_by_its_kam(LOGIN, 200),
    ("planning:negotiation_edit", "GET"): edited_by_its_kam(LOGIN, 200),
    ("planning:negotiation_edit", "POST"): edited_by_its_kam(LOGIN, 200),
    ("planning:negotiation_delete", "POST"): edited_by_its_kam(LOGIN, 302),
    # --- the advisory committee and the recognitions (programme-wide) ---
    ("planning:advisory_committee", "GET"): committee_read(LOGIN),
    ("planning:advisory_member_add", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_member_add", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_member_remove", "POST"): for_sponsorship_runners(LOGIN, 302),
    ("planning:advisory_meeting_add", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_meeting_add", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_meeting_edit", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_meeting_edit", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_meeting_delete", "POST"): for_sponsorship_runners(LOGIN, 302),
    ("planning:advisory_topic_add", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_topic_add", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_topic_edit", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_topic_edit", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:advisory_topic_delete", "POST"): for_sponsorship_runners(LOGIN, 302),
    ("planning:recognition_list", "GET"): page_for_all(),
    ("planning:recognition_add", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:recognition_add", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:recognition_edit", "GET"): for_sponsorship_runners(LOGIN, 200),
    ("planning:recognition_edit", "POST"): for_sponsorship_runners(LOGIN, 200),
    ("planning:recognition_delete", "POST"): for_sponsorship_runners(LOGIN, 302),
    # --- good practices: everyone's to read and share; a plan's editors record a reuse ---
    ("planning:practice_list", "GET"): page_for_all(),
    ("planning:practice_add", "GET"): page_for_all(),
    ("planning:practice_add", "POST"): page_for_all(200),  # the form, with its errors
    ("planning:practice_detail", "GET"): page_for_all(),
    ("planning:practice_edit", "GET"): practice_edited(LOGIN, 200),
    ("planning:practice_edit", "POST"): practice_edited(LOGIN, 200),
    ("planning:practice_delete", "POST"): practice_edited(LOGIN, 302),
    ("planning:practice_reuse_add", "GET"): plan_edited(LOGIN, 200),
    ("planning:practice_reuse_add", "POST"): plan_edited(LOGIN, 200),
    ("planning:practice_reuse_remove", "POST"): plan_edited(LOGIN, 302),
    ("planning:calendar_feed_renew", "POST"): page_for_all(302),
    ("planning:calendar_feed_revoke", "POST"): page_for_all(302),
    # the feed of alice (KAM, own client) by its secret token: the token is the key, whoever
    # asks, with or without a session (calendar applications have none); a wrong or revoked
    # token is a 404 (tests/planning/test_views_meetings.py), and the feed lists alice's plans
    ("planning:calendar_feed_ics", "GET"): by_role(
        anon=200, kam=200, director=200, sponsor=200, contributor=200
    ),
    # --- API: clients, contacts and imports ---
    ("api-accounts:client_list", "GET"): api_for_all(),
    ("api-accounts:client_detail", "GET"): seen_by_whoever_sees_it(401),
    ("api-accounts:client_update", "PUT"): api_for_directors(400),
    ("api-accounts:contact_create", "POST"): edited_by_its_kam(401, 201),
    ("api-accounts:contact_detail", "PUT"): edited_by_its_kam(401, 400),
    ("api-accounts:contact_detail", "DELETE"): edited_by_its_kam(401, 204),
    ("api-accounts:ledger_import_create", "POST"): api_for_directors(400),
    ("api-accounts:ledger_import_detail", "GET"): api_for_directors(200),
    ("api-accounts:ledger_import_confirm", "POST"): api_for_directors(400),
    ("api-accounts:exchange_rate_list", "GET"): api_for_all(),
    ("api-accounts:exchange_rate_list", "POST"): api_for_directors(400),
    ("api-accounts:exchange_rate_detail", "GET"): api_for_all(),
    ("api-accounts:exchange_rate_detail", "PUT"): api_for_directors(400),
    ("api-accounts:exchange_rate_detail", "DELETE"): api_for_directors(204),
    ("api-accounts:exchange_rates_upload", "POST"): api_for_directors(400),
    # --- API: ranking, runs and explanation ---
    ("api-scoring:ranking", "GET"): api_for_all(),
    ("api-scoring:runs", "GET"): api_for_all(),
    ("api-scoring:client_explanation", "GET"): seen_by_whoever_sees_it(401),
    # --- API: overrides, programme, cost to serve and shortlist ---
    ("api-scoring:overrides", "GET"): api_for_all(),  # of the clients each one sees
    ("api-scoring:override", "PUT"): api_for_directors(400),
    ("api-scoring:override", "DELETE"): api_for_directors(204),
    ("api-scoring:cost_to_serve_set", "PUT"): api_for_directors(400),
    ("api-scoring:programmes", "GET"): api_for_directors(200),
    ("api-scoring:programme_save", "PUT"): api_for_directors(400),
    ("api-scoring:shortlist", "GET"): api_for_directors(200),
    ("api-scoring:shortlist", "PUT"): api_for_directors(400),
    ("api-scoring:shortlist_confirm", "POST"): api_for_directors(400),
    # --- API: grid and ratings ---
    ("api-scoring:grid", "GET"): api_for_all(),
    ("api-scoring:client_ratings", "GET"): seen_by_whoever_sees_it(401),
    ("api-scoring:rating_set", "POST"): edited_by_its_kam(401, 201),
    # --- API: weights and criteria ---
    # --- API: plans ---
    ("api-planning:plans", "GET"): api_for_all(),
    ("api-planning:plans", "POST"): api_for_directors(400),
    ("api-planning:plan", "GET"): plan_seen(401),
    ("api-planning:plan_history", "GET"): plan_seen(401),
    # --- API: plan sections ---
    ("api-planning:plan", "PATCH"): plan_edited(401, 200),  # the vision; nothing sent, no change
    ("api-planning:swot_items", "GET"): plan_seen(401),
    ("api-planning:swot_items", "POST"): plan_edited(401, 400),
    ("api-planning:swot_item", "GET"): plan_seen(401),
    ("api-planning:swot_item", "PATCH"): plan_edited(401, 200),
    ("api-planning:swot_item", "DELETE"): plan_edited(401, 204),
    ("api-planning:swot_item_move", "POST"): plan_edited(401, 400),
    ("api-planning:objectives", "GET"): plan_seen(401),
    ("api-planning:objectives", "POST"): plan_edited(401, 400),
    ("api-planning:objective", "GET"): plan_seen(401),
    ("api-planning:objective", "PATCH"): plan_edited(401, 200),
    ("api-planning:objective", "DELETE"): plan_edited(401, 204),
    ("api-planning:objective_move", "POST"): plan_edited(401, 400),
    ("api-planning:kpis", "POST"): plan_edited(401, 400),
    ("api-planning:kpi", "GET"): plan_seen(401),
    ("api-planning:kpi", "PATCH"): plan_edited(401, 200),
    ("api-planning:kpi", "DELETE"): plan_edited(401, 204),
    ("api-planning:actions", "POST"): plan_edited(401, 400),
    ("api-planning:action", "GET"): plan_seen(401),
    ("api-planning:action", "PATCH"): plan_edited(401, 200),
    ("api-planning:action", "DELETE"): plan_edited(401, 204),
    ("api-planning:action_progress", "PATCH"): action_updated(401, 200),
    ("api-planning:offers", "GET"): plan_seen(401),
    ("api-planning:offers", "POST"): plan_edited(401, 400),
    ("api-planning:offer", "GET"): plan_seen(401),
    ("api-planning:offer", "PATCH"): plan_edited(401, 200),
    ("api-planning:offer", "DELETE"): plan_edited(401, 204),
    ("api-planning:offerings", "GET"): api_for_all(),
    ("api-planning:offerings", "POST"): api_for_directors(400),
    ("api-planning:offering", "PATCH"): api_for_directors(200),
    # --- API: plan people ---
    ("api-planning:stakeholders", "GET"): plan_seen(401),
    ("api-planning:stakeholders", "POST"): plan_edited(401, 400),
    ("api-planning:stakeholder", "GET"): plan_seen(401),
    ("api-planning:stakeholder", "PATCH"): plan_edited(401, 200),
    ("api-planning:stakeholder", "DELETE"): plan_edited(401, 204),
    ("api-planning:counterparts", "GET"): plan_seen(401),
    ("api-planning:counterparts", "POST"): plan_edited(401, 400),
    ("api-planning:counterpart", "GET"): plan_seen(401),
    ("api-planning:counterpart", "PATCH"): plan_edited(401, 200),
    ("api-planning:counterpart", "DELETE"): plan_edited(401, 204),
    # --- API: plan meetings ---
    ("api-planning:cadences", "GET"): plan_seen(401),
    ("api-planning:cadences", "POST"): plan_edited(401, 400),  # empty: the serializer says what
    ("api-planning:cadence", "GET"): plan_seen(401),
    ("api-planning:cadence", "PUT"): plan_edited(401, 400),
    ("api-planning:cadence", "DELETE"): plan_edited(401, 204),
    ("api-planning:meetings", "GET"): plan_seen(401),
    ("api-planning:meetings", "POST"): plan_edited(401, 400),
    ("api-planning:meeting", "GET"): plan_seen(401),
    ("api-planning:meeting", "PUT"): plan_edited(401, 400),
    ("api-planning:meeting", "DELETE"): plan_edited(401, 204),
    ("api-planning:decision_action", "POST"): plan_edited(401, 201),  # under the first objective
    ("api-planning:compliance", "GET"): api_for_all(),  # of the plans each one sees
    ("api-planning:programme_results", "GET"): by_role(
        anon=401, kam=200, director=200, sponsor=200, contributor=403
    ),
    # --- API: executive sponsorship ---
    ("api-planning:asks", "GET"): plan_seen(401),
    ("api-planning:asks", "POST"): plan_edited(401, 400),
    ("api-planning:ask", "PATCH"): plan_edited(401, 200),
    ("api-planning:ask", "DELETE"): plan_edited(401, 204),
    ("api-planning:ask_answer", "POST"): answered_by_its_sponsor(401, 400),
    ("api-planning:negotiations", "GET"): seen_by_whoever_sees_it(401),
    ("api-planning:negotiations", "POST"): edited_by_its_kam(401, 400),
    ("api-planning:negotiation", "PATCH"): edited_by_its_kam(401, 200),
    ("api-planning:negotiation", "DELETE"): edited_by_its_kam(401, 204),
    ("api-planning:advisory_members", "GET"): committee_read(401),
    ("api-planning:advisory_members", "POST"): for_sponsorship_runners(401, 400),
    ("api-planning:advisory_member", "DELETE"): for_sponsorship_runners(401, 204),
    ("api-planning:advisory_meetings", "GET"): committee_read(401),
    ("api-planning:advisory_meetings", "POST"): for_sponsorship_runners(401, 400),
    ("api-planning:advisory_meeting", "PATCH"): for_sponsorship_runners(401, 200),
    ("api-planning:advisory_meeting", "DELETE"): for_sponsorship_runners(401, 204),
    ("api-planning:advisory_topics", "POST"): for_sponsorship_runners(401, 400),
    ("api-planning:advisory_topic", "PATCH"): for_sponsorship_runners(401, 200),
    ("api-planning:advisory_topic", "DELETE"): for_sponsorship_runners(401, 204),
    ("api-planning:recognitions", "GET"): api_for_all(),
    ("api-planning:recognitions", "POST"): for_sponsorship_runners(401, 400),
    ("api-planning:recognition", "PATCH"): for_sponsorship_runners(401, 200),
    ("api-planning:recognition", "DELETE"): for_sponsorship_runners(401, 204),
    # --- API: good practices ---
    ("api-planning:practices", "GET"): api_for_all(),
    ("api-planning:practices", "POST"): api_for_all(400),
    ("api-planning:practice", "GET"): api_for_all(),
    ("api-planning:practice", "PATCH"): practice_edited(401, 200),
    ("api-planning:practice", "DELETE"): practice_edited(401, 204),
    ("api-planning:practice_reuses", "GET"): plan_seen(401),
    ("api-planning:practice_reuses", "POST"): plan_edited(401, 400),
    ("api-planning:practice_reuse", "DELETE"): plan_edited(401, 204),
    ("api-planning:plan_submit", "POST"): plan_submitted(401, 400),  # no margin KPI
    ("api-planning:plan_approve", "POST"): plan_reviewed(401, 400),  # not submitted
    ("api-planning:plan_return", "POST"): plan_reviewed(401, 400),  # no comment
    ("api-planning:plan_submissions", "GET"): plan_seen(401),
    ("api-planning:review_comment_resolve", "POST"): plan_edited(401, 400),  # nothing sent
    ("api-planning:plan_versions", "GET"): plan_seen(401),
    ("api-planning:plan_version", "GET"): plan_seen(401),
    ("api-planning:plan_version", "PATCH"): plan_seen(401, 400),  # frozen, saying so
    ("api-planning:plan_version", "DELETE"): plan_seen(401, 400),
    ("api-planning:plan_diff", "GET"): plan_seen(401),
    # --- investment projects and the steering committee ---
    ("planning:plan_projects", "GET"): plan_seen(LOGIN),
    ("planning:project_add", "POST"): proposed_by_its_kam(LOGIN, 400),  # empty: the form says
    ("planning:project_detail", "GET"): plan_seen(LOGIN),
    ("planning:project_edit", "POST"): proposed_by_its_kam(LOGIN, 400),
    ("planning:project_spent", "POST"): proposed_by_its_kam(LOGIN, 400),
    ("planning:investment_years", "GET"): page_for_all(),  # the projects each one sees
    ("planning:steering_list", "GET"): page_for_all(),
    ("planning:steering_add", "POST"): page_for_directors(400),
    ("planning:steering_detail", "GET"): page_for_all(),  # the projects each one sees
    ("planning:steering_decide", "POST"): page_for_directors(400),
    ("planning:steering_hold", "POST"): page_for_directors(302),
    ("api-planning:projects", "GET"): plan_seen(401),
    ("api-planning:projects", "POST"): proposed_by_its_kam(401, 400),
    ("api-planning:project", "GET"): plan_seen(401),
    ("api-planning:project", "PATCH"): proposed_by_its_kam(401, 200),  # nothing sent, no change
    ("api-planning:project_spent", "PUT"): proposed_by_its_kam(401, 400),
    ("api-planning:investments", "GET"): api_for_all(),
    ("api-planning:steering_sessions", "GET"): api_for_all(),
    ("api-planning:steering_sessions", "POST"): api_for_directors(400),
    ("api-planning:steering_session", "GET"): api_for_all(),
    ("api-planning:steering_hold", "POST"): api_for_directors(200),
    ("api-planning:steering_decisions", "GET"): api_for_all(),
    ("api-planning:steering_decisions", "POST"): api_for_directors(400),
    ("api-scoring:criterion_list", "GET"): api_for_directors(200),
    ("api-scoring:criterion_list", "POST"): api_for_directors(400),
    ("api-scoring:criterion_update", "PATCH"): api_for_directors(200),
    ("api-scoring:weight_set_list", "GET"): api_for_directors(200),
    ("api-scoring:weight_set_list", "POST"): api_for_directors(400),
    ("api-scoring:weight_set_active", "GET"): api_for_directors(200),
    ("api-scoring:weights_what_if", "POST"): api_for_directors(400),
    # --- stored reports: a plan's PDF is whoever sees the plan's; the shortlist report and the
    # year's zip are the directors'. The report read and downloaded is a ready PDF of version 1
    ("planning:plan_pdf_request", "POST"): plan_seen(LOGIN, 302),  # the draft, to its status
    ("planning:programme_reports", "GET"): page_for_directors(),
    ("planning:shortlist_report_request", "POST"): page_for_directors(302),
    ("planning:plans_zip_request", "POST"): page_for_directors(302),
    ("planning:report_status", "GET"): plan_seen(LOGIN),
    ("planning:report_download", "GET"): plan_seen(LOGIN),
    ("api-planning:plan_pdf_request", "POST"): plan_seen(401, 202),
    ("api-planning:shortlist_report_request", "POST"): api_for_directors(202),
    ("api-planning:plans_zip_request", "POST"): api_for_directors(202),
    ("api-planning:report", "GET"): plan_seen(401),
    ("api-planning:report_file", "GET"): plan_seen(401),
}
"""Who may use each route: THE table. A new route adds its rows here."""

GROUPS = {"admin": "the Django admin, behind its own staff login: sampled above"}
"""Namespaces whose routes are covered as one group by the rows of a few of them."""

BODIES: dict[tuple[str, str], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("set_language", "POST"): lambda ids: {"language": "en", "next": "/"},
    ("scoring:shortlist_add", "POST"): lambda ids: {"client": ids["client_id"]},
    ("scoring:shortlist_remove", "POST"): lambda ids: {"client": ids["client_id"]},
    ("scoring:grid_rating", "POST"): lambda ids: {"level": "4", "note": "Matrix"},
    ("accounts:contact_create", "POST"): lambda ids: {"last_name": "Roux"},
    ("planning:swot_item_move", "POST"): lambda ids: {"direction": "down"},
    ("planning:objective_move", "POST"): lambda ids: {"direction": "down"},
    ("api-accounts:contact_create", "POST"): lambda ids: {"last_name": "Roux"},
    ("api-scoring:rating_set", "POST"): lambda ids: {
        "client": ids["client_id"],
        "criterion": "fit",
        "level": 4,
        "note": "Matrix",
    },
    ("api-planning:plan_pdf_request", "POST"): lambda ids: {"language": "en"},
    ("api-planning:shortlist_report_request", "POST"): lambda ids: {"language": "en"},
    ("api-planning:plans_zip_request", "POST"): lambda ids: {"language": "en"},
}
"""What a request sends, where an empty body would not reach the access decision."""

MULTIPART = {
    ("api-accounts:ledger_import_create", "POST"),
    ("api-accounts:exchange_rates_upload", "POST"),
}
"""API operations that take a form (a file upload) rather than JSON."""

PENDING: dict[tuple[str, str], str] = {}
"""Rows whose declared outcome waits for work not yet landed, with what it waits for. They are
expected to fail (``xfail``, strict): once they pass, this entry fails the suite until it goes."""


# --- the routes and the operations ---------------------------------------------------------------


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, str, URLPattern]]:
    """(namespace, name, route, pattern) of every URL pattern, included ones too."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield namespace, name or "", prefix + str(pattern.pattern), pattern


def routes() -> list[tuple[str, str, str]]:
    """(namespace, name, route) of every route; the name is empty for an unnamed one."""
    return [
        (namespace, name, route) for namespace, name, route, _ in _walk(get_resolver().url_patterns)
    ]


def openapi_path(route: str) -> str:
    """``api/clients/<int:client_id>/`` as the schema writes it: ``/api/clients/{client_id}/``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@pytest.fixture(scope="module")
def operations() -> set[tuple[str, str]]:
    """(route name, method) of every operation in the OpenAPI schema."""
    names = {openapi_path(route): name for _, name, route in routes()}
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, methods in schema["paths"].items():
        for method in methods:
            assert path in names, f"{path} is in the schema but no route serves it"
            found.add((names[path], method.upper()))
    return found


def test_every_route_and_operation_has_a_row(operations):
    api_routes = {name for name, _ in operations}
    declared = {name for name, _ in ACCESS}
    missing = []
    for namespace, name, route in routes():
        group = namespace.split(":")[0]
        if group in GROUPS:
            assert any(row.startswith(f"{group}:") for row in declared), group
        elif not name:
            missing.append(f"{route} (unnamed: name it, then give it a row)")
        elif name not in declared:
            missing.append(f"{name} ({route})")
    missing += [f"{method} {name}" for name, method in operations if (name, method) not in ACCESS]
    api_rows = {(name, method) for name, method in ACCESS if name in api_routes}
    stale = [f"{method} {name}" for name, method in api_rows - operations]
    known = {name for _, name, _ in routes()}
    stale += [f"{method} {name}" for name, method in ACCESS if name not in known]
    assert not missing, "Say who may use these routes in ACCESS: " + ", ".join(sorted(missing))
    assert not stale, "ACCESS rows for no route or operation: " + ", ".join(sorted(stale))
    assert set(PENDING) <= set(ACCESS)


def test_every_refusal_reads_in_french():
    """The 403s above are checked against the refusals in the answer's language (French by
    default); this says that language is really French, not the English left as it was."""
    for capability, reason in permissions.REFUSALS.items():
        with translation.override("fr"):
            french = str(reason)
        with translation.override("en"):
            assert french != str(reason), capability.__name__


def test_every_row_names_every_persona():
    incomplete = [key for key, outcomes in ACCESS.items() if set(outcomes) != set(PERSONAS)]
    assert not incomplete


# --- the data and the requests ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The personas and what they meet, made once for the module inside a transaction that is
    rolled back at its end, so nothing leaks into other modules."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _make_cast()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _make_cast():
    alice = UserFactory(username="alice", role=User.Role.KAM)
    bob = UserFactory(username="bob", role=User.Role.KAM)
    dana = UserFactory(username="dana", role=User.Role.DIRECTOR)
    sam = UserFactory(username="sam", role=User.Role.SPONSOR)
    carl = UserFactory(username="carl", role=User.Role.CONTRIBUTOR)
    criteria = small_model()
    mine = ClientFactory(name="Mine", kam=alice, sponsor=sam)
    theirs = ClientFactory(name="Theirs", kam=bob)
    for company, revenue in ((mine, 300), (theirs, 100)):
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(revenue))
        CostToServeFactory(client=company, updated_by=dana)
    recompute()
    ProgrammeFactory(year=2026, updated_by=dana)
    contacts = {company.pk: ContactFactory(client=company) for company in (mine, theirs)}
    ledger_import = LedgerImport.objects.create(
        original_name="ventes.csv",
        sha256="0" * 64,
        size=1200,
        file_format="csv",
        columns=["Client", "Montant"],
        mapping={"customer_id": "Client", "amount": "Montant"},
        status=LedgerImport.Status.DONE,
        rejects=ContentFile(b"line,reason\n", name="rejects.csv"),
        created_by=dana,
    )
    personas = {
        ANON: (None, mine),
        KAM_OWN: (alice, mine),
        KAM_OTHER: (alice, theirs),
        DIRECTOR: (dana, theirs),
        SPONSOR_OWN: (sam, mine),
        SPONSOR_OTHER: (sam, theirs),
        CONTRIBUTOR: (carl, mine),
        CONTRIBUTOR_OTHER: (carl, theirs),
    }
    plans = {company.pk: _plan(company, dana) for company in (mine, theirs)}
    # carl takes part in the plan of alice's client (he owns its action), not in bob's
    Action.objects.filter(objective__plan__client=mine).update(owner=carl)
    programme_ids = _programme_rows(mine, carl, dana, sam)
    sessions = {user: _session(user) for user in (None, alice, dana, sam, carl)}
    feed = CalendarFeed.objects.create(user=alice)
    rate = ExchangeRate.objects.create(
        currency="USD", period="day", date=dt.date(2026, 3, 2), rate=Decimal("1.08")
    )
    return {
        persona: {
            "session": sessions[user],
            "ids": {
                "client_id": company.pk,
                "contact_id": contacts[company.pk].pk,
                "import_id": ledger_import.pk,
                "rate_id": rate.pk,
                "year": 2026,
                "code": "fit",
                "criterion_id": criteria["fit"].pk,
                "token": feed.token,
                **programme_ids,
                **plans[company.pk],
            },
        }
        for persona, (user, company) in personas.items()
    }


def _plan(company, director) -> dict[str, int]:
    """A plan of ``company`` with one of everything a plan holds; the ids the routes take."""
    make_key_account(company, year=2026, by=director)
    plan: Any = PlanFactory(client=company, created_by=director)
    objective = ObjectiveFactory(plan=plan)
    stakeholder = StakeholderFactory(plan=plan)  # not ``contact``, which a route deletes
    cadence = CadenceFactory(plan=plan)
    meeting = MeetingFactory(plan=plan, cadence=cadence)
    snapshot = plan_snapshot(plan)
    snapshot["objectives"][0]["title"] = "Q1 target"  # the draft changed it since
    version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        approved_by=director,
        approved_at=timezone.now(),
        submitted_by=director,
        snapshot=snapshot,
    )
    returned = PlanSubmission.objects.create(
        plan=plan,
        submitted_by=director,
        submitted_at=timezone.now(),
        decision=PlanSubmission.Decision.RETURNED,
        decided_by=director,
        decided_at=timezone.now(),
    )
    comment = ReviewComment.objects.create(
        submission=returned, section=ReviewComment.Section.SWOT, text="Matrix", author=director
    )
    made: dict[str, Any] = {
        "plan_id": plan,
        "swot_id": SwotItemFactory(plan=plan),
        "objective_id": objective,
        "kpi_id": KpiFactory(objective=objective),
        "action_id": ActionFactory(objective=objective),
        "offer_id": OfferFactory(plan=plan),
        "offering_id": OfferingFactory(name="Matrix offering"),
        "stakeholder_id": stakeholder,
        "pair_id": CounterpartPairFactory(plan=plan, stakeholder=stakeholder),
        "cadence_id": cadence,
        "meeting_id": meeting,
        "decision_id": MeetingDecisionFactory(meeting=meeting),
        "ask_id": SponsorAskFactory(plan=plan),
        "negotiation_id": YearEndNegotiationFactory(client=company, created_by=director),
        "practice_id": PracticeFactory(author=company.kam, source_plan=plan),
        "reuse_id": PracticeReuseFactory(plan=plan),
        "comment_id": comment,
        "project_id": make_project(plan),
        "session_id": SteeringSessionFactory(created_by=director),
    }
    made["report_id"] = Report.objects.create(
        kind=Report.Kind.PLAN_VERSION,
        plan=plan,
        version=version,
        language="en",
        branding_revision=1,
        status=Report.Status.READY,
        file=ContentFile(b"%PDF-1.7 matrix", name="matrix.pdf"),
        size=15,
        requested_by=director,
        requested_at=timezone.now(),
    )
    return {"number": version.number, **{name: row.pk for name, row in made.items()}}


def _programme_rows(company, contributor, director, sponsor) -> dict[str, int]:
    """The advisory committee's rows and a recognition: programme-wide, one of each."""
    member = AdvisoryMemberFactory(contact=ContactFactory(client=company, last_name="Conseil"))
    meeting = AdvisoryMeetingFactory(created_by=director)
    made: dict[str, Any] = {
        "member_id": member,
        "advisory_meeting_id": meeting,
        "topic_id": AdvisoryTopicFactory(meeting=meeting, raised_by=member),
        "recognition_id": RecognitionFactory(recipient=contributor, created_by=sponsor),
    }
    return {name: row.pk for name, row in made.items()}


def _session(user: User | None) -> str | None:
    """The key of a session logged in as ``user``, made once: the requests only send it."""
    if user is None:
        return None
    http = HttpClient()
    http.force_login(user)
    return http.cookies[settings.SESSION_COOKIE_NAME].value


def url_for(name: str, ids: dict[str, Any]) -> str:
    """The URL of route ``name``, its arguments taken from ``ids`` (client_id, year, …)."""
    pattern = next(
        pattern for _, full, _, pattern in _walk(get_resolver().url_patterns) if full == name
    )
    return reverse(name, kwargs={key: ids[key] for key in pattern.pattern.converters})


ETAG_FROM = {
    "api-planning:action_progress": "api-planning:action",
    "api-planning:project_spent": "api-planning:project",
}
"""Item writes whose ETag is read at another route (an action's progress: the action's, a
project's spending: the project's)."""


def _request(name: str, method: str, persona: dict[str, Any]):
    http = HttpClient()
    if persona["session"] is not None:
        http.cookies[settings.SESSION_COOKIE_NAME] = persona["session"]
    url = url_for(name, persona["ids"])
    body = BODIES.get((name, method), lambda ids: {})(persona["ids"])
    if method == "GET":
        return http.get(url)
    if name.startswith("api-") and (name, method) not in MULTIPART:
        # an item's write names the version read (If-Match: its ETag), as a client does
        read = url_for(ETAG_FROM.get(name, name), persona["ids"])
        etag = http.get(read).get("ETag") if method in ("PUT", "PATCH", "DELETE") else None
        headers = {"If-Match": etag} if etag else {}
        return http.generic(
            method, url, json.dumps(body), content_type="application/json", headers=headers
        )
    if method == "POST":
        return http.post(url, body)
    return http.generic(method, url)


def _outcome(response) -> object:
    """What the answer means for access, in the table's words."""
    status = response.status_code
    location = response.get("Location", "")
    if status == 302 and location.startswith(reverse("login") + "?next="):
        return LOGIN
    if status == 302 and location.startswith(reverse("admin:login") + "?next="):
        return ADMIN_LOGIN
    if status == 403 and not _gives_a_reason(response):
        return "403 without a translated reason"
    return status


def _gives_a_reason(response) -> bool:
    with translation.override(response.get("Content-Language", "en")):
        reasons = {str(reason) for reason in permissions.REFUSALS.values()}
    if response.get("Content-Type", "").startswith("application/json"):
        return json.loads(response.content).get("detail") in reasons
    text = html.unescape(response.content.decode())
    return any(reason in text for reason in reasons)


def _row_id(key: tuple[str, str]) -> str:
    return f"{key[1]} {key[0]}"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(key, marks=pytest.mark.xfail(reason=PENDING[key], strict=True))
        if key in PENDING
        else key
        for key in ACCESS
    ],
    ids=_row_id,
)
def test_route_answers_each_persona_as_declared(key, cast, db):
    name, method = key
    expected = ACCESS[key]
    seen: Outcomes = {}
    asked: dict[tuple[str | None, str, str], object] = {}  # the same request: asked once
    for persona in PERSONAS:
        ids = cast[persona]["ids"]
        body = json.dumps(BODIES.get(key, lambda ids: {})(ids), sort_keys=True)
        same = (cast[persona]["session"], url_for(name, ids), body)
        if same in asked:
            seen[persona] = asked[same]
            continue
        with transaction.atomic():
            response = _request(name, method, cast[persona])
            if response.streaming:  # a file (the rejects): read to the end, which closes it
                b"".join(response.streaming_content)
            seen[persona] = asked[same] = _outcome(response)
            transaction.set_rollback(True)
    assert seen == expected
