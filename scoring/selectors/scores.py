"""Reads of the scores: the latest run's ranking, a client's explanation and rank history, and
the digests of the visible clients and active overrides that the pages' cached rows are keyed on.
Who sees which client's scores is decided by ``accounts.selectors.client_list``, and only there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL

from accounts import selectors as client_selectors
from accounts.models import Client, User
from kam import permissions
from scoring import ranking
from scoring.models import (
    ClientScore,
    CriterionScore,
    Override,
    ScoringRun,
)


@dataclass(frozen=True)
class ClientExplanation:
    """Why a client has its score in the latest run: its place, its criteria and any override."""

    score: ClientScore
    previous_rank: int | None  # in the run before; None when new or without an earlier run
    criteria: list[CriterionScore]  # most points first
    override: Override | None  # shown next to the score; the total does not include it

    @property
    def rank_change(self) -> int | None:
        """Places climbed since the run before (negative: fell)."""
        return None if self.previous_rank is None else self.previous_rank - self.score.rank

    @property
    def stability_label(self) -> str:
        return ranking.stability_label(self.score.stability)


def scoring_run_latest(*, any_status: bool = False) -> ScoringRun | None:
    """The latest successful run: the scores everyone sees; with ``any_status``, the latest run
    whatever its status (one still running, or one that failed)."""
    runs = ScoringRun.objects.select_related("weight_set")
    if not any_status:
        runs = runs.filter(status=ScoringRun.Status.DONE)
    return runs.first()


def ranking_latest(*, user: User) -> QuerySet[ClientScore]:
    """The latest run's scores of the clients ``user`` may see, best first.

    Each row carries ``previous_rank`` (``None`` for a client new to the ranking or when there is
    no earlier run) and ``rank_change`` (positive when the client climbed); ``ranking_rows`` adds
    each one's active override.
    """
    runs = list(
        ScoringRun.objects.filter(status=ScoringRun.Status.DONE).values_list("pk", flat=True)[:2]
    )
    if not runs:
        return ClientScore.objects.none()
    visible = client_selectors.client_list(user=user).values("pk")
    scores = ClientScore.objects.filter(run_id=runs[0], client__in=visible)
    if len(runs) > 1:
        previous = ClientScore.objects.filter(run_id=runs[1], client=OuterRef("client"))
        scores = scores.annotate(
            previous_rank=Subquery(previous.values("rank")[:1], output_field=IntegerField())
        ).annotate(rank_change=F("previous_rank") - F("rank"))
    else:
        scores = scores.annotate(
            previous_rank=Value(None, output_field=IntegerField()),
            rank_change=Value(None, output_field=IntegerField()),
        )
    return scores.select_related("client", "client__kam").order_by("rank")


def client_explanation(*, user: User, client_id: int) -> ClientExplanation | None:
    """A client's explanation in the latest run; ``None`` (a 404) when the client is hidden from
    ``user`` or was not ranked."""
    score = (
        ranking_latest(user=user)
        .filter(client_id=client_id)
        .select_related("run", "run__weight_set")
        .first()
    )
    if score is None:
        return None
    criteria = list(
        CriterionScore.objects.filter(run_id=score.run_id, client_id=client_id)
        .select_related("criterion")
        .order_by("-points", "criterion__family", "criterion__code")
    )
    override = (
        Override.objects.filter(client_id=client_id, is_active=True)
        .select_related("author")
        .first()
    )
    previous_rank = getattr(score, "previous_rank", None)  # ranking_latest's annotation
    return ClientExplanation(
        score=score, previous_rank=previous_rank, criteria=criteria, override=override
    )


@dataclass(frozen=True)
class RankingRow:
    """One client in a ranking: its score in the run, its rank in the run before (``None`` when
    new to the ranking or without an earlier run) and its active override, shown next to the
    score (the total does not include it)."""

    score: ClientScore  # with its client and the client's KAM
    previous_rank: int | None
    active_override: Override | None  # with its author

    @property
    def client(self) -> Client:
        return self.score.client

    @property
    def client_id(self) -> int:
        return self.score.client_id

    @property
    def rank(self) -> int:
        return self.score.rank

    @property
    def total(self) -> float:
        return self.score.total

    @property
    def financial(self) -> float:
        return self.score.financial

    @property
    def strategic(self) -> float:
        return self.score.strategic

    @property
    def maturity(self) -> float:
        return self.score.maturity

    @property
    def coverage(self) -> float:
        return self.score.coverage

    @property
    def stability(self) -> float:
        return self.score.stability

    @property
    def rank_change(self) -> int | None:
        """Places climbed since the previous run (negative: fell)."""
        return None if self.previous_rank is None else self.previous_rank - self.score.rank

    @property
    def places_moved(self) -> int:
        """How many places the client moved, either way."""
        return abs(self.rank_change or 0)

    @property
    def stability_label(self) -> str:
        return ranking.stability_label(self.score.stability)

    @property
    def stability_pct(self) -> float:
        return 100 * self.score.stability


def ranking_rows(scores: QuerySet[ClientScore]) -> list[RankingRow]:
    """The rows of a ranking (``scores`` as ``ranking_latest`` gives them, sliced or not): one
    query for the scores, one for the overrides, whatever the number of rows."""
    page = list(scores)
    if scores.query.is_sliced:  # a page: its few ids
        shown = Q(client_id__in=[score.client_id for score in page])
    else:  # a subquery: a list of hundreds of clients costs more to pass than to join
        shown = Q(client_id__in=scores.order_by().values("client_id"))
    overrides = {
        override.client_id: override
        for override in Override.objects.filter(shown, is_active=True).select_related("author")
    }
    return [
        RankingRow(
            score,
            getattr(score, "previous_rank", None),  # ranking_latest's annotation, read once here
            overrides.get(score.client_id),
        )
        for score in page
    ]


def ranking_version(*, user: User) -> str:
    """A key that changes whenever a ranking page ``user`` reads would change: the latest two
    runs, the clients ``user`` may see (names, KAMs) and the active overrides. One query."""
    runs = (
        ScoringRun.objects.filter(status=ScoringRun.Status.DONE)
        .annotate(
            clients=clients_digest(user),
            overrides=overrides_digest(),
        )
        .values_list("pk", "finished_at", "clients", "overrides")[:2]
    )
    parts = [
        f"{pk}@{finished.timestamp() if finished else ''}:{clients or '-'}:{overrides or '-'}"
        for pk, finished, clients, overrides in runs
    ]
    return f"{rights(user)}:{';'.join(parts)}"


def overrides_digest_sql() -> str:
    """SQL of one value that digests the active overrides (an override is never changed: a new
    one replaces it) and their authors' names."""
    override, people = (
        connection.ops.quote_name(model._meta.db_table) for model in (Override, User)
    )
    return f"""
        SELECT md5(string_agg(concat(o.id, '|', o.client_id, '|', a.first_name, '|',
                                     a.last_name, '|', a.username), ',' ORDER BY o.id))
          FROM {override} o LEFT JOIN {people} a ON a.id = o.author_id WHERE o.is_active
    """


