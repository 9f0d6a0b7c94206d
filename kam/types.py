from django.http import HttpRequest

from accounts.models import User


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is one of ours."""

    user: User
