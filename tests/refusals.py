"""What a refused user reads: the 403 page, or the API's 403, with the capability's reason."""

import html
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.utils import translation

from kam import permissions


def assert_refused(response: HttpResponse, capability: Callable[..., bool]) -> None:
    """``response`` is a 403 giving the reason ``capability`` refuses with, in the response's
    language (a page's text or an API's ``detail``)."""
    assert response.status_code == 403, response.status_code
    language = response.get("Content-Language", "en")
    with translation.override(language):
        reason = permissions.refusal(capability)
    if language != "en":  # translated: not the English left as it was
        with translation.override("en"):
            assert reason != permissions.refusal(capability)
    if response.get("Content-Type", "").startswith("application/json"):
        assert json.loads(response.content)["detail"] == reason
    else:
        assert reason in html.unescape(response.content.decode())


def assert_refused_in_both_languages(
    client: Client, method: str, url: str, capability: Callable[..., bool], **kwargs: Any
) -> None:
    """``client`` calls the API (``method url``, JSON) in English then in French: each is a 403
    giving ``capability``'s reason in that language, and the French is not the English."""
    details = []
    for language in ("en", "fr"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = getattr(client, method)(url, content_type="application/json", **kwargs)
        assert response.get("Content-Language") == language
        assert_refused(response, capability)
        details.append(json.loads(response.content)["detail"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert details[0] != details[1]