def overrides_digest() -> RawSQL:
    """``overrides_digest_sql`` as an expression, to annotate a version's query with."""
    return RawSQL(overrides_digest_sql(), (), output_field=TextField())


def clients_digest_sql(user: User) -> tuple[str, tuple[Any, ...]]:
    """SQL of one value (and its parameters) that digests what a page shows of the clients
    ``user`` may see: their number and a sum of each one's hash (its id, name, currency and its
    KAM's names). No sorting nor long text to build for 1,000 clients; any change to one of
    them, one added or one no longer visible changes it."""
    try:
        visible, params = (
            client_selectors.client_list(user=user).order_by().values("pk").query.sql_with_params()
        )
    except EmptyResultSet:  # a user who sees no client (``.none()``)
        visible, params = "SELECT NULL::bigint WHERE false", ()
    client, people = (connection.ops.quote_name(model._meta.db_table) for model in (Client, User))
    sql = f"""
        SELECT concat(count(*), '|', sum(hashtextextended(concat_ws('|', c.id, c.name,
                   c.currency, c.kam_id, k.first_name, k.last_name, k.username), 0)))
          FROM {client} c LEFT JOIN {people} k ON k.id = c.kam_id
         WHERE c.id IN ({visible})
    """
    return sql, tuple(params)


def clients_digest(user: User) -> RawSQL:
    """``clients_digest_sql`` as an expression, to annotate a version's query with."""
    sql, params = clients_digest_sql(user)
    return RawSQL(sql, params, output_field=TextField())


def rights(user: User) -> str:
    """What ``user`` may rate, in a version: every client for directors and administrators, so
    that they share cached rows (one director's rendering serves another); their own clients for
    a KAM; nothing for others."""
    return "all" if permissions.may_manage_programme(user) else f"{user.role}-{user.pk}"


def client_rank_history(*, user: User, client_id: int) -> QuerySet[ClientScore]:
    """A client's rank in every successful run, latest first; nothing for a client hidden from
    ``user``."""
    visible = client_selectors.client_list(user=user).filter(pk=client_id).values("pk")
    return (
        ClientScore.objects.filter(client__in=visible, run__status=ScoringRun.Status.DONE)
        .select_related("run")
        .order_by("-run__started_at", "-run__pk")
    )
