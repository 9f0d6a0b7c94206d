"""scoring/receivers.py: what scoring does when the apps below announce something."""

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.base import ContentFile

from accounts.models import LedgerImport
from accounts.services import imports as import_services
from accounts.signals import ledger_imported
from scoring.services import runs

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """The recompute tasks enqueued, instead of sending them to the broker."""
    queued: list[dict] = []
    monkeypatch.setattr(
        runs.scores_recompute_task, "apply_async", lambda **options: queued.append(options)
    )
    cache.delete(runs.RECOMPUTE_PENDING_KEY)
    yield queued
    cache.delete(runs.RECOMPUTE_PENDING_KEY)


def test_a_ledger_imported_asks_for_a_recompute_once_committed(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ledger_imported.send(sender=LedgerImport, ledger_import_id=1, client_ids=[1, 2])
        assert sent == []  # the request waits for the commit
    assert sent == [{"kwargs": {"trigger": "import"}, "countdown": runs.RECOMPUTE_DELAY}]


def test_a_ledger_import_run_asks_for_one_recompute(sent, dana, django_capture_on_commit_callbacks):
    text = "Customer;Date;Amount\nA;2024-01-05;100\nB;2024-02-05;50\n"
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(text.encode(), name="import.csv")
    )
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )  # its task is queued on a commit that never comes in this test
    with django_capture_on_commit_callbacks(execute=True):
        import_services.ledger_import_run(import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.DONE
    assert sent == [{"kwargs": {"trigger": "import"}, "countdown": runs.RECOMPUTE_DELAY}]


def test_scoring_connects_its_import_receiver_once():
    connected = len(ledger_imported.receivers)
    apps.get_app_config("scoring").ready()  # as a second start-up would
    assert connected >= 1
    assert len(ledger_imported.receivers) == connected
