from django.urls import path

from planning.views import (
    approval,
    history,
    meetings,
    people,
    plans,
    practices,
    projects,
    reports,
    results,
    sections,
    sponsorship,
)

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
    # --- executive sponsorship: asks of the sponsor, negotiations, committee, recognitions ---
    path("<int:plan_id>/asks/add/", sponsorship.ask_add, name="ask_add"),
    path("asks/<int:ask_id>/edit/", sponsorship.ask_edit, name="ask_edit"),
    path("asks/<int:ask_id>/delete/", sponsorship.ask_delete, name="ask_delete"),
    path("asks/<int:ask_id>/answer/", sponsorship.ask_answer, name="ask_answer"),
    path(
        "accounts/<int:client_id>/negotiations/",
        sponsorship.negotiation_list,
        name="negotiation_list",
    ),
    path(
        "accounts/<int:client_id>/negotiations/add/",
        sponsorship.negotiation_add,
        name="negotiation_add",
    ),
    path(
        "negotiations/<int:negotiation_id>/edit/",
        sponsorship.negotiation_edit,
        name="negotiation_edit",
    ),
    path(
        "negotiations/<int:negotiation_id>/delete/",
        sponsorship.negotiation_delete,
        name="negotiation_delete",
    ),
    path("committee/", sponsorship.advisory_committee, name="advisory_committee"),
    path("committee/members/add/", sponsorship.advisory_member_add, name="advisory_member_add"),
    path(
        "committee/members/<int:member_id>/remove/",
        sponsorship.advisory_member_remove,
        name="advisory_member_remove",
    ),
    path("committee/meetings/add/", sponsorship.advisory_meeting_add, name="advisory_meeting_add"),
    path(
        "committee/meetings/<int:advisory_meeting_id>/edit/",
        sponsorship.advisory_meeting_edit,
        name="advisory_meeting_edit",
    ),
    path(
        "committee/meetings/<int:advisory_meeting_id>/delete/",
        sponsorship.advisory_meeting_delete,
        name="advisory_meeting_delete",
    ),
    path(
        "committee/meetings/<int:advisory_meeting_id>/topics/add/",
        sponsorship.advisory_topic_add,
        name="advisory_topic_add",
    ),
    path(
        "committee/topics/<int:topic_id>/edit/",
        sponsorship.advisory_topic_edit,
        name="advisory_topic_edit",
    ),
    path(
        "committee/topics/<int:topic_id>/delete/",
        sponsorship.advisory_topic_delete,
        name="advisory_topic_delete",
    ),
    path("recognitions/", sponsorship.recognition_list, name="recognition_list"),
    path("recognitions/add/", sponsorship.recognition_add, name="recognition_add"),
    path(
        "recognitions/<int:recognition_id>/edit/",
        sponsorship.recognition_edit,
        name="recognition_edit",
    ),
    path(
        "recognitions/<int:recognition_id>/delete/",
        sponsorship.recognition_delete,
        name="recognition_delete",
    ),
    #
    # --- good practices ---
    path("practices/", practices.practice_list, name="practice_list"),
    path("practices/add/", practices.practice_add, name="practice_add"),
    path("practices/<int:practice_id>/", practices.practice_detail, name="practice_detail"),
    path("practices/<int:practice_id>/edit/", practices.practice_edit, name="practice_edit"),
    path("practices/<int:practice_id>/delete/", practices.practice_delete, name="practice_delete"),
    path("<int:plan_id>/practices/add/", practices.practice_reuse_add, name="practice_reuse_add"),
    path(
        "practice-reuses/<int:reuse_id>/remove/",
        practices.practice_reuse_remove,
        name="practice_reuse_remove",
    ),
    # --- approval: submit, approve, return with comments; versions and their diff ---
    path("<int:plan_id>/submit/", approval.plan_submit, name="plan_submit"),
    path("<int:plan_id>/approve/", approval.plan_approve, name="plan_approve"),
    path("<int:plan_id>/return/", approval.plan_return, name="plan_return"),
    path(
        "review-comments/<int:comment_id>/resolve/",
        approval.review_comment_resolve,
        name="review_comment_resolve",
    ),
    path("<int:plan_id>/versions/", approval.plan_versions, name="plan_versions"),
    path("<int:plan_id>/versions/compare/", approval.plan_version_diff, name="plan_version_diff"),
    # --- investment projects and the steering committee ---
    path("<int:plan_id>/projects/", projects.plan_projects, name="plan_projects"),
    path("<int:plan_id>/projects/add/", projects.project_add, name="project_add"),
    path("projects/<int:project_id>/", projects.project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", projects.project_edit, name="project_edit"),
    path("projects/<int:project_id>/spent/", projects.project_spent, name="project_spent"),
    path("investments/", projects.investment_years, name="investment_years"),
    path("steering/", projects.steering_list, name="steering_list"),
    path("steering/add/", projects.steering_add, name="steering_add"),
    path("steering/<int:session_id>/", projects.steering_detail, name="steering_detail"),
    path(
        "steering/<int:session_id>/projects/<int:project_id>/decide/",
        projects.steering_decide,
        name="steering_decide",
    ),
    path("steering/<int:session_id>/hold/", projects.steering_hold, name="steering_hold"),
    #
    # --- stored reports: plans' PDFs, the shortlist report, the year's zip ---
    path("<int:plan_id>/pdf/", reports.plan_pdf_request, name="plan_pdf_request"),
    path("programme/<int:year>/reports/", reports.programme_reports, name="programme_reports"),
    path(
        "programme/<int:year>/shortlist-report/",
        reports.shortlist_report_request,
        name="shortlist_report_request",
    ),
    path("programme/<int:year>/plans-zip/", reports.plans_zip_request, name="plans_zip_request"),
    path("reports/<int:report_id>/", reports.report_status, name="report_status"),
    path("reports/<int:report_id>/download/", reports.report_download, name="report_download"),
]
