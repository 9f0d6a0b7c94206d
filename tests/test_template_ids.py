"""Ids that templates write (element ids, links' query strings, data attributes) are written as
plain digits: with ``USE_THOUSAND_SEPARATOR`` on, ``{{ row.pk }}`` writes ``1,205`` or
``1 205`` once ids pass 999, which breaks the link or the form it names."""

import re
from pathlib import Path

from django.conf import settings

# An object's id or a foreign key's, written as it is (no filter such as |unlocalize).
BARE_ID = re.compile(r"\{\{\s*[\w.]+\.(?:pk|\w*(?<!external)(?<!auto)_id)\s*\}\}")


def test_templates_write_ids_without_localizing_them():
    root = Path(settings.BASE_DIR) / "templates"
    written = [
        f"{path.relative_to(root)}:{number}: {match.group()}"
        for path in sorted(root.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in BARE_ID.finditer(line)
    ]
    assert written == []


def test_the_check_finds_a_bare_id():
    assert BARE_ID.search('<a href="?cadence={{ cadence.pk }}">')
    assert BARE_ID.search('data-client="{{ row.client_id }}"')
    assert not BARE_ID.search('href="?cadence={{ cadence.pk|unlocalize }}"')
    assert not BARE_ID.search("{{ client.external_id }} {{ form.name.auto_id }}")
