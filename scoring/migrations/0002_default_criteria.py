"""The default criteria and a first active weight set, so a new installation can rank clients.

Directors change both afterwards (criteria in the admin, weights through a new version).
"""

from django.db import migrations

RATING_THRESHOLDS = [2, 3, 4, 5]  # level 1 scores 0, 2 scores 0.25 ... 5 scores 1

CRITERIA = [
    # code, name, family, direction, normalisation, thresholds, met from, source, weight
    ("revenue", "Revenue", "financial", "higher", "percentile", [], 0.5, "revenue", 40),
    ("growth", "Revenue growth", "financial", "higher", "minmax", [], 0.5, "growth_pct", 20),
    ("margin", "Margin", "financial", "higher", "minmax", [], 0.5, "margin_pct", 25),
    (
        "payment",
        "Payment discipline",
        "financial",
        "lower",
        "thresholds",
        [5, 15, 30],
        2 / 3,
        "avg_days_late",
        15,
    ),
    ("strategic-fit", "Strategic fit", "strategic", "higher", "thresholds",
     RATING_THRESHOLDS, 0.5, "", 50),
    ("growth-potential", "Growth potential", "strategic", "higher", "thresholds",
     RATING_THRESHOLDS, 0.5, "", 50),
    ("relationship", "Depth of the relationship", "maturity", "higher", "thresholds",
     RATING_THRESHOLDS, 0.5, "", 50),
    ("collaboration", "Collaboration maturity", "maturity", "higher", "thresholds",
     RATING_THRESHOLDS, 0.5, "", 50),
]

RUBRICS = {
    "strategic-fit": {
        "1": "Outside our target markets and offer.",
        "2": "Buys a marginal part of our range.",
        "3": "Buys our core range in one of our target markets.",
        "4": "Core range, target market, shares some of our priorities.",
        "5": "A reference client for our strategy.",
    },
    "growth-potential": {
        "1": "No further business to expect.",
        "2": "Some growth in the range already bought.",
        "3": "Room for new products or sites.",
        "4": "Clear projects we can win in the next two years.",
        "5": "Could become one of our largest clients.",
    },
    "relationship": {
        "1": "A single buyer contact.",
        "2": "Several contacts in purchasing.",
        "3": "Contacts in purchasing and in operations.",
        "4": "Regular meetings with decision makers.",
        "5": "Access to top management; joint reviews.",
    },
    "collaboration": {
        "1": "Transactional orders only.",
        "2": "Occasional forecasts or feedback.",
        "3": "Shared forecasts and a yearly review.",
        "4": "Joint plans and projects.",
        "5": "Long-term partnership with shared objectives.",
    },
}

FAMILY_WEIGHTS = {"financial": 50, "strategic": 30, "maturity": 20}


def seed(apps, schema_editor):
    Criterion = apps.get_model("scoring", "Criterion")
    WeightSet = apps.get_model("scoring", "WeightSet")
    CriterionWeight = apps.get_model("scoring", "CriterionWeight")
    if Criterion.objects.exists() or WeightSet.objects.exists():
        return
    weight_set = WeightSet.objects.create(
        name="Default",
        version=1,
        is_active=True,
        family_weights=FAMILY_WEIGHTS,
        reason="Initial weights",
    )
    for code, name, family, direction, normalisation, thresholds, met, source, weight in CRITERIA:
        criterion = Criterion.objects.create(
            code=code,
            name=name,
            family=family,
            direction=direction,
            normalisation=normalisation,
            thresholds=thresholds,
            met_threshold=met,
            source=source,
            rubric=RUBRICS.get(code, {}),
        )
        CriterionWeight.objects.create(weight_set=weight_set, criterion=criterion, weight=weight)


def unseed(apps, schema_editor):
    apps.get_model("scoring", "WeightSet").objects.filter(version=1, name="Default").delete()
    codes = [row[0] for row in CRITERIA]
    apps.get_model("scoring", "Criterion").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("scoring", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
