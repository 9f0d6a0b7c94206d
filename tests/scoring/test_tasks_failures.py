"""A score recompute stopped at its soft time limit leaves a failed run saying why."""

from decimal import Decimal
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import translation

from scoring.models import ClientScore, ScoringRun
from scoring.services import runs
from scoring.tasks import scores_recompute_task
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.factories import small_model

pytestmark = pytest.mark.django_db


def test_a_recompute_stopped_at_its_time_limit_is_a_failed_run_with_a_translated_reason():
    small_model()
    for revenue in (100, 200):
        ClientYearMetricFactory(client=ClientFactory(), revenue=Decimal(revenue))

    with (
        mock.patch.object(runs, "_store", side_effect=SoftTimeLimitExceeded()),
        translation.override("fr"),
    ):
        run_id = scores_recompute_task.apply(kwargs={"trigger": "nightly"}).get()

    run = ScoringRun.objects.get(pk=run_id)
    assert run.status == ScoringRun.Status.FAILED
    assert run.error == "Le calcul a pris plus de temps que permis et a été arrêté."
    assert run.finished_at is not None
    assert not ClientScore.objects.exists()

    second = scores_recompute_task.apply(kwargs={"trigger": "nightly"}).get()  # time enough now
    assert ScoringRun.objects.get(pk=second).status == ScoringRun.Status.DONE
    assert ClientScore.objects.filter(run_id=second).count() == 2
