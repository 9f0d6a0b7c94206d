from django.urls import path

from planning.api import (
    approval,
    history,
    meetings,
    objectives,
    offers,
    people,
    plans,
    practices,
    projects,
    reports,
    results,
    sections,
    sponsorship,
)

app_name = "api-planning"

urlpatterns = [
    # --- plans ---
    path("plans/", plans.PlanCollectionApi.as_view(), name="plans"),
    path("plans/<int:plan_id>/", sections.PlanRoute.as_view(), name="plan"),  # GET, PATCH vision
    path("plans/<int:plan_id>/history/", history.PlanHistoryApi.as_view(), name="plan_history"),
    #
    # --- sections: vision, SWOT, objectives, KPIs, actions, offers, offerings ---
    path("plans/<int:plan_id>/swot/", sections.SwotItemCollectionApi.as_view(), name="swot_items"),
    path("swot/<int:swot_id>/", sections.SwotItemApi.as_view(), name="swot_item"),
    path("swot/<int:swot_id>/move/", sections.SwotItemMoveApi.as_view(), name="swot_item_move"),
    path(
        "plans/<int:plan_id>/objectives/",
        objectives.ObjectiveCollectionApi.as_view(),
        name="objectives",
    ),
    path("objectives/<int:objective_id>/", objectives.ObjectiveApi.as_view(), name="objective"),
    path(
        "objectives/<int:objective_id>/move/",
        objectives.ObjectiveMoveApi.as_view(),
        name="objective_move",
    ),
    path("objectives/<int:objective_id>/kpis/", objectives.KpiCreateApi.as_view(), name="kpis"),
    path("kpis/<int:kpi_id>/", objectives.KpiApi.as_view(), name="kpi"),
    path(
        "objectives/<int:objective_id>/actions/",
        objectives.ActionCreateApi.as_view(),
        name="actions",
    ),
    path("actions/<int:action_id>/", objectives.ActionApi.as_view(), name="action"),
    path(
        "actions/<int:action_id>/progress/",
        objectives.ActionProgressApi.as_view(),
        name="action_progress",
    ),
    path("plans/<int:plan_id>/offers/", offers.OfferCollectionApi.as_view(), name="offers"),
    path("offers/<int:offer_id>/", offers.OfferApi.as_view(), name="offer"),
    path("offerings/", offers.OfferingCollectionApi.as_view(), name="offerings"),
    path("offerings/<int:offering_id>/", offers.OfferingUpdateApi.as_view(), name="offering"),
    #
    # --- people: stakeholders, counterparts ---
    path(
        "plans/<int:plan_id>/stakeholders/",
        people.StakeholderCollectionApi.as_view(),
        name="stakeholders",
    ),
    path(
        "stakeholders/<int:stakeholder_id>/",
        people.StakeholderDetailApi.as_view(),
        name="stakeholder",
    ),
    path(
        "plans/<int:plan_id>/counterparts/",
        people.PairCollectionApi.as_view(),
        name="counterparts",
    ),
    path("counterparts/<int:pair_id>/", people.PairDetailApi.as_view(), name="counterpart"),
    #
    #
    # --- cadences, meetings, decisions ---
    path("plans/<int:plan_id>/cadences/", meetings.CadenceCollectionApi.as_view(), name="cadences"),
    path("cadences/<int:cadence_id>/", meetings.CadenceDetailApi.as_view(), name="cadence"),
    path("plans/<int:plan_id>/meetings/", meetings.MeetingCollectionApi.as_view(), name="meetings"),
    path("meetings/<int:meeting_id>/", meetings.MeetingDetailApi.as_view(), name="meeting"),
    path(
        "decisions/<int:decision_id>/action/",
        meetings.DecisionActionApi.as_view(),
        name="decision_action",
    ),
    path("compliance/", meetings.ComplianceApi.as_view(), name="compliance"),
    #
    # --- the programme's results ---
    path(
        "results/<int:year>/",
        results.ProgrammeResultsApi.as_view(),
        name="programme_results",
    ),
    # --- investment projects and the steering committee ---
    path(
        "plans/<int:plan_id>/projects/",
        projects.ProjectCollectionApi.as_view(),
        name="projects",
    ),
    path("projects/<int:project_id>/", projects.ProjectApi.as_view(), name="project"),
    path(
        "projects/<int:project_id>/spent/",
        projects.ProjectSpentApi.as_view(),
        name="project_spent",
    ),
    path("steering/", projects.SessionCollectionApi.as_view(), name="steering_sessions"),
    path(
        "steering/<int:session_id>/",
        projects.SessionBoardApi.as_view(),
        name="steering_session",
    ),
    path(
        "steering/<int:session_id>/hold/",
        projects.SessionHoldApi.as_view(),
        name="steering_hold",
    ),
    path(
        "steering/<int:session_id>/decisions/",
        projects.DecisionCollectionApi.as_view(),
        name="steering_decisions",
    ),
    path("investments/", projects.InvestmentViewApi.as_view(), name="investments"),
    #
    # --- approval: submit, approve, return with comments; versions and their diff ---
    path("plans/<int:plan_id>/submit/", approval.PlanSubmitApi.as_view(), name="plan_submit"),
    path("plans/<int:plan_id>/approve/", approval.PlanApproveApi.as_view(), name="plan_approve"),
    path("plans/<int:plan_id>/return/", approval.PlanReturnApi.as_view(), name="plan_return"),
    path(
        "plans/<int:plan_id>/submissions/",
        approval.PlanSubmissionListApi.as_view(),
        name="plan_submissions",
    ),
    path(
        "review-comments/<int:comment_id>/resolve/",
        approval.CommentResolveApi.as_view(),
        name="review_comment_resolve",
    ),
    path(
        "plans/<int:plan_id>/versions/", approval.PlanVersionListApi.as_view(), name="plan_versions"
    ),
    path(
        "plans/<int:plan_id>/versions/<int:number>/",
        approval.PlanVersionRoute.as_view(),
        name="plan_version",
    ),
    path("plans/<int:plan_id>/diff/", approval.PlanDiffApi.as_view(), name="plan_diff"),
    #
    # --- executive sponsorship ---
    path("plans/<int:plan_id>/asks/", sponsorship.AskCollectionApi.as_view(), name="asks"),
    path("asks/<int:ask_id>/", sponsorship.AskApi.as_view(), name="ask"),
    path("asks/<int:ask_id>/answer/", sponsorship.AskAnswerApi.as_view(), name="ask_answer"),
    path(
        "clients/<int:client_id>/negotiations/",
        sponsorship.NegotiationCollectionApi.as_view(),
        name="negotiations",
    ),
    path(
        "negotiations/<int:negotiation_id>/",
        sponsorship.NegotiationApi.as_view(),
        name="negotiation",
    ),
    path(
        "committee/members/",
        sponsorship.MemberCollectionApi.as_view(),
        name="advisory_members",
    ),
    path(
        "committee/members/<int:member_id>/",
        sponsorship.MemberRemoveApi.as_view(),
        name="advisory_member",
    ),
    path(
        "committee/meetings/",
        sponsorship.MeetingCollectionApi.as_view(),
        name="advisory_meetings",
    ),
    path(
        "committee/meetings/<int:advisory_meeting_id>/",
        sponsorship.MeetingApi.as_view(),
        name="advisory_meeting",
    ),
    path(
        "committee/meetings/<int:advisory_meeting_id>/topics/",
        sponsorship.TopicCreateApi.as_view(),
        name="advisory_topics",
    ),
    path(
        "committee/topics/<int:topic_id>/",
        sponsorship.TopicApi.as_view(),
        name="advisory_topic",
    ),
    path("recognitions/", sponsorship.RecognitionCollectionApi.as_view(), name="recognitions"),
    path(
        "recognitions/<int:recognition_id>/",
        sponsorship.RecognitionApi.as_view(),
        name="recognition",
    ),
    #
    # --- good practices ---
    path("practices/", practices.PracticeCollectionApi.as_view(), name="practices"),
    path("practices/<int:practice_id>/", practices.PracticeApi.as_view(), name="practice"),
    path(
        "plans/<int:plan_id>/practices/",
        practices.ReuseCollectionApi.as_view(),
        name="practice_reuses",
    ),
    path(
        "practice-reuses/<int:reuse_id>/",
        practices.ReuseRemoveApi.as_view(),
        name="practice_reuse",
    ),
    # --- stored reports: plans' PDFs, the shortlist report, the year's zip ---
    path("plans/<int:plan_id>/pdf/", reports.PlanPdfRequestApi.as_view(), name="plan_pdf_request"),
    path(
        "programmes/<int:year>/shortlist-report/",
        reports.ShortlistReportRequestApi.as_view(),
        name="shortlist_report_request",
    ),
    path(
        "programmes/<int:year>/plans-zip/",
        reports.PlansZipRequestApi.as_view(),
        name="plans_zip_request",
    ),
    path("reports/<int:report_id>/", reports.ReportApi.as_view(), name="report"),
    path("reports/<int:report_id>/file/", reports.ReportFileApi.as_view(), name="report_file"),
]
