"""The home page: what each role has to do today (``planning.selectors.home``)."""

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kam.types import AuthedRequest
from planning.selectors import home as selectors
from planning.selectors import sponsorship as sponsorship_selectors


@login_required
@require_http_methods(["GET"])
def home(request: AuthedRequest) -> TemplateResponse:
    today = timezone.localdate()
    context = {"home": selectors.home_for(user=request.user, today=today), "today": today}
    context["sponsorship"] = sponsorship_selectors.sponsorship_home(user=request.user, today=today)
    return TemplateResponse(request, "planning/home.html", context)
