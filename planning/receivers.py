"""Receivers of the signals the apps below send: each calls one planning service, as a task
would, and holds no logic of its own. Connected in ``PlanningConfig.ready()``."""

from typing import Any

from planning.services import plans


def plans_follow_kam(*, client_id: int, **kwargs: Any) -> None:
    """A client changed KAM: its running plans change hands, and who held them is recorded."""
    plans.plan_owner_follow_client(client_id=client_id)
