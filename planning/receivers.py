"""Receivers of the signals the apps below send: each calls one planning service, as a task
would, and holds no logic of its own. Connected in ``PlanningConfig.ready()``."""

from typing import Any

from planning.models import Report
from planning.services import plans, reports


def plans_follow_kam(*, client_id: int, **kwargs: Any) -> None:
    """A client changed KAM: its running plans change hands, and who held them is recorded."""
    plans.plan_owner_follow_client(client_id=client_id)


def report_file_follows_row(*, instance: Report, **kwargs: Any) -> None:
    """A report's row was deleted (by itself, or with its plan or programme year): its file
    goes too, once the deletion commits."""
    reports.report_file_drop(name=instance.file.name or "")
