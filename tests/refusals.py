"""What a refused user reads: the 403 page, or the API's 403, with the capability's reason."""

import html
import json
from collections.abc import Callable

from django.http import HttpResponse
from django.utils import translation

from kam import permissions


def assert_refused(response: HttpResponse, capability: Callable[..., bool]) -> None:
    """``response`` is a 403 giving the reason ``capability`` refuses with, in the response's
    language (a page's text or an API's ``detail``)."""
    assert response.status_code == 403, response.status_code
    with translation.override(response.get("Content-Language", "en")):
        reason = permissions.refusal(capability)
    if response.get("Content-Type", "").startswith("application/json"):
        assert json.loads(response.content)["detail"] == reason
    else:
        assert reason in html.unescape(response.content.decode())
