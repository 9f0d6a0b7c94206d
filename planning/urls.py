from django.urls import path

from planning.views import meetings, people, plans

app_name = "planning"

urlpatterns = [
    # --- plans ---
    path("", plans.plan_list, name="plan_list"),
    path("open/", plans.plan_open, name="plan_open"),
    path("<int:plan_id>/", plans.plan_detail, name="plan_detail"),
    #
    # --- sections: vision, SWOT, objectives, KPIs, actions, offers, offerings ---
    #
    #
    #
    # --- people: stakeholders, relationship map, counterparts ---
    path("<int:plan_id>/people/", people.plan_people, name="plan_people"),
    #
    #
    # --- cadences, meetings, decisions, calendar ---
    path("<int:plan_id>/meetings/", meetings.plan_meetings, name="plan_meetings"),
    #
    #
]
