"""Plans: the ones you may see, opening one for a key account (directors), and one plan."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as client_selectors
from kam import api, permissions
from planning.models import Plan
from planning.selectors import plans as selectors
from planning.services import plans as services
from planning.services.sections import VISION_FIELDS
from scoring.selectors import shortlist as shortlist_selectors

NO_SUCH_PLAN = OpenApiResponse(
    api.ErrorSerializer, description="No such plan, or not one you may see."
)


@extend_schema_serializer(component_name="Plan")
class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.name")
    year = serializers.IntegerField(source="programme.year")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    status = serializers.ChoiceField(choices=Plan.Status.choices)
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    customer_business = serializers.CharField()
    customer_strategy = serializers.CharField()
    shared_vision = serializers.CharField()
    updated_at = serializers.DateTimeField()


class PlanListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_plans",
        summary="The plans you may see",
        responses={200: PlanSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        plans = selectors.plan_list(user=request.user)  # type: ignore[arg-type]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(plans, request, view=self)
        return paginator.get_paginated_response(PlanSerializer(page, many=True).data)


class PlanOpenApi(APIView):
    permission_classes = [api.allows(permissions.may_open_plan)]

    @extend_schema_serializer(component_name="PlanOpenInput")
    class InputSerializer(serializers.Serializer):
        client = serializers.IntegerField()
        year = serializers.IntegerField()
        period_start = serializers.DateField(required=False)
        period_end = serializers.DateField(required=False)

    @extend_schema(
        operation_id="planning_plan_open",
        summary="Open the plan of a key account for a period (directors)",
        description="Only a client of the programme year's confirmed shortlist gets a plan; the "
        "period (by default the programme year) overlaps no other plan of the client.",
        request=InputSerializer,
        responses={201: PlanSerializer, 404: api.NOT_FOUND},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        company = get_object_or_404(
            client_selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=values["client"],
        )
        programme = get_object_or_404(shortlist_selectors.programme_list(), year=values["year"])
        plan = services.plan_open(
            user=request.user,  # type: ignore[arg-type]
            client=company,
            programme=programme,
            period_start=values.get("period_start"),
            period_end=values.get("period_end"),
        )
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanCollectionApi(api.Route, PlanListApi, PlanOpenApi):
    """GET lists the plans you may see, POST opens one."""


class PlanDetailApi(APIView):
    @extend_schema(
        operation_id="planning_plan",
        summary="One plan",
        description="Its ETag is the version of its vision texts, for If-Match when you "
        "change them.",
        parameters=[api.ETAG],
        responses={200: PlanSerializer, 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = selectors.plan_get(user=request.user, plan_id=plan_id)  # type: ignore[arg-type]
        return api.with_etag(Response(PlanSerializer(plan).data), plan, VISION_FIELDS)
