"""The customer's people in a plan (stakeholders) and our counterparts facing them (pairs).

A plan, a stakeholder or a pair the caller may not see is a 404; a caller who sees it but may not
change the plan gets a 403 saying why; the services refuse bad input with a 400 (another client's
contact, a reports-to loop, an influence outside 1 to 5, a user who is not active or another
KAM, a stakeholder of another plan)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Contact, User
from kam import api, permissions
from planning.models import Cadence, CounterpartPair, Level, Plan, Stakeholder
from planning.selectors import people as selectors
from planning.selectors import plans as plan_selectors
from planning.services import people as services


def _user(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def _row[M: Model](model: type[M], pk: int | None, field: str, message: str) -> M | None:
    """The row ``pk`` of ``model`` (``None`` for no id), or a 400 on ``field`` saying so."""
    if pk is None:
        return None
    row = model._default_manager.filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: message})
    return row


# --- stakeholders ------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Stakeholder")
class StakeholderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.__str__")
    title = serializers.CharField(source="contact.title")
    country = serializers.CharField(source="contact.country")
    buying_role = serializers.ChoiceField(choices=Stakeholder.BuyingRole.choices)
    attitude = serializers.ChoiceField(choices=Stakeholder.Attitude.choices)
    influence = serializers.IntegerField(min_value=1, max_value=5)
    level = serializers.ChoiceField(choices=Level.choices)
    reports_to = serializers.IntegerField(source="reports_to_id", allow_null=True)
    note = serializers.CharField()


class StakeholderInput(serializers.Serializer):
    buying_role = serializers.ChoiceField(choices=Stakeholder.BuyingRole.choices)
    attitude = serializers.ChoiceField(
        choices=Stakeholder.Attitude.choices, default=Stakeholder.Attitude.NEUTRAL
    )
    influence = serializers.IntegerField(default=3, help_text="1 (low) to 5 (decisive).")
    level = serializers.ChoiceField(choices=Level.choices, default=Level.MANAGEMENT)
    reports_to = serializers.IntegerField(
        allow_null=True, default=None, help_text="Another stakeholder of the same plan."
    )
    note = serializers.CharField(allow_blank=True, default="")


def _reports_to(pk: int | None) -> Stakeholder | None:
    return _row(Stakeholder, pk, "reports_to", _("No such stakeholder."))


class StakeholderListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_stakeholders",
        summary="The customer's people in a plan",
        responses={200: StakeholderSerializer(many=True)},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_get(user=_user(request), plan_id=plan_id)
        people = selectors.stakeholder_list(plan=plan).order_by("pk")
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(people, request, view=self)
        return paginator.get_paginated_response(StakeholderSerializer(page, many=True).data)


class StakeholderCreateApi(APIView):
    @extend_schema_serializer(component_name="StakeholderCreateInput")
    class InputSerializer(StakeholderInput):
        contact = serializers.IntegerField(help_text="A contact of the plan's client.")

    @extend_schema(
        operation_id="planning_stakeholder_create",
        summary="Name one of the client's contacts among the plan's stakeholders",
        request=InputSerializer,
        responses={201: StakeholderSerializer},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_for_edit(user=_user(request), plan_id=plan_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        contact = _row(Contact, values.pop("contact"), "contact", _("No such contact."))
        assert contact is not None
        values["reports_to"] = _reports_to(values["reports_to"])
        person = services.stakeholder_add(user=_user(request), plan=plan, contact=contact,
                                          **values)  # fmt: skip
        return Response(StakeholderSerializer(person).data, status=status.HTTP_201_CREATED)


class StakeholderCollectionApi(api.Route, StakeholderListApi, StakeholderCreateApi):
    """GET lists the plan's stakeholders, POST adds one."""


def _stakeholder(request: Request, stakeholder_id: int) -> Stakeholder:
    """A stakeholder of a plan the caller sees (else 404) and may change (else 403)."""
    visible = plan_selectors.plan_list(user=_user(request))
    person = get_object_or_404(
        Stakeholder.objects.filter(plan__in=visible).select_related("contact", "plan__client"),
        pk=stakeholder_id,
    )
    permissions.require(permissions.may_edit_plan, _user(request), person.plan)
    return person


