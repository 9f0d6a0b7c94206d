"""The audit history: which rows are tracked, how, and who made each change.

Tracking is django-pghistory's: PostgreSQL triggers write an event row (a snapshot of the
tracked row) on every insert, update and delete, whoever writes it (a page, the API, a Celery
task, a management command, the shell, even raw SQL), so nothing escapes the history. Each model
whose changes matter to a plan is declared once, with ``@history.track`` on the model::

    @history.track(plan="objective__plan", name="title")
    class Action(models.Model): ...

- ``plan``: the lookup from the model to the plan its events belong to (``"plan"``, or through
  its parent: ``"objective__plan"``, ``"meeting__plan"``; ``""`` for the plan itself), or to its
  client (``"client"``, a row of a key account rather than of one plan: it shows in the history
  of the client's plans). The plan's history page finds every event through it, even those of
  deleted rows (the parents' own events keep which plan they were in).
- ``name``: the field (or fields) naming a row in words ("Action 'Launch pilot'").
- ``label``: how a row is named when another row's event speaks of it (a meeting: by its day,
  "12 Mar 2026"), from the row or from its last snapshot when it is gone.
- ``phrases``: an event said in one sentence rather than "<row> added" ("Alice Martin added
  to the meeting of 12 Mar 2026": a meeting's participant, a row of a many-to-many
  relation's own model), per action, with ``%(name)s`` the row's name and ``%(parent)s`` its
  parent's (the first step of ``plan``), named by the parent's ``label``.
- ``position`` and ``updated_at`` are not tracked: reordering is not an edit, and a save that
  changes nothing records nothing.

The event model is ``<Model>Event`` in the model's app (a migration creates it and its
triggers); ``history.TRACKED`` lists them, the admin shows them read-only, and the database
refuses to change or delete an event (append-only).

Who acted (the context of each event, ``pgh_context.metadata["user"]``):

- a request: ``pghistory.middleware.HistoryMiddleware`` records the logged-in user; an API call
  authenticated by DRF (Basic) is recorded too, as DRF sets ``request.user``;
- a Celery task: each task runs in a context naming it; a task acting for someone takes
  ``user_id=`` and the context names that user (``task_context_enter`` and
  ``task_context_exit`` below, connected to Celery's signals in ``kam.celery``);
- a command or the shell: ``with history.acting(user): services.objective_update(...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pghistory
from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

M = TypeVar("M", bound=type[models.Model])

UNTRACKED = ("position", "updated_at")
"""Fields no model tracks: reordering is not an edit; ``auto_now`` changes on every save."""


@dataclass(frozen=True)
class Tracked:
    """A tracked model, its event model, how to reach its plan and how to name a row."""

    model: type[models.Model]
    plan: str
    name: tuple[str, ...]
    verbs: Mapping[str, Any] = field(default_factory=dict)
    label_of: Callable[[Any], str] | None = None
    phrases: Mapping[str, Any] = field(default_factory=dict)

    @property
    def event_model(self) -> Any:
        """The event model pghistory made (``<Model>Event``), typed loosely as it is made."""
        return self.model.pgh_event_model  # type: ignore[attr-defined]

    @property
    def label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model.__name__}"


TRACKED: dict[type[models.Model], Tracked] = {}
"""Every tracked model, in the order they were declared."""


def track(
    *,
    plan: str,
    name: str | tuple[str, ...] = (),
    verbs: Mapping[str, Any] | None = None,
    label: Callable[[Any], str] | None = None,
    phrases: Mapping[str, Any] | None = None,
) -> Callable[[M], M]:
    """Track inserts, updates and deletes of the decorated model (see the module's doc).
    ``verbs`` says an event in other words than "added", "changed", "deleted": a row that
    records an act (a download) is ``{"insert": pgettext_lazy("history", "downloaded")}``.
    ``label`` names a row (or its snapshot) where another row's event names it; ``phrases``
    says an event in one sentence."""

    def decorator(model: M) -> M:
        field_names = {field.name for field in model._meta.fields}
        pghistory.track(
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            exclude=[name for name in UNTRACKED if name in field_names],
            append_only=True,
            meta={
                "verbose_name": format_lazy("{}: {}", model._meta.verbose_name, _("history event")),
                "verbose_name_plural": format_lazy(
                    "{}: {}", model._meta.verbose_name, _("history events")
                ),
            },
        )(model)
        TRACKED[model] = Tracked(
            model=model,
            plan=plan,
            name=(name,) if isinstance(name, str) else name,
            verbs=dict(verbs or {}),
            label_of=label,
            phrases=dict(phrases or {}),
        )
        return model

    return decorator


def tracked(label: str) -> Tracked | None:
    """The tracked model of label ``app.Model``, if it is tracked."""
    return next((entry for entry in TRACKED.values() if entry.label == label), None)


@contextmanager
def acting(user: Any) -> Iterator[None]:
    """Record ``user`` (a user or a user id) as who made the changes inside the block, outside
    a request (a command, the shell); inside one, the request's user already is."""
    user_id = getattr(user, "pk", user)
    with pghistory.context(user=user_id):  # inside another context, names its user
        yield


# --- Celery: each task runs in a context naming it (and the user it acts for) --------------------

_task_contexts: dict[str, pghistory.context] = {}


def task_context_enter(*, task_id: str, task: Any, kwargs: dict[str, Any] | None, **_: Any) -> None:
    """``task_prerun``: open the task's history context."""
    metadata: dict[str, Any] = {"task": task.name}
    if kwargs and kwargs.get("user_id") is not None:
        metadata["user"] = kwargs["user_id"]
    context = pghistory.context(**metadata)
    context.__enter__()
    _task_contexts[task_id] = context


def task_context_exit(*, task_id: str, **_: Any) -> None:
    """``task_postrun`` (after success or failure): close it."""
    context = _task_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
