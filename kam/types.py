from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is one of ours; ``htmx`` (from
    ``django_htmx``'s middleware) is true for a request htmx made."""

    user: User
    htmx: HtmxDetails
