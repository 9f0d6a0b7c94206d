from django.urls import path

from planning.views import history, meetings, people, plans, results, sections

app_name = "planning"

urlpatterns = [
    # --- plans ---
    path("", plans.plan_list, name="plan_list"),
    path("open/", plans.plan_open, name="plan_open"),
    path("<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("<int:plan_id>/history/", history.plan_history, name="plan_history"),
    #
    # --- the programme's results ---
    path("results/", results.programme_results, name="programme_results"),
    path("results/<int:year>.csv", results.programme_results_csv, name="programme_results_csv"),
    #
    # --- sections: vision, SWOT, objectives, KPIs, actions, offers, offerings ---
    path("<int:plan_id>/vision/", sections.plan_vision_edit, name="plan_vision_edit"),
    path("<int:plan_id>/swot/add/", sections.swot_item_add, name="swot_item_add"),
    path("swot/<int:swot_id>/edit/", sections.swot_item_edit, name="swot_item_edit"),
    path("swot/<int:swot_id>/delete/", sections.swot_item_delete, name="swot_item_delete"),
    path("swot/<int:swot_id>/move/", sections.swot_item_move, name="swot_item_move"),
    path("<int:plan_id>/objectives/add/", sections.objective_add, name="objective_add"),
    path("objectives/<int:objective_id>/edit/", sections.objective_edit, name="objective_edit"),
    path(
        "objectives/<int:objective_id>/delete/",
        sections.objective_delete,
        name="objective_delete",
    ),
    path("objectives/<int:objective_id>/move/", sections.objective_move, name="objective_move"),
    path("objectives/<int:objective_id>/kpis/add/", sections.kpi_add, name="kpi_add"),
    path("kpis/<int:kpi_id>/edit/", sections.kpi_edit, name="kpi_edit"),
    path("kpis/<int:kpi_id>/delete/", sections.kpi_delete, name="kpi_delete"),
    path("objectives/<int:objective_id>/actions/add/", sections.action_add, name="action_add"),
    path("actions/<int:action_id>/edit/", sections.action_edit, name="action_edit"),
    path("actions/<int:action_id>/progress/", sections.action_progress, name="action_progress"),
    path("actions/<int:action_id>/delete/", sections.action_delete, name="action_delete"),
    path("<int:plan_id>/offers/add/", sections.offer_add, name="offer_add"),
    path("offers/<int:offer_id>/edit/", sections.offer_edit, name="offer_edit"),
    path("offers/<int:offer_id>/delete/", sections.offer_delete, name="offer_delete"),
    path("offerings/", sections.offering_list, name="offering_list"),
    path("offerings/<int:offering_id>/edit/", sections.offering_edit, name="offering_edit"),
    #
    # --- people: stakeholders, relationship map, counterparts ---
    path("<int:plan_id>/people/", people.plan_people, name="plan_people"),
    path("<int:plan_id>/stakeholders/add/", people.stakeholder_add, name="stakeholder_add"),
    path(
        "<int:plan_id>/stakeholders/new-contact/",
        people.stakeholder_contact_add,
        name="stakeholder_contact_add",
    ),
    path(
        "stakeholders/<int:stakeholder_id>/edit/",
        people.stakeholder_edit,
        name="stakeholder_edit",
    ),
    path(
        "stakeholders/<int:stakeholder_id>/remove/",
        people.stakeholder_remove,
        name="stakeholder_remove",
    ),
    path("<int:plan_id>/counterparts/add/", people.counterpart_add, name="counterpart_add"),
    path("counterparts/<int:pair_id>/edit/", people.counterpart_edit, name="counterpart_edit"),
    path(
        "counterparts/<int:pair_id>/remove/",
        people.counterpart_remove,
        name="counterpart_remove",
    ),
    #
    # --- cadences, meetings, decisions, calendar ---
    path("<int:plan_id>/meetings/", meetings.plan_meetings, name="plan_meetings"),
    path("<int:plan_id>/cadences/add/", meetings.cadence_add, name="cadence_add"),
    path("cadences/<int:cadence_id>/edit/", meetings.cadence_edit, name="cadence_edit"),
    path("cadences/<int:cadence_id>/delete/", meetings.cadence_delete, name="cadence_delete"),
    path("<int:plan_id>/meetings/add/", meetings.meeting_add, name="meeting_add"),
    path("meetings/<int:meeting_id>/edit/", meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<int:meeting_id>/delete/", meetings.meeting_delete, name="meeting_delete"),
    path("decisions/<int:decision_id>/action/", meetings.decision_action, name="decision_action"),
    path("compliance/", meetings.cadence_compliance, name="cadence_compliance"),
    path("<int:plan_id>/calendar.ics", meetings.plan_calendar, name="plan_calendar"),
    path("calendar/", meetings.calendar_feed, name="calendar_feed"),
    path("calendar/renew/", meetings.calendar_feed_renew, name="calendar_feed_renew"),
    path("calendar/revoke/", meetings.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", meetings.calendar_feed_ics, name="calendar_feed_ics"),
    #
]
