"""Receivers of the signals the apps below send: each calls one scoring service, as a task
would, and holds no logic of its own. Connected in ``ScoringConfig.ready()``."""

from typing import Any

from scoring.models import ScoringRun
from scoring.services import runs


def recompute_after_import(*, client_ids: list[int], **kwargs: Any) -> None:
    """A ledger was imported: its figures change the ledger criteria, so ask for new scores."""
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.IMPORT)


def recompute_after_conversion(*, client_ids: list[int], **kwargs: Any) -> None:
    """Exchange rates changed the ledger's figures in the company's currency: new scores."""
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.IMPORT)
