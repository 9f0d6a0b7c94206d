"""A plan's first sections by API: the shared vision (a PATCH on the plan) and the SWOT.

Rows are looked up among those of the plans the caller sees (else 404); a write needs
``may_edit_plan`` over the plan (else 403 saying why); the services refuse bad input (400)."""

from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN, PlanDetailApi, PlanSerializer
from planning.models import Plan, SwotItem
from planning.selectors import plans as plan_selectors
from planning.services import sections as services


def user_of(request: Request) -> User:
    return request.user  # type: ignore[return-value]


def seen[M: Model](request: Request, rows: QuerySet[M], path: str, pk: int) -> M:
    """Row ``pk`` of a plan the caller sees (``path``: the lookup from the row to its plan)."""
    visible = plan_selectors.plan_list(user=user_of(request)).values("pk")
    return get_object_or_404(rows.filter(**{f"{path}__in": visible}), pk=pk)


def plan_of(request: Request, plan_id: int) -> Plan:
    """The plan with its client (for the capabilities), if the caller sees it."""
    return plan_selectors.plan_get(user=user_of(request), plan_id=plan_id)


class DirectionSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"])


# --- 1. vision ------------------------------------------------------------------------------------


class PlanVisionUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="PlanVisionInput")
    class InputSerializer(serializers.Serializer):
        customer_business = serializers.CharField(required=False, allow_blank=True)
        customer_strategy = serializers.CharField(required=False, allow_blank=True)
        shared_vision = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        operation_id="planning_plan_vision_update",
        summary="Change the plan's shared vision and the customer's strategy",
        description="Any of the three texts; the others stay as they are. If-Match: the "
        "plan's ETag as read, the version of its three texts.",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: PlanSerializer, 404: NO_SUCH_PLAN, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.plan_vision_update(
            user=user_of(request), plan=plan, version=version, **data.validated_data
        )
        return api.with_etag(Response(PlanSerializer(plan).data), plan, services.VISION_FIELDS)


class PlanRoute(api.Route, PlanDetailApi, PlanVisionUpdateApi):
    """GET reads the plan, PATCH changes its vision."""


# --- 2. SWOT --------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="SwotItem")
class SwotItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    quadrant = serializers.ChoiceField(choices=SwotItem.Quadrant.choices)
    text = serializers.CharField()
    position = serializers.IntegerField()


class SwotItemListApi(APIView):
    @extend_schema(
        operation_id="planning_swot_items",
        summary="The SWOT of a plan, by quadrant and position",
        responses={200: SwotItemSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        items = SwotItem.objects.filter(plan=plan).order_by("quadrant", "position", "pk")
        return Response(SwotItemSerializer(items, many=True).data)


class SwotItemCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="SwotItemInput")
    class InputSerializer(serializers.Serializer):
        quadrant = serializers.ChoiceField(choices=SwotItem.Quadrant.choices)
        text = serializers.CharField(max_length=300)

    @extend_schema(
        operation_id="planning_swot_item_create",
        summary="Add a point at the end of a SWOT quadrant",
        request=InputSerializer,
        responses={201: SwotItemSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.swot_item_add(user=user_of(request), plan=plan, **data.validated_data)
        return Response(SwotItemSerializer(item).data, status=status.HTTP_201_CREATED)


class SwotItemCollectionApi(api.Route, SwotItemListApi, SwotItemCreateApi):
    """GET lists a plan's SWOT, POST adds a point."""


def _swot_item(view: APIView, request: Request, swot_id: int) -> SwotItem:
    item = seen(request, SwotItem.objects.all(), "plan", swot_id)
    item.plan = plan_of(request, item.plan_id)
    view.check_object_permissions(request, item.plan)
    return item


class SwotItemGetApi(APIView):
    @extend_schema(
        operation_id="planning_swot_item",
        summary="One SWOT point, with its ETag (its version) for If-Match",
        parameters=[api.ETAG],
        responses={200: SwotItemSerializer},
    )
    def get(self, request: Request, swot_id: int) -> Response:
        item = seen(request, SwotItem.objects.all(), "plan", swot_id)
        return api.with_etag(Response(SwotItemSerializer(item).data), item)


class SwotItemUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="SwotItemUpdateInput")
    class InputSerializer(serializers.Serializer):
        quadrant = serializers.ChoiceField(choices=SwotItem.Quadrant.choices, required=False)
        text = serializers.CharField(max_length=300, required=False)

    @extend_schema(
        operation_id="planning_swot_item_update",
        summary="Change a SWOT point (a new quadrant puts it at that one's end)",
        parameters=[api.IF_MATCH, api.ETAG],
        request=InputSerializer,
        responses={200: SwotItemSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, swot_id: int) -> Response:
        item = _swot_item(self, request, swot_id)
        version = api.if_match(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        item = services.swot_item_update(
            user=user_of(request),
            item=item,
            text=values.get("text", item.text),
            quadrant=values.get("quadrant"),
            version=version,
        )
        return api.with_etag(Response(SwotItemSerializer(item).data), item)


class SwotItemDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_swot_item_delete",
        summary="Delete a SWOT point",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, swot_id: int) -> Response:
        item = _swot_item(self, request, swot_id)
        version = api.if_match(request)
        services.swot_item_delete(user=user_of(request), item=item, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SwotItemApi(api.Route, SwotItemGetApi, SwotItemUpdateApi, SwotItemDeleteApi):
    """GET reads a SWOT point, PATCH changes it, DELETE removes it."""


class SwotItemMoveApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_swot_item_move",
        summary="Move a SWOT point one place up or down in its quadrant",
        request=DirectionSerializer,
        responses={200: SwotItemSerializer},
    )
    def post(self, request: Request, swot_id: int) -> Response:
        item = _swot_item(self, request, swot_id)
        data = DirectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.swot_item_move(
            user=user_of(request), item=item, direction=data.validated_data["direction"]
        )
        return Response(SwotItemSerializer(item).data)
