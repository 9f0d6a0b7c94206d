"""Stakeholders and counterpart pairs: what the services write, and what they refuse (with a
translated message, writing nothing)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Contact, User
from planning.models import CounterpartPair, Stakeholder
from planning.services import people as services
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice, sam):
    return PlanFactory(client=ClientFactory(name="Mine", kam=alice, sponsor=sam))


def add(user, plan, contact, **values):
    values = {"buying_role": Stakeholder.BuyingRole.CHAMPION, **values}
    return services.stakeholder_add(user=user, plan=plan, contact=contact, **values)


def update(user, person, **values):
    current = {
        "buying_role": person.buying_role,
        "attitude": person.attitude,
        "influence": person.influence,
        "level": person.level,
        "reports_to": person.reports_to,
    }
    return services.stakeholder_update(user=user, stakeholder=person, **{**current, **values})


def test_stakeholder_add_names_a_contact_of_the_client(alice, plan):
    contact = ContactFactory(client=plan.client, country="DE")
    person = add(alice, plan, contact, influence=5, level="executive", note=" Signs. ")
    person.refresh_from_db()
    assert (person.contact, person.influence, person.level, person.note) == (
        contact, 5, "executive", "Signs."
    )  # fmt: skip


def test_stakeholder_add_refuses_another_clients_contact(alice, plan):
    stranger = ContactFactory(client=ClientFactory(name="Elsewhere"))
    with pytest.raises(ValidationError) as error:
        add(alice, plan, stranger)
    assert "is not a contact of Mine" in str(error.value)
    assert not Stakeholder.objects.exists()


def test_stakeholder_add_refuses_the_same_contact_twice(alice, plan):
    contact = ContactFactory(client=plan.client)
    add(alice, plan, contact)
    with pytest.raises(ValidationError, match="already a stakeholder"):
        add(alice, plan, contact)
    assert Stakeholder.objects.count() == 1


@pytest.mark.parametrize("influence", [0, 6, -1])
def test_stakeholder_influence_is_between_1_and_5(alice, plan, influence):
    with pytest.raises(ValidationError, match="Influence is between 1 and 5"):
        add(alice, plan, ContactFactory(client=plan.client), influence=influence)
    assert not Stakeholder.objects.exists()


def test_stakeholder_reports_to_a_stakeholder_of_the_same_plan_only(alice, plan):
    elsewhere = StakeholderFactory()
    with pytest.raises(ValidationError, match="another stakeholder of this plan"):
        add(alice, plan, ContactFactory(client=plan.client), reports_to=elsewhere)


@pytest.mark.parametrize("length", [1, 2, 4])
def test_stakeholder_update_refuses_a_reports_to_loop(alice, plan, length):
    chain = [StakeholderFactory(plan=plan)]
    for _ in range(length):
        chain.append(StakeholderFactory(plan=plan, reports_to=chain[-1]))
    top, bottom = chain[0], chain[-1]  # bottom → … → top
    with pytest.raises(ValidationError, match="would make a loop"):
        update(alice, top, reports_to=bottom)
    top.refresh_from_db()
    assert top.reports_to is None


def test_stakeholder_cannot_report_to_themselves(alice, plan):
    person = StakeholderFactory(plan=plan)
    with pytest.raises(ValidationError, match="loop"):
        update(alice, person, reports_to=person)


def test_stakeholder_update_moves_someone_under_another_branch(alice, plan):
    boss, left, right = (StakeholderFactory(plan=plan) for _ in range(3))
    update(alice, left, reports_to=boss)
    update(alice, right, reports_to=left)
    update(alice, right, reports_to=boss)
    assert Stakeholder.objects.get(pk=right.pk).reports_to == boss


def test_stakeholder_contact_add_makes_the_contact_and_the_stakeholder(alice, plan):
    person = services.stakeholder_contact_add(
        user=alice, plan=plan, first_name="Ines", last_name="Moreau", country="es",
        buying_role=Stakeholder.BuyingRole.DECISION_MAKER, influence=5,
    )  # fmt: skip
    assert person.contact.client == plan.client
    assert person.contact.country == "ES"


def test_stakeholder_contact_add_writes_nothing_when_the_stakeholder_is_refused(alice, plan):
    with pytest.raises(ValidationError):
        services.stakeholder_contact_add(
            user=alice, plan=plan, last_name="Moreau", buying_role="champion", influence=9
        )
    assert not Contact.objects.filter(last_name="Moreau").exists()


def test_stakeholder_remove_takes_their_pairs_and_frees_their_reports(alice, plan):
    boss = StakeholderFactory(plan=plan)
    report = StakeholderFactory(plan=plan, reports_to=boss)
    CounterpartPairFactory(plan=plan, stakeholder=boss)
    services.stakeholder_remove(user=alice, stakeholder=boss)
    report.refresh_from_db()
    assert report.reports_to is None
    assert not CounterpartPair.objects.exists()


def test_stakeholder_remove_keeps_someone_who_attended_a_meeting(alice, plan):
    person = StakeholderFactory(plan=plan)
    MeetingFactory(plan=plan).their_participants.add(person)
    with pytest.raises(ValidationError, match="took part in logged meetings"):
        services.stakeholder_remove(user=alice, stakeholder=person)
    assert Stakeholder.objects.filter(pk=person.pk).exists()


@pytest.mark.parametrize("who", ["sam", "carl", "bob"])
def test_only_the_kam_or_a_director_writes_stakeholders(request, plan, who):
    user = request.getfixturevalue(who)
    person = StakeholderFactory(plan=plan)
    with pytest.raises(PermissionDenied):
        add(user, plan, ContactFactory(client=plan.client))
    with pytest.raises(PermissionDenied):
        update(user, person, influence=5)
    with pytest.raises(PermissionDenied):
        services.stakeholder_remove(user=user, stakeholder=person)
    assert Stakeholder.objects.count() == 1


def test_a_director_writes_stakeholders(dana, plan):
    assert add(dana, plan, ContactFactory(client=plan.client)).pk


# --- counterpart pairs ---------------------------------------------------------------------------


def test_counterpart_add_pairs_our_person_with_theirs(alice, carl, plan):
    person = StakeholderFactory(plan=plan)
    cadence = CadenceFactory(plan=plan)
    pair = services.counterpart_add(
        user=alice, plan=plan, person=carl, stakeholder=person, level="executive", cadence=cadence
    )
    assert (pair.user, pair.stakeholder, pair.cadence, pair.level) == (
        carl, person, cadence, "executive"
    )  # fmt: skip


def test_the_plans_kam_can_be_paired(alice, plan):
    pair = services.counterpart_add(
        user=alice, plan=plan, person=alice, stakeholder=StakeholderFactory(plan=plan),
        level="executive",
    )  # fmt: skip
    assert pair.user == alice


def test_counterpart_add_refuses_another_kam(alice, bob, plan):
    with pytest.raises(ValidationError, match="key account manager of other accounts"):
        services.counterpart_add(
            user=alice, plan=plan, person=bob, stakeholder=StakeholderFactory(plan=plan),
            level="management",
        )  # fmt: skip
    assert not CounterpartPair.objects.exists()


def test_counterpart_add_refuses_an_inactive_user(alice, plan):
    gone = UserFactory(role=User.Role.CONTRIBUTOR, is_active=False)
    with pytest.raises(ValidationError, match="not an active user"):
        services.counterpart_add(
            user=alice, plan=plan, person=gone, stakeholder=StakeholderFactory(plan=plan),
            level="management",
        )  # fmt: skip


def test_counterpart_add_refuses_a_stakeholder_of_another_plan(alice, carl, plan):
    with pytest.raises(ValidationError, match="not a stakeholder of this plan"):
        services.counterpart_add(
            user=alice, plan=plan, person=carl, stakeholder=StakeholderFactory(),
            level="management",
        )  # fmt: skip


def test_counterpart_add_refuses_a_cadence_of_another_plan(alice, carl, plan):
    with pytest.raises(ValidationError, match="cadence belongs to another plan"):
        services.counterpart_add(
            user=alice, plan=plan, person=carl, stakeholder=StakeholderFactory(plan=plan),
            level="management", cadence=CadenceFactory(),
        )  # fmt: skip


def test_counterpart_add_refuses_the_same_pair_twice(alice, carl, plan):
    person = StakeholderFactory(plan=plan)
    services.counterpart_add(user=alice, plan=plan, person=carl, stakeholder=person,
                             level="management")  # fmt: skip
    with pytest.raises(ValidationError, match="already paired"):
        services.counterpart_add(user=alice, plan=plan, person=carl, stakeholder=person,
                                 level="executive")  # fmt: skip


def test_counterpart_update_and_remove(alice, carl, dana, plan):
    pair = CounterpartPairFactory(plan=plan)
    services.counterpart_update(
        user=alice, pair=pair, person=carl, stakeholder=pair.stakeholder, level="operational"
    )
    pair.refresh_from_db()
    assert (pair.user, pair.level) == (carl, "operational")
    services.counterpart_remove(user=dana, pair=pair)
    assert not CounterpartPair.objects.exists()


@pytest.mark.parametrize("who", ["sam", "carl", "bob"])
def test_only_the_kam_or_a_director_writes_pairs(request, plan, who):
    user = request.getfixturevalue(who)
    pair = CounterpartPairFactory(plan=plan)
    with pytest.raises(PermissionDenied):
        services.counterpart_add(user=user, plan=plan, person=user,
                                 stakeholder=pair.stakeholder, level="management")  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.counterpart_remove(user=user, pair=pair)
    assert CounterpartPair.objects.count() == 1


def test_refusals_read_in_french(alice, plan):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as error:
        add(alice, plan, ContactFactory(client=ClientFactory(name="Ailleurs")))
    assert "is not a contact" not in str(error.value)