class StakeholderGetApi(APIView):
    @extend_schema(
        operation_id="planning_stakeholder",
        summary="One of the customer's people in a plan, with the ETag (its version) for If-Match",
        parameters=[api.ETAG],
        responses={200: StakeholderSerializer},
    )
    def get(self, request: Request, stakeholder_id: int) -> Response:
        visible = plan_selectors.plan_list(user=_user(request))
        found = get_object_or_404(
            Stakeholder.objects.filter(plan__in=visible).select_related("plan"), pk=stakeholder_id
        )
        person = selectors.stakeholder_list(plan=found.plan).get(pk=found.pk)
        return api.with_etag(Response(StakeholderSerializer(person).data), person)


class StakeholderUpdateApi(APIView):
    @extend_schema_serializer(component_name="StakeholderUpdateInput")
    class InputSerializer(StakeholderInput):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, partial=True, **kwargs)

    @extend_schema(
        operation_id="planning_stakeholder_update",
        summary="Change how the plan sees one of the customer's people",
        description="Send only what changes.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: StakeholderSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, stakeholder_id: int) -> Response:
        person = _stakeholder(request, stakeholder_id)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {
            "buying_role": person.buying_role,
            "attitude": person.attitude,
            "influence": person.influence,
            "level": person.level,
            "reports_to": person.reports_to,
            "note": person.note,
        }
        changes = dict(data.validated_data)
        if "reports_to" in changes:
            changes["reports_to"] = _reports_to(changes["reports_to"])
        person = services.stakeholder_update(
            user=_user(request), stakeholder=person, version=version, **{**values, **changes}
        )
        return api.with_etag(Response(StakeholderSerializer(person).data), person)


class StakeholderDeleteApi(APIView):
    @extend_schema(
        operation_id="planning_stakeholder_delete",
        summary="Take a person out of the plan, with their counterpart pairs",
        description="Refused for someone who took part in a logged meeting.",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, stakeholder_id: int) -> Response:
        person = _stakeholder(request, stakeholder_id)
        version = api.if_match(request)
        services.stakeholder_remove(user=_user(request), stakeholder=person, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StakeholderDetailApi(
    api.Route, StakeholderGetApi, StakeholderUpdateApi, StakeholderDeleteApi
):
    """GET reads a stakeholder, PATCH changes them, DELETE takes them out of the plan."""


# --- counterpart pairs ---------------------------------------------------------------------------


@extend_schema_serializer(component_name="CounterpartPair")
class PairSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pair.pk")
    plan = serializers.IntegerField(source="pair.plan_id")
    user = serializers.IntegerField(source="pair.user_id")
    user_name = serializers.CharField(source="pair.user.__str__")
    department = serializers.CharField(source="pair.user.department")
    stakeholder = serializers.IntegerField(source="pair.stakeholder_id")
    stakeholder_name = serializers.CharField(source="pair.stakeholder.contact.__str__")
    country = serializers.CharField(source="pair.stakeholder.contact.country")
    level = serializers.ChoiceField(source="pair.level", choices=Level.choices)
    cadence = serializers.IntegerField(source="pair.cadence_id", allow_null=True)
    last_contact = serializers.DateField(
        allow_null=True, help_text="The last logged meeting of the plan where both took part."
    )
    next_due = serializers.DateField(
        allow_null=True, help_text="When the pair's cadence wants them to meet next."
    )
    overdue = serializers.BooleanField()


def _pair_rows(plan: Plan, **filters: Any) -> list[selectors.PairRow]:
    pairs = list(selectors.counterpart_list(plan=plan).filter(**filters))
    grid = selectors.counterpart_grid(plan, timezone.localdate(), stakeholders=[], pairs=pairs)
    return grid.rows


class PairInput(serializers.Serializer):
    user = serializers.IntegerField(help_text="One of our active users, or the plan's KAM.")
    stakeholder = serializers.IntegerField(help_text="A stakeholder of the same plan.")
    level = serializers.ChoiceField(choices=Level.choices)
    cadence = serializers.IntegerField(allow_null=True, default=None)


def _pair_values(values: dict[str, Any]) -> dict[str, Any]:
    """The rows the ids of ``values`` name, a 400 for an id of nothing."""
    values = dict(values)
    if "user" in values:
        values["person"] = _row(User, values.pop("user"), "user", _("No such user."))
    if "stakeholder" in values:
        values["stakeholder"] = _row(
            Stakeholder, values["stakeholder"], "stakeholder", _("No such stakeholder.")
        )
    if "cadence" in values:
        values["cadence"] = _row(Cadence, values["cadence"], "cadence", _("No such cadence."))
    return values


class PairListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_counterparts",
        summary="Our people paired with the customer's, with their last contact",
        responses={200: PairSerializer(many=True)},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_get(user=_user(request), plan_id=plan_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(_pair_rows(plan), request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(PairSerializer(page, many=True).data)


class PairCreateApi(APIView):
    @extend_schema_serializer(component_name="CounterpartPairCreateInput")
    class InputSerializer(PairInput):
        pass

    @extend_schema(
        operation_id="planning_counterpart_create",
        summary="Pair one of our people with one of the customer's",
        request=InputSerializer,
        responses={201: PairSerializer},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_for_edit(user=_user(request), plan_id=plan_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.counterpart_add(
            user=_user(request), plan=plan, **_pair_values(data.validated_data)
        )
        (row,) = _pair_rows(plan, pk=pair.pk)
        return Response(PairSerializer(row).data, status=status.HTTP_201_CREATED)


class PairCollectionApi(api.Route, PairListApi, PairCreateApi):
    """GET lists the plan's counterpart pairs, POST adds one."""


def _pair(request: Request, pair_id: int) -> CounterpartPair:
    visible = plan_selectors.plan_list(user=_user(request))
    pair = get_object_or_404(
        CounterpartPair.objects.filter(plan__in=visible).select_related(
            "plan__client", "user", "stakeholder", "cadence"
        ),
        pk=pair_id,
    )
    permissions.require(permissions.may_edit_plan, _user(request), pair.plan)
    return pair


class PairGetApi(APIView):
    @extend_schema(
        operation_id="planning_counterpart",
        summary="One counterpart pair, with its ETag (its version) for If-Match",
        parameters=[api.ETAG],
        responses={200: PairSerializer},
    )
    def get(self, request: Request, pair_id: int) -> Response:
        visible = plan_selectors.plan_list(user=_user(request))
        pair = get_object_or_404(
            CounterpartPair.objects.filter(plan__in=visible).select_related("plan"), pk=pair_id
        )
        (row,) = _pair_rows(pair.plan, pk=pair.pk)
        return api.with_etag(Response(PairSerializer(row).data), pair)


class PairUpdateApi(APIView):
    @extend_schema_serializer(component_name="CounterpartPairUpdateInput")
    class InputSerializer(PairInput):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, partial=True, **kwargs)

    @extend_schema(
        operation_id="planning_counterpart_update",
        summary="Change a counterpart pair",
        description="Send only what changes.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: PairSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, pair_id: int) -> Response:
        pair = _pair(request, pair_id)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        current = {
            "person": pair.user,
            "stakeholder": pair.stakeholder,
            "level": pair.level,
            "cadence": pair.cadence,
        }
        changes = _pair_values(data.validated_data)
        pair = services.counterpart_update(
            user=_user(request), pair=pair, version=version, **{**current, **changes}
        )
        (row,) = _pair_rows(pair.plan, pk=pair.pk)
        return api.with_etag(Response(PairSerializer(row).data), pair)


class PairDeleteApi(APIView):
    @extend_schema(
        operation_id="planning_counterpart_delete",
        summary="Remove a counterpart pair",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, pair_id: int) -> Response:
        pair = _pair(request, pair_id)
        version = api.if_match(request)
        services.counterpart_remove(user=_user(request), pair=pair, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PairDetailApi(api.Route, PairGetApi, PairUpdateApi, PairDeleteApi):
    """GET reads a pair, PATCH changes it, DELETE removes it."""
