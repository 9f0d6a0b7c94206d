"""kam/api.py and kam/api_schema.py: the conventions every API operation shares."""

import re

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.views import APIView

from kam import api
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


def schema_operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_declares_its_refusals():
    operations = schema_operations()
    assert len(operations) > 25  # both apps' operations, not an empty schema
    for method, path, operation in operations:
        codes = set(operation["responses"])
        expected = {"401", "403", "404"} | ({"400"} if "requestBody" in operation else set())
        assert expected <= codes, (method, path, sorted(codes))
        for code in expected:
            assert operation["responses"][code]["description"], (method, path, code)


def test_every_operation_answers_an_anonymous_caller_with_a_401(client):
    for method, path, _operation in schema_operations():
        url = re.sub(r"{\w+}", "1", path)
        response = client.generic(method, url, "{}", content_type="application/json")
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"] == 'Session realm="api"'


def test_a_directors_only_operation_says_why_it_refuses():
    operations = {operation["operationId"]: operation for *_, operation in schema_operations()}
    forbidden = operations["scoring_weight_set_active"]["responses"]["403"]
    assert forbidden["description"].startswith("Only directors and administrators can manage")
    assert forbidden["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    # An operation's own description wins over the shared one.
    rate = operations["scoring_rating_set"]["responses"]["403"]
    assert rate["description"] == "A client you may see but not rate."


class ReadApi(APIView):
    def get(self, request):
        raise AssertionError("not called")


class WriteApi(APIView):
    def post(self, request):
        raise AssertionError("not called")


def test_a_route_knows_which_operation_answers_each_method():
    class BothApi(api.Route, ReadApi, WriteApi):
        pass

    assert BothApi.operation("GET") is ReadApi
    assert BothApi.operation("HEAD") is ReadApi
    assert BothApi.operation("post") is WriteApi
    assert BothApi.operation("OPTIONS") is BothApi


class OtherReadApi(APIView):
    def get(self, request):
        raise AssertionError("not called")


def test_two_operations_answering_one_method_cannot_share_a_route():
    with pytest.raises(TypeError, match="two operations answer GET"):

        class TwiceApi(api.Route, ReadApi, OtherReadApi):
            pass


def test_a_route_hands_each_request_to_its_operation(client, alice, dana):
    """A contact's URL: changing and deleting each go through their own class."""
    company = ClientFactory(kam=alice)
    contact = ContactFactory(client=company)
    url = reverse("api-accounts:contact_detail", args=[company.pk, contact.pk])
    client.force_login(dana)
    assert client.get(url).status_code == 405
    changed = client.put(url, {"last_name": "Durand"}, content_type="application/json")
    assert changed.status_code == 200
    assert changed.json()["last_name"] == "Durand"
    assert client.delete(url).status_code == 204
