"""The real public sample ledgers, imported then ranked with the default criteria, end to end."""

import pytest
from django.db.models import Max

from accounts.models import ClientYearMetric, LedgerImport
from accounts.services import imports as import_services
from scoring.models import ClientScore, CriterionScore, ScoringRun
from scoring.services import runs

pytestmark = pytest.mark.django_db

FILES = ["superstore.csv", "superstore_eu.csv", "sales_data_sample.csv"]


@pytest.mark.parametrize("name", FILES)
def test_real_ledger_is_ranked_end_to_end(dana, sample_data, name):
    ledger_import = import_services.ledger_import_from_path(path=sample_data / name, user=dana)
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error

    run = runs.scores_recompute(trigger=ScoringRun.Trigger.IMPORT)

    assert run is not None
    assert run.status == ScoringRun.Status.DONE, run.error
    customers = ClientYearMetric.objects.values("client").distinct().count()
    assert run.client_count == customers > 5
    scores = list(ClientScore.objects.filter(run=run).order_by("rank"))
    assert [score.rank for score in scores] == list(range(1, customers + 1))
    assert all(0 <= score.total <= 100 for score in scores)
    assert [score.total for score in scores] == sorted((s.total for s in scores), reverse=True)
    # Nobody is rated yet: the rated families score nothing, and say so.
    assert all(score.strategic == score.maturity == 0 for score in scores)
    assert all(score.coverage <= 50 + 1e-9 for score in scores)
    unrated = CriterionScore.objects.filter(run=run, criterion__family="strategic")
    assert unrated.filter(missing=False).count() == 0
    assert unrated.first().source_note == "not rated yet"
    # Revenue reads each client's latest year, and the biggest of those scores in full.
    latest = {
        row["client"]: row["year"]
        for row in ClientYearMetric.objects.values("client").annotate(year=Max("year"))
    }
    revenue = {
        (metric.client_id, metric.year): float(metric.revenue)
        for metric in ClientYearMetric.objects.all()
    }
    rows = list(CriterionScore.objects.filter(run=run, criterion__code="revenue"))
    assert len(rows) == customers
    for row in rows:
        assert row.raw == pytest.approx(revenue[row.client_id, latest[row.client_id]])
        assert str(latest[row.client_id]) in row.source_note
    biggest = max(rows, key=lambda row: row.raw)
    assert biggest.normalised == pytest.approx(1.0)
    assert all(0 <= score.stability <= 1 for score in scores)
    assert sum(score.stability > 0 for score in scores) >= 5
