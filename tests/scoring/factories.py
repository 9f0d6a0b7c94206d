from decimal import Decimal
from typing import Any

import factory

from scoring.models import (
    CostToServe,
    Criterion,
    CriterionWeight,
    Override,
    Programme,
    Rating,
    WeightSet,
)
from tests.factories import ClientFactory, UserFactory


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    class Params:
        name = factory.LazyAttribute(
            lambda criterion: criterion.code.replace("-", " ").capitalize()
        )

    code = factory.Sequence(lambda n: f"criterion-{n}")
    name_en = factory.LazyAttribute(lambda criterion: criterion.name)
    name_fr = factory.LazyAttribute(lambda criterion: criterion.name)
    family = Criterion.Family.STRATEGIC
    direction = Criterion.Direction.HIGHER
    normalisation = Criterion.Normalisation.THRESHOLDS
    thresholds = factory.LazyFunction(lambda: [2, 3, 4, 5])
    met_threshold = 0.5
    source = ""


class WeightSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeightSet

    name = "Test weights"
    version = factory.Sequence(lambda n: n + 1)
    is_active = True
    family_weights = factory.LazyFunction(
        lambda: {"financial": 50.0, "strategic": 30.0, "maturity": 20.0}
    )
    reason = "Test weights"


class CriterionWeightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionWeight

    weight_set = factory.SubFactory(WeightSetFactory)
    criterion = factory.SubFactory(CriterionFactory)
    weight = 100.0


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    client = factory.SubFactory(ClientFactory)
    criterion = factory.SubFactory(CriterionFactory)
    level = 3
    author = factory.SubFactory(UserFactory)


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Override

    client = factory.SubFactory(ClientFactory)
    kind = Override.Kind.ADJUST
    points = 5.0
    rationale = "Strategic partner"
    author = factory.SubFactory(UserFactory)


def scoring_reset() -> None:
    """Remove the default criteria and weights, so a test states all of its own."""
    WeightSet.objects.all().delete()
    Criterion.objects.all().delete()


def small_model() -> dict[str, Any]:
    """Four criteria under an active version 1 of the weights, easy to compute by hand.

    Financial 50 (revenue by percentile 75, days late on thresholds 5 and 15, lower is better,
    25), strategic 30 (fit, rated, 100), maturity 20 (relationship, rated, 100). A rating of
    level L reaches the thresholds 2, 3, 4, 5 up to L, so it scores (L - 1) / 4.
    """
    scoring_reset()
    criteria = {
        "revenue": CriterionFactory(
            code="revenue",
            family=Criterion.Family.FINANCIAL,
            normalisation=Criterion.Normalisation.PERCENTILE,
            thresholds=[],
            source=Criterion.Source.REVENUE,
        ),
        "late": CriterionFactory(
            code="late",
            family=Criterion.Family.FINANCIAL,
            direction=Criterion.Direction.LOWER,
            thresholds=[5, 15],
            source=Criterion.Source.AVG_DAYS_LATE,
        ),
        "fit": CriterionFactory(code="fit", family=Criterion.Family.STRATEGIC),
        "relationship": CriterionFactory(code="relationship", family=Criterion.Family.MATURITY),
    }
    weight_set = WeightSetFactory(version=1)
    for code, weight in {"revenue": 75, "late": 25, "fit": 100, "relationship": 100}.items():
        CriterionWeightFactory(weight_set=weight_set, criterion=criteria[code], weight=weight)
    return criteria


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    year = 2026
    budget = Decimal("300000.00")
    currency = "EUR"
    kam_headcount = 4
    kam_cost = Decimal("100000.00")
    updated_by = factory.SubFactory(UserFactory)


class CostToServeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostToServe

    client = factory.SubFactory(ClientFactory)
    kam_share = Decimal("0.50")
    travel = Decimal("10000.00")
    dedicated = Decimal("0.00")
    updated_by = factory.SubFactory(UserFactory)
