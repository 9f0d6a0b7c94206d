"""Languages: French by default, a switch to English and back, and a complete catalogue."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.services import imports as import_services

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def switch_language(client, code: str, next_url: str):
    return client.post(reverse("set_language"), {"language": code, "next": next_url})


def test_pages_are_in_french_by_default(client, alice):
    client.force_login(alice)
    response = client.get(reverse("accounts:client_list"))
    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()
    assert "Se déconnecter" in response.content.decode()


def test_language_switch_changes_the_page_language_and_returns_to_the_page(client, alice):
    client.force_login(alice)
    url = reverse("accounts:client_list")
    response = switch_language(client, "en", url)
    assert response.status_code == 302
    assert response["Location"] == url
    english = client.get(url).content.decode()
    assert '<html lang="en">' in english
    assert "Sign out" in english
    assert "Se déconnecter" not in english
    switch_language(client, "fr", url)
    french = client.get(url).content.decode()
    assert "Se déconnecter" in french
    assert "Sign out" not in french


def test_language_switch_is_on_the_login_page_too(client):
    response = client.get(reverse("login"))
    for code, _name in settings.LANGUAGES:
        assert f'name="language" value="{code}"' in response.content.decode()
    switch_language(client, "en", reverse("login"))
    assert "Sign in" in client.get(reverse("login")).content.decode()


def refusal(user, raw: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as refused:
        import_services.ledger_import_create(user=user, upload=ContentFile(raw, name=name))
    return " ".join(refused.value.messages)


@pytest.mark.parametrize(
    ("raw", "name"),
    [(b"%PDF-1.4 not a ledger", "ledger.pdf"), (b"Customer;Amount\n", "header-only.csv")],
)
def test_ledger_import_refusals_reach_french_users_in_french(client, dana, raw, name):
    with translation.override("en"):
        english = refusal(dana, raw, name)
    with translation.override("fr"):
        french = refusal(dana, raw, name)
    assert french != english
    client.force_login(dana)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile(name, raw), "currency": "EUR"},
    )
    assert escape(french) in response.content.decode()


def test_french_catalogue_is_complete_and_has_no_fuzzy_entry():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    messages = [message for message in catalogue if message.id]
    assert len(messages) > 100
    untranslated = [message.id for message in messages if not message.string]
    untranslated += [
        message.id
        for message in messages
        if isinstance(message.string, tuple) and not all(message.string)
    ]
    assert untranslated == []
    assert [message.id for message in messages if message.fuzzy] == []


def test_french_catalogue_is_compiled_with_every_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    with CATALOGUE.with_suffix(".mo").open("rb") as handle:
        compiled = read_mo(handle)
    assert entries(compiled) == entries(catalogue)


def entries(catalogue) -> dict:
    def key(value):
        if isinstance(value, bytes):  # babel reads compiled contexts as bytes
            return value.decode()
        return tuple(value) if isinstance(value, list | tuple) else value

    return {
        (key(message.id), key(message.context)): key(message.string)
        for message in catalogue
        if message.id
    }
