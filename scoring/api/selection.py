"""Selecting the key accounts (directors): each programme year's budget and KAM headcount, the
clients' costs to serve, and the shortlist with its confirmation."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as client_selectors
from kam import api, permissions
from scoring.api import overrides as override_api
from scoring.selectors import shortlist as shortlist_selectors
from scoring.services import selection

NO_SUCH_YEAR = OpenApiResponse(api.ErrorSerializer, description="No such programme year.")


@extend_schema_serializer(component_name="Programme")
class ProgrammeSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    kam_headcount = serializers.IntegerField()
    kam_cost = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Yearly cost of one full-time KAM."
    )
    updated_at = serializers.DateTimeField()


class ProgrammeListApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema(
        operation_id="scoring_programmes",
        summary="Every programme year with its budget and KAM headcount (directors)",
        responses={200: ProgrammeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(ProgrammeSerializer(shortlist_selectors.programme_list(), many=True).data)


class ProgrammeSaveApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="ProgrammeSaveInput")
    class InputSerializer(serializers.Serializer):
        budget = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(0))
        currency = serializers.CharField(max_length=3, required=False, default="")
        kam_headcount = serializers.IntegerField(min_value=0, max_value=1000)
        kam_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0))

    @extend_schema(
        operation_id="scoring_programme_save",
        summary="Set a programme year's budget and KAM headcount (directors)",
        request=InputSerializer,
        responses={200: ProgrammeSerializer},
    )
    def put(self, request: Request, year: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        programme = selection.programme_save(
            user=request.user,  # type: ignore[arg-type]
            year=year,
            **data.validated_data,
        )
        return Response(ProgrammeSerializer(programme).data)


class CostToServeSetApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="CostToServeSetInput")
    class InputSerializer(serializers.Serializer):
        kam_share = serializers.DecimalField(
            max_digits=3, decimal_places=2, help_text="Share of a KAM's time, above 0 up to 1."
        )
        travel = serializers.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
        dedicated = serializers.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
        note = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)

    @extend_schema_serializer(component_name="CostToServe")
    class OutputSerializer(InputSerializer):
        client = serializers.IntegerField(source="client_id")
        updated_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="scoring_cost_to_serve_set",
        summary="Set a client's yearly cost-to-serve estimate (directors)",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            404: api.NO_SUCH_CLIENT,
        },
    )
    def put(self, request: Request, client_id: int) -> Response:
        company = get_object_or_404(
            client_selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cost = selection.cost_to_serve_set(
            user=request.user,  # type: ignore[arg-type]
            client=company,
            **data.validated_data,
        )
        return Response(self.OutputSerializer(cost).data)


@extend_schema_serializer(component_name="Shortlist")
class ShortlistSerializer(serializers.Serializer):
    @extend_schema_serializer(component_name="ShortlistClient")
    class RowSerializer(serializers.Serializer):
        client = serializers.IntegerField(source="client.pk")
        client_name = serializers.CharField(source="client.name")
        rank = serializers.IntegerField(source="score.rank", allow_null=True, default=None)
        total = serializers.FloatField(source="score.total", allow_null=True, default=None)
        cost = serializers.DecimalField(
            max_digits=14, decimal_places=2, allow_null=True, help_text="None: not estimated."
        )
        attractiveness = serializers.FloatField(allow_null=True)
        maturity = serializers.FloatField(allow_null=True)
        override = override_api.OverrideSerializer(allow_null=True)

    @extend_schema_serializer(component_name="ShortlistDecision")
    class DecisionSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        client_ids = serializers.ListField(child=serializers.IntegerField())
        cost = serializers.DecimalField(max_digits=14, decimal_places=2)
        budget = serializers.DecimalField(max_digits=14, decimal_places=2)
        kam_needed = serializers.IntegerField()
        kam_headcount = serializers.IntegerField()
        reason = serializers.CharField()
        budget_exception = serializers.CharField()
        decided_by = serializers.CharField()
        decided_at = serializers.DateTimeField()

    programme = ProgrammeSerializer()
    clients = RowSerializer(source="chosen", many=True)
    count = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    over_money = serializers.BooleanField()
    over_kams = serializers.BooleanField()
    guardrail = serializers.ChoiceField(
        choices=["empty", "ok", "warning", "confirm"],
        help_text="ok: 1 to 5; warning: 6 to 10; confirm: above 10, confirming needs a reason.",
    )
    is_confirmed = serializers.BooleanField()
    decision = DecisionSerializer(allow_null=True, help_text="The latest confirmation.")


class ShortlistDetailApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema(
        operation_id="scoring_shortlist",
        summary="A programme year's shortlist with its cost, capacity and guardrail (directors)",
        responses={200: ShortlistSerializer, 404: NO_SUCH_YEAR},
    )
    def get(self, request: Request, year: int) -> Response:
        programme = get_object_or_404(shortlist_selectors.programme_list(), year=year)
        board = shortlist_selectors.shortlist_board(user=request.user, programme=programme)  # type: ignore[arg-type]
        return Response(ShortlistSerializer(board).data)


class ShortlistSetApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="ShortlistSetInput")
    class InputSerializer(serializers.Serializer):
        client_ids = serializers.ListField(child=serializers.IntegerField(), max_length=500)

    @extend_schema(
        operation_id="scoring_shortlist_set",
        summary="Make a programme year's shortlist exactly these clients (directors)",
        description="Only clients with ledger history that no override forces out; one refused "
        "client and nothing changes. The shortlist then needs confirming again.",
        request=InputSerializer,
        responses={
            200: ShortlistSerializer,
            404: NO_SUCH_YEAR,
        },
    )
    def put(self, request: Request, year: int) -> Response:
        programme = get_object_or_404(shortlist_selectors.programme_list(), year=year)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["client_ids"]))
        clients = client_selectors.client_list(user=request.user).in_bulk(wanted)  # type: ignore[arg-type]
        missing = [pk for pk in wanted if pk not in clients]
        if missing:
            raise ValidationError(
                {"client_ids": _("There is no client %(id)s.") % {"id": missing[0]}}
            )
        selection.shortlist_set(
            user=request.user,  # type: ignore[arg-type]
            programme=programme,
            clients=[clients[pk] for pk in wanted],
        )
        board = shortlist_selectors.shortlist_board(user=request.user, programme=programme)  # type: ignore[arg-type]
        return Response(ShortlistSerializer(board).data)


class ShortlistApi(api.Route, ShortlistDetailApi, ShortlistSetApi):
    """GET reads a programme year's shortlist, PUT sets it."""


class ShortlistConfirmApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="ShortlistConfirmInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=4000,
            help_text="Required above ten key accounts.",
        )  # fmt: skip
        budget_exception = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=4000,
            help_text="Required when over the budget or the KAM headcount.",
        )  # fmt: skip

    @extend_schema(
        operation_id="scoring_shortlist_confirm",
        summary="Confirm a programme year's shortlist as it stands (directors)",
        request=InputSerializer,
        responses={
            201: ShortlistSerializer.DecisionSerializer,
            404: NO_SUCH_YEAR,
        },
    )
    def post(self, request: Request, year: int) -> Response:
        programme = get_object_or_404(shortlist_selectors.programme_list(), year=year)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = selection.shortlist_confirm(
            user=request.user,  # type: ignore[arg-type]
            programme=programme,
            **data.validated_data,
        )
        return Response(
            ShortlistSerializer.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED
        )
