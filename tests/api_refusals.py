"""What the API tests share about refusals: a 403 that says why, in the caller's language."""

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import translation

from kam import permissions


def assert_refused(
    client: Client, method: str, url: str, capability: Callable[..., bool], **kwargs: Any
) -> None:
    """``client`` asks ``method url`` twice, in English then in French: both are a 403 giving
    ``capability``'s reason in the caller's language, and the French is not the English."""
    answers = {}
    for language in ("en", "fr"):
        client.cookies["django_language"] = language
        response = getattr(client, method)(url, content_type="application/json", **kwargs)
        assert response.status_code == 403, (language, response.content)
        answers[language] = response.json()["detail"]
        with translation.override(language):
            assert answers[language] == permissions.refusal(capability)
    client.cookies["django_language"] = "en"
    assert answers["fr"] != answers["en"]
