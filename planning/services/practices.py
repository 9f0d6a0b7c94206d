"""Writing good practices: anyone in the programme captures one (from a plan, a meeting or an
investment project they see, or from none), its author or a director changes or withdraws it,
and a plan's editors record that the plan reuses it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions
from planning.models import Plan, Practice, PracticeReuse
from planning.services import approval

PRACTICE_FIELDS = (
    "title", "context", "what_worked", "evidence", "tags", "source_plan", "source_meeting",
    "source_project",
)  # fmt: skip
TAG_LIMIT, TAG_LENGTH = 10, 40


def tags_clean(tags: Iterable[str] | str) -> list[str]:
    """Tags as stored: lower case, trimmed, each once, in the order given. A text is split at
    commas."""
    if isinstance(tags, str):
        tags = tags.split(",")
    result: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).split()).lower().lstrip("#")
        if tag and tag not in result:
            result.append(tag)
    too_long = [tag for tag in result if len(tag) > TAG_LENGTH]
    if too_long:
        raise ValidationError(
            {
                "tags": _("A tag has at most %(limit)d characters: %(tag)s.")
                % {"limit": TAG_LENGTH, "tag": too_long[0]}
            }
        )
    if len(result) > TAG_LIMIT:
        raise ValidationError({"tags": _("At most %(limit)d tags.") % {"limit": TAG_LIMIT}})
    return result


def _practice_save(practice: Practice) -> Practice:
    project = practice.source_project
    if project is not None:
        if practice.source_plan_id is None:
            practice.source_plan_id = project.plan_id
        elif project.plan_id != practice.source_plan_id:
            raise ValidationError(
                {
                    "source_project": _(
                        "This investment project is not one of the plan the practice comes from."
                    )
                }
            )
    meeting = practice.source_meeting
    if meeting is not None:
        if practice.source_plan_id is None:
            practice.source_plan_id = meeting.plan_id
        elif meeting.plan_id != practice.source_plan_id:
            raise ValidationError(
                {
                    "source_meeting": _(
                        "This meeting is not one of the plan the practice comes from."
                    )
                }
            )
    practice.tags = tags_clean(practice.tags)
    practice.full_clean(exclude=["search"])
    practice.save()
    return practice


@transaction.atomic
def practice_create(*, user: User, **values: Any) -> Practice:
    """Capture a good practice. The plan, meeting or investment project it comes from is one
    ``user`` sees (the caller looked it up among them); a meeting or a project names its plan."""
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Log in to share a practice."))
    unknown = set(values) - set(PRACTICE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    values = {k: v.strip() if isinstance(v, str) and k != "tags" else v for k, v in values.items()}
    return _practice_save(Practice(author=user, **values))


@transaction.atomic
def practice_update(*, user: User, practice: Practice, **values: Any) -> Practice:
    permissions.require(permissions.may_edit_practice, user, practice)
    unknown = set(values) - set(PRACTICE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(
            practice, name, value.strip() if isinstance(value, str) and name != "tags" else value
        )
    return _practice_save(practice)


@transaction.atomic
def practice_delete(*, user: User, practice: Practice) -> None:
    """Withdraw a practice; the plans that reused it no longer list it."""
    permissions.require(permissions.may_edit_practice, user, practice)
    practice.delete()


@transaction.atomic
def practice_reuse_add(
    *, user: User, plan: Plan, practice: Practice, note: str = ""
) -> PracticeReuse:
    """Record that ``plan`` reuses ``practice`` ("we reuse practice X"), and how."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)  # a section of the plan
    if practice.source_plan_id == plan.pk:
        raise ValidationError({"practice": _("This practice comes from this very plan.")})
    reuse = PracticeReuse(plan=plan, practice=practice, note=(note or "").strip(), created_by=user)
    reuse.full_clean()
    reuse.save()
    return reuse


@transaction.atomic
def practice_reuse_remove(*, user: User, reuse: PracticeReuse) -> None:
    permissions.require(permissions.may_edit_plan, user, reuse.plan)
    approval.plan_writable(plan=reuse.plan)  # a section of the plan
    reuse.delete()
