import datetime as dt
import uuid
from decimal import Decimal

import factory

from accounts.models import Client, ClientYearMetric, Contact, LedgerLine, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    role = User.Role.KAM
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Company {n:05d}")
    external_id = factory.Sequence(lambda n: f"C-{n:06d}")
    country = "FR"
    segment = "Industry"
    currency = "EUR"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    title = "Purchasing director"
    country = "FR"


class LedgerLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerLine

    client = factory.SubFactory(ClientFactory)
    line_key = factory.LazyFunction(uuid.uuid4)
    order_ref = factory.Sequence(lambda n: f"O-{n}")
    date = dt.date(2024, 3, 1)
    amount = Decimal("100.00")
    quantity = Decimal("1")
    profit = None
    currency = "EUR"
    original_amount = factory.LazyAttribute(lambda line: line.amount)
    original_profit = factory.LazyAttribute(lambda line: line.profit)
    exchange_rate = Decimal("1")


class ClientYearMetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientYearMetric

    client = factory.SubFactory(ClientFactory)
    year = 2024
    revenue = Decimal("1000.00")
    share_pct = 10.0
    order_count = 5
    line_count = 10
