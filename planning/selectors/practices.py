"""Reads of good practices: everyone in the programme browses and searches them (that is how
what works spreads), but the plan or meeting a practice was captured from is named only to those
who see that plan.

Search is PostgreSQL's full text search over the generated, GIN-indexed ``Practice.search``
(``planning/models/practices.py``): the query is read as a web search (words, "quoted phrases",
``-excluded``) under the French and the English configurations at once, accents ignored; results
are ranked by ``ts_rank`` (title and tags weigh most) and their matching words highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
)
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from planning.models import Plan, Practice, PracticeReuse
from planning.models.practices import SEARCH_CONFIGS
from planning.selectors import plans as plan_selectors

PAGE_SIZE = 10
MARK_START, MARK_STOP = "\ue000", "\ue001"
"""What PostgreSQL writes around a matching word (characters no one types), so that the text
is escaped first and only then given its ``<mark>`` tags."""


def practice_list(*, user: User) -> QuerySet[Practice]:
    """Every practice, newest first, with its author and whether ``user`` sees the plan it was
    captured from (``source_visible``)."""
    visible = plan_selectors.plan_list(user=user).filter(pk=OuterRef("source_plan"))
    return (
        Practice.objects.select_related(
            "author", "source_plan__client", "source_meeting", "source_project"
        )
        .annotate(source_visible=Exists(visible), reuse_count=Count("reuses"))
        .order_by("-created_at", "-pk")
    )


def practice_get(*, user: User, practice_id: int) -> Practice:
    try:
        return practice_list(user=user).get(pk=practice_id)
    except Practice.DoesNotExist:
        raise Http404 from None


def search_query(text: str) -> SearchQuery:
    """``text`` as a web search in French or in English (either matches)."""
    configs = iter(SEARCH_CONFIGS)
    query = SearchQuery(text, config=next(configs), search_type="websearch")
    for config in configs:
        query = query | SearchQuery(text, config=config, search_type="websearch")
    return query


def _headline(field: Any, text: str, query: SearchQuery, **options: Any) -> Case:
    """``ts_headline`` of ``field``, found with the language the practice matches in: French if
    the French reading of the query matches the text, else English."""
    french, english = SEARCH_CONFIGS

    def headline(config: str) -> SearchHeadline:
        return SearchHeadline(
            field, query, config=config, start_sel=MARK_START, stop_sel=MARK_STOP, **options
        )

    matches_in_french = SearchVectorExact(
        SearchVector(field, config=french),
        SearchQuery(text, config=french, search_type="websearch"),
    )
    return Case(
        When(matches_in_french, then=headline(french)),
        default=headline(english),
        output_field=TextField(),
    )


def practice_search(*, user: User, text: str = "", tag: str = "") -> QuerySet[Practice]:
    """The practices matching ``text`` (all of them if blank), the best first, and carrying
    ``tag`` if given. A match carries its ``rank`` and a ``headline`` of its context and what
    worked with the matching words between ``MARK_START`` and ``MARK_STOP``."""
    practices = practice_list(user=user)
    if tag:
        practices = practices.filter(tags__contains=[tag.strip().lower()])
    text = text.strip()
    if not text:
        return practices
    query = search_query(text)
    return (
        practices.filter(search=query)
        .annotate(
            rank=SearchRank(F("search"), query),
            title_headline=_headline(F("title"), text, query, highlight_all=True),
            headline=_headline(
                Concat("context", Value(" — "), "what_worked", output_field=TextField()),
                text,
                query,
                max_words=40,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "-created_at", "-pk")
    )


def highlighted(headline: str) -> SafeString:
    """A headline as HTML: the text escaped, the matching words in ``<mark>``."""
    html = escape(headline).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # escaped above; only our own tags added


@dataclass(frozen=True)
class SearchPage:
    text: str
    tag: str
    page: Page
    total: int


def practice_search_page(
    *, user: User, text: str = "", tag: str = "", number: int | str | None = 1
) -> SearchPage:
    """One page of ``practice_search``, each practice with its ``highlight`` (safe HTML, or
    ``None`` when nothing was searched)."""
    paginator = Paginator(practice_search(user=user, text=text, tag=tag), PAGE_SIZE)
    page = paginator.get_page(number)
    for practice in page.object_list:
        extra: Any = practice
        headline = getattr(practice, "headline", None)
        extra.highlight = highlighted(headline) if headline else None
        title = getattr(practice, "title_headline", None)
        extra.title_html = highlighted(title) if title else escape(practice.title)
    return SearchPage(text=text.strip(), tag=tag.strip().lower(), page=page, total=paginator.count)


def tag_counts(limit: int = 20) -> list[tuple[str, int]]:
    """The most used tags, with how many practices carry each."""
    rows = (
        Practice.objects.annotate(tag=Func(F("tags"), function="unnest"))
        .values("tag")
        .annotate(count=Count("pk"))
        .order_by("-count", "tag")[:limit]
    )
    return [(row["tag"], row["count"]) for row in rows]


def reuse_list_for_plan(*, plan: Plan) -> list[PracticeReuse]:
    """The practices a plan (one the caller sees) says it reuses."""
    return list(
        PracticeReuse.objects.filter(plan=plan)
        .select_related("practice", "created_by")
        .order_by("created_at", "pk")
    )


def reuse_choices(*, plan: Plan) -> QuerySet[Practice]:
    """The practices a plan may still say it reuses."""
    return Practice.objects.exclude(reuses__plan=plan).order_by("title")
