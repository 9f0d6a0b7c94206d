"""The diff of two versions, on hand-built snapshots (no database): what is added, removed and
changed, per section and per field, with translated labels and values as a reader reads them;
and the snapshot a real plan gives."""

import copy

import pytest
from django.utils import translation

from planning.selectors.versions import plan_snapshot, snapshot_diff
from tests.factories import ContactFactory
from tests.planning.factories import (
    ActionFactory,
    CounterpartPairFactory,
    KpiFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
)

V1 = {
    "schema": 1,
    "vision": {
        "customer_business": "Packaging lines.",
        "customer_strategy": "Eastern Europe.",
        "shared_vision": "",
    },
    "swot": [{"id": 1, "quadrant": "strength", "text": "Ten years of service"}],
    "objectives": [
        {
            "id": 10,
            "side": "ours",
            "title": "Grow the margin",
            "description": "",
            "kpis": [
                {
                    "id": 100,
                    "name": "Gross margin",
                    "unit": "EUR",
                    "measure": "manual",
                    "is_margin": True,
                    "baseline": "100000",
                    "target": "150000",
                    "due_date": "2026-12-31",
                }
            ],
            "actions": [
                {
                    "id": 1000,
                    "title": "Renegotiate freight",
                    "owner": "Carl Ruiz",
                    "department": "logistics",
                    "due_date": "2026-06-30",
                },
                {
                    "id": 1001,
                    "title": "Visit the Lyon plant",
                    "owner": "Alice Martin",
                    "department": "sales",
                    "due_date": "2026-03-15",
                },
            ],
        },
        {
            "id": 11,
            "side": "customer",
            "title": "Cut their packaging cost",
            "description": "",
            "kpis": [],
            "actions": [],
        },
    ],
    "offers": [],
    "stakeholders": [
        {
            "id": 50,
            "contact": "Marie Dubois",
            "buying_role": "influencer",
            "attitude": "neutral",
            "influence": 3,
            "level": "management",
            "reports_to": "",
            "note": "",
        }
    ],
    "counterparts": [],
    "cadences": [],
}


def v2():
    """V1 with one change of each kind."""
    snapshot = copy.deepcopy(V1)
    snapshot["vision"]["shared_vision"] = "A recyclable film, together."
    objective = snapshot["objectives"][0]
    objective["title"] = "Grow the margin by 2 points"
    objective["kpis"][0]["target"] = "180000"
    objective["actions"][0]["due_date"] = "2026-09-30"
    del objective["actions"][1]
    objective["actions"].append(
        {
            "id": 1002,
            "title": "Pilot value-based pricing",
            "owner": "Alice Martin",
            "department": "sales",
            "due_date": "2026-10-01",
        }
    )
    del snapshot["objectives"][1]
    snapshot["stakeholders"][0]["attitude"] = "advocate"
    return snapshot


def _by_section(sections):
    return {section.key: section for section in sections}


def test_no_change_no_section():
    assert snapshot_diff(V1, copy.deepcopy(V1)) == []


def test_each_section_lists_what_was_added_removed_and_changed():
    sections = _by_section(snapshot_diff(V1, v2()))
    assert list(sections) == ["vision", "objectives", "kpis", "actions", "stakeholders"]

    (vision,) = sections["vision"].changes
    assert [(f.label, f.old, f.new) for f in vision.fields] == [
        ("What we build together", "—", "A recyclable film, together.")
    ]

    objectives = sections["objectives"].changes
    assert [(c.kind, c.name) for c in objectives] == [
        ("changed", "Grow the margin by 2 points"),
        ("removed", "Cut their packaging cost"),
    ]
    assert [(f.label, f.old, f.new) for f in objectives[0].fields] == [
        ("Title", "Grow the margin", "Grow the margin by 2 points")
    ]

    (kpi,) = sections["kpis"].changes
    assert (kpi.kind, kpi.name, kpi.context) == (
        "changed",
        "Gross margin",
        "Grow the margin by 2 points",
    )
    assert [(f.label, f.old, f.new) for f in kpi.fields] == [("Target", "150,000", "180,000")]

    actions = sections["actions"].changes
    assert [(c.kind, c.name) for c in actions] == [
        ("changed", "Renegotiate freight"),
        ("added", "Pilot value-based pricing"),
        ("removed", "Visit the Lyon plant"),
    ]
    assert [(f.label, f.old, f.new) for f in actions[0].fields] == [
        ("Due date", "30/06/2026", "30/09/2026")
    ]
    assert ("Department", "", "Sales") in [(f.label, f.old, f.new) for f in actions[1].fields]

    (person,) = sections["stakeholders"].changes
    assert [(f.label, f.old, f.new) for f in person.fields] == [("Attitude", "Neutral", "Advocate")]
    assert sections["actions"].counts == {"added": 1, "removed": 1, "changed": 1}


def test_labels_and_values_read_in_the_users_language():
    with translation.override("fr"):
        sections = _by_section(snapshot_diff(V1, v2()))
        assert sections["stakeholders"].title == "Parties prenantes"
    (person,) = sections["stakeholders"].changes
    assert [(f.label, f.old, f.new) for f in person.fields] == [("Attitude", "Neutre", "Promoteur")]
    assert [(f.label, f.old, f.new) for f in sections["actions"].changes[0].fields] == [
        ("Échéance", "30/06/2026", "30/09/2026")
    ]


def test_a_removed_objective_takes_its_kpis_and_actions_along():
    old = copy.deepcopy(V1)
    new = copy.deepcopy(V1)
    del new["objectives"][0]
    sections = _by_section(snapshot_diff(old, new))
    assert [c.kind for c in sections["kpis"].changes] == ["removed"]
    assert [c.kind for c in sections["actions"].changes] == ["removed", "removed"]
    assert {c.context for c in sections["actions"].changes} == {"Grow the margin"}


@pytest.mark.django_db
def test_a_plans_snapshot_holds_its_objectives_kpis_and_actions(alice):
    plan = PlanFactory(client__kam=alice)
    objective = ObjectiveFactory(plan=plan, title="Grow the margin")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    ActionFactory(objective=objective, title="Renegotiate freight", owner=alice)
    person = StakeholderFactory(
        plan=plan,
        contact=ContactFactory(client=plan.client, first_name="Marie", last_name="Dubois"),
    )
    CounterpartPairFactory(plan=plan, user=alice, stakeholder=person)
    snapshot = plan_snapshot(plan)
    (row,) = snapshot["objectives"]
    assert row["title"] == "Grow the margin"
    assert row["kpis"][0]["target"] == "150000"
    assert row["actions"][0]["owner"] == alice.get_full_name()
    (pair,) = snapshot["counterparts"]
    assert (pair["user"], pair["stakeholder"]) == (alice.get_full_name(), "Marie Dubois")
    assert snapshot["vision"]["shared_vision"] == "Co-develop a recyclable film."
    assert snapshot_diff(snapshot, plan_snapshot(plan)) == []
