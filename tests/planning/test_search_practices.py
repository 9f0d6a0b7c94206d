"""Good practices: their services and their full-text search (PostgreSQL, French and English,
accents ignored, ranked, highlighted and escaped, paginated)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from planning.models import Practice, PracticeReuse
from planning.selectors import practices as selectors
from planning.services import practices as services
from tests.factories import ClientFactory
from tests.planning.factories import MeetingFactory, PlanFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def share(user, title, context="", what_worked="", evidence="", tags=""):
    return services.practice_create(
        user=user,
        title=title,
        context=context or "Le contexte.",
        what_worked=what_worked or "Ce qui a marché.",
        evidence=evidence,
        tags=tags,
    )


@pytest.fixture
def library(alice):
    """Practices in French and English."""
    return {
        "fr": share(
            alice,
            "Négociations annuelles préparées avec le sponsor",
            context="Le client voulait baisser les prix chaque année.",
            what_worked="Nous avons présenté la valeur créée avant la négociation.",
            tags="prix, sponsor",
        ),
        "en": share(
            alice,
            "Value-based pricing of the recyclable range",
            context="The customer negotiated hard every year.",
            what_worked="We priced on the savings we bring to their lines.",
            tags="pricing",
        ),
        "logistics": share(
            alice,
            "Vendor-managed inventory at their plants",
            context="Stock-outs at two plants.",
            what_worked="Stock run by us on their site.",
            evidence="No stock-out in six months; prices unchanged.",
            tags="logistics",
        ),
    }


def titles(user, text="", tag=""):
    return [p.title for p in selectors.practice_search(user=user, text=text, tag=tag)]


@pytest.mark.parametrize("query", ["négociation", "negociation", "NÉGOCIATIONS", "négocier"])
def test_a_french_query_finds_a_french_practice_with_or_without_accents(library, alice, query):
    assert library["fr"].title in titles(alice, query)


@pytest.mark.parametrize("query", ["negotiations", "negotiate", "savings", "recyclable"])
def test_an_english_query_finds_an_english_practice_by_its_stem(library, alice, query):
    assert titles(alice, query)[0] == library["en"].title


def test_a_word_in_the_title_ranks_above_one_in_the_evidence(library, alice):
    # "prices" is in the French tags (A), the English title's stem "pricing" (A)... and the
    # logistics practice's evidence only (C)
    found = titles(alice, "price")
    assert found.index(library["logistics"].title) == len(found) - 1
    ranks = [p.rank for p in selectors.practice_search(user=alice, text="price")]
    assert ranks == sorted(ranks, reverse=True)


def test_a_phrase_and_an_exclusion_are_understood(library, alice):
    assert titles(alice, '"stock run by us"') == [library["logistics"].title]
    assert library["en"].title not in titles(alice, "pricing -recyclable")


def test_no_match_is_an_empty_list(library, alice):
    assert titles(alice, "blockchain") == []


def test_a_tag_keeps_its_practices(library, alice):
    assert titles(alice, tag="Pricing") == [library["en"].title]


def test_the_headline_marks_the_words_found_and_escapes_the_rest(alice):
    share(
        alice,
        "Hostile",
        context="<script>alert(1)</script> before the négociation",
        what_worked="R&amp;D helped",
    )
    page = selectors.practice_search_page(user=alice, text="negociation")
    highlight = str(page.page.object_list[0].highlight)
    assert "<mark>négociation</mark>" in highlight
    assert "<script" not in highlight  # PostgreSQL's parser drops tags; nothing is unescaped
    assert "R&amp;amp;D" in highlight  # the entity the user typed, escaped
    assert highlight.count("<") == highlight.count("<mark>") + highlight.count("</mark>")


def test_results_are_paginated(alice):
    for n in range(selectors.PAGE_SIZE + 3):
        share(alice, f"Line audit {n}", what_worked="An audit of their packaging lines.")
    first = selectors.practice_search_page(user=alice, text="audit", number=1)
    second = selectors.practice_search_page(user=alice, text="audit", number=2)
    assert first.total == selectors.PAGE_SIZE + 3
    assert len(first.page.object_list) == selectors.PAGE_SIZE
    assert len(second.page.object_list) == 3


def test_the_search_uses_the_gin_index(library, alice):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        sql, params = (
            selectors.practice_search(user=alice, text="pricing")
            .values("pk")
            .query.sql_with_params()
        )
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "practice_search_gin" in plan


def test_the_search_vector_follows_an_edit(library, alice):
    services.practice_update(user=alice, practice=library["logistics"], title="Consignment stock")
    assert titles(alice, "consignment") == ["Consignment stock"]


# --- the services ---------------------------------------------------------------------------------


def test_tags_are_cleaned(alice):
    practice = share(alice, "Tags", tags=" Prix, #prix , Logistique,, ")
    assert practice.tags == ["prix", "logistique"]


def test_too_many_tags_are_refused(alice):
    with pytest.raises(ValidationError, match="At most 10 tags"):
        share(alice, "Tags", tags=",".join(f"t{n}" for n in range(11)))
    assert not Practice.objects.exists()


def test_a_practice_without_a_title_is_refused(alice):
    with pytest.raises(ValidationError) as error:
        share(alice, "  ")
    assert "title" in error.value.message_dict


def test_a_meeting_gives_its_plan(alice, dana):
    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    meeting = MeetingFactory(plan=plan)
    practice = services.practice_create(
        user=alice, title="From a meeting", context="c", what_worked="w", source_meeting=meeting
    )
    assert practice.source_plan == plan
    other = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    with pytest.raises(ValidationError, match="not one of the plan"):
        services.practice_create(
            user=alice,
            title="Mismatch",
            context="c",
            what_worked="w",
            source_plan=other,
            source_meeting=meeting,
        )


def test_only_the_author_or_a_director_changes_a_practice(alice, bob, dana):
    practice = PracticeFactory(author=alice)
    with pytest.raises(PermissionDenied, match="author"):
        services.practice_update(user=bob, practice=practice, title="Mine now")
    services.practice_update(user=dana, practice=practice, title="Edited by a director")
    practice.refresh_from_db()
    assert practice.title == "Edited by a director"


def test_a_plan_reuses_a_practice_once(alice, bob, dana):
    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    practice = PracticeFactory(author=bob)
    services.practice_reuse_add(user=alice, plan=plan, practice=practice, note="For Lyon")
    with pytest.raises(ValidationError, match="already reuses"):
        services.practice_reuse_add(user=alice, plan=plan, practice=practice)
    with pytest.raises(PermissionDenied):
        services.practice_reuse_add(user=bob, plan=plan, practice=PracticeFactory())
    assert PracticeReuse.objects.count() == 1


def test_the_source_plan_is_named_only_to_who_sees_it(alice, bob, dana):
    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    PracticeFactory(author=alice, source_plan=plan)
    assert selectors.practice_list(user=alice).get().source_visible
    assert not selectors.practice_list(user=bob).get().source_visible


def test_a_submitted_plan_takes_no_new_reuse(alice, bob, dana):
    from planning.models import Plan

    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="submitted for review"):
        services.practice_reuse_add(user=alice, plan=plan, practice=PracticeFactory(author=bob))
    assert not PracticeReuse.objects.exists()


def test_an_investment_project_gives_its_plan(alice, dana):
    from tests.planning.factories import make_project

    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    project = make_project(plan)
    practice = services.practice_create(
        user=alice, title="Pilot first", context="c", what_worked="w", source_project=project
    )
    assert (practice.source_plan, practice.source_project) == (plan, project)
    other = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    with pytest.raises(ValidationError, match="not one of the plan"):
        services.practice_create(
            user=alice,
            title="Mismatch",
            context="c",
            what_worked="w",
            source_plan=other,
            source_project=project,
        )
    assert Practice.objects.count() == 1
