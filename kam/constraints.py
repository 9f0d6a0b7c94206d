"""A check constraint whose violation is an error of one field.

Django reports a ``CheckConstraint`` broken in ``full_clean()`` as an error of the whole row;
a row rule about one field (a threshold, a rationale) reads better next to that field, where
forms and the API show field errors. The rule stays a database constraint all the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models


class FieldCheckConstraint(models.CheckConstraint):
    """``CheckConstraint(condition=..., name=..., violation_error_message=...)`` whose message is
    reported as an error of ``field``."""

    non_db_attrs = (*models.CheckConstraint.non_db_attrs, "field")

    def __init__(self, *, field: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field = field

    def validate(
        self, model: Any, instance: Any, exclude: Any = None, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            raise ValidationError({self.field: error.error_list}) from None

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "field": self.field}

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FieldCheckConstraint)
            and self.field == other.field
            and super().__eq__(other)
        )
