from django.urls import path

from planning.api import plans

app_name = "api-planning"

urlpatterns = [
    # --- plans ---
    path("plans/", plans.PlanCollectionApi.as_view(), name="plans"),
    path("plans/<int:plan_id>/", plans.PlanDetailApi.as_view(), name="plan"),
    #
    # --- sections: vision, SWOT, objectives, KPIs, actions, offers, offerings ---
    #
    #
    #
    # --- people: stakeholders, counterparts ---
    #
    #
    #
    # --- cadences, meetings, decisions ---
    #
    #
    #
]
