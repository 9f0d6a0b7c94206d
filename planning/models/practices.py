"""Good practices that spread: what worked on a key account, written so that other accounts can
reuse it (its context, what worked, the evidence, tags), found by full-text search in French and
English, and recorded as reused by plans.

The search vector is a column PostgreSQL generates from the text (``search``), indexed with
GIN. It holds each text twice, under the ``kam_french`` and ``kam_english`` text search
configurations (the built-in French and English stemmers after ``unaccent``, made by the
migration), so that a query in either language finds a practice written in either, with or
without its accents: ``négociation``, ``negociations`` and ``Négociations`` are one word. The
title and tags weigh most, then the context and what worked, then the evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam import history
from kam.constraints import FieldCheckConstraint
from planning.models.plans import Meeting, Plan
from planning.models.projects import InvestmentProject

SEARCH_CONFIGS = ("kam_french", "kam_english")
"""The text search configurations a practice is indexed and searched under (the migration
``0002`` makes them)."""


class TagsText(Func):
    """The tags as one text, for the search vector (``kam_tags_text``, an immutable wrapper of
    ``array_to_string`` made by the migration: a generated column takes immutable functions
    only)."""

    function = "kam_tags_text"
    output_field = models.TextField()


def _vector() -> SearchVector:
    parts = (
        (("title", TagsText("tags")), "A"),
        (("context", "what_worked"), "B"),
        (("evidence",), "C"),
    )
    vectors = [
        SearchVector(*fields, config=config, weight=weight)
        for fields, weight in parts
        for config in SEARCH_CONFIGS
    ]
    combined = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector  # type: ignore[assignment]
    return combined


class Practice(models.Model):
    """A good practice captured from a plan, one of its meetings or one of its investment
    projects (``source_plan`` is then that plan): browsable and searchable by everyone
    in the programme, so that what works on one key account spreads to other clients."""

    title = models.CharField(_("title"), max_length=200)
    context = models.TextField(_("context"), help_text=_("The account's situation, the problem."))
    what_worked = models.TextField(_("what worked"))
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("Figures or facts that show it worked.")
    )
    tags = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("tags"),
        default=list,
        blank=True,
        help_text=_("Separated by commas."),
    )
    source_plan = models.ForeignKey(
        Plan,
        verbose_name=_("from the plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices_captured",
    )
    source_meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("from the meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices_captured",
    )
    source_project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("from the investment project"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices_captured",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="practices",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search = models.GeneratedField(
        expression=_vector(),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            GinIndex(fields=["search"], name="practice_search_gin"),
            GinIndex(fields=["tags"], name="practice_tags_gin"),
        ]
        constraints = [
            FieldCheckConstraint(
                field="title",
                condition=~Q(title=""),
                name="practice_has_a_title",
                violation_error_message=_("Give the practice a title."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:practice_detail", args=[self.pk])


@history.track(plan="plan", name="note")
class PracticeReuse(models.Model):
    """A plan saying "we reuse practice X", and how."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="practice_reuses"
    )
    practice = models.ForeignKey(
        Practice, verbose_name=_("practice"), on_delete=models.CASCADE, related_name="reuses"
    )
    note = models.CharField(_("how we reuse it"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("practice reused")
        verbose_name_plural = _("practices reused")
        ordering = ["plan", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "practice"],
                name="one_reuse_per_plan_practice",
                violation_error_message=_("This plan already reuses this practice."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.practice_id}"
