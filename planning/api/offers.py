"""A plan's offers, and the catalogue of offerings (read by anyone, kept by directors)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of, seen, user_of
from planning.models import Offer, Offering
from planning.selectors import objectives as selectors
from planning.services import offers as services


@extend_schema_serializer(component_name="Offering")
class OfferingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Offering.Kind.choices)
    description = serializers.CharField()
    active = serializers.BooleanField(help_text="Still offered: new offers may use it.")
    position = serializers.IntegerField()


@extend_schema_serializer(component_name="Offer")
class OfferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    offering = serializers.IntegerField(source="offering_id")
    offering_name = serializers.CharField(source="offering.name")
    business_unit = serializers.CharField()
    status = serializers.ChoiceField(choices=Offer.Status.choices)
    pricing = serializers.ChoiceField(choices=Offer.Pricing.choices)
    value_drivers = serializers.CharField()
    annual_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    note = serializers.CharField()


class OfferInputSerializer(serializers.Serializer):
    offering = serializers.IntegerField()
    business_unit = serializers.CharField(max_length=150)
    status = serializers.ChoiceField(choices=Offer.Status.choices)
    pricing = serializers.ChoiceField(choices=Offer.Pricing.choices)
    value_drivers = serializers.CharField(
        required=False, allow_blank=True, help_text="Required for value-based pricing."
    )
    annual_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True)


def _with_offering(values: dict[str, Any]) -> dict[str, Any]:
    if "offering" in values:
        offering = Offering.objects.filter(pk=values["offering"]).first()
        if offering is None:
            raise ValidationError({"offering": _("No such offering.")})
        values = {**values, "offering": offering}
    return values


# --- offers ---------------------------------------------------------------------------------------


class OfferListApi(APIView):
    @extend_schema(
        operation_id="planning_offers",
        summary="A plan's offers: offerings by the customer's business units or sites",
        responses={200: OfferSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        offers = Offer.objects.filter(plan=plan).select_related("offering")
        return Response(OfferSerializer(offers, many=True).data)


class OfferCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_offer_create",
        summary="Put an offering in the plan for a business unit or site",
        request=extend_schema_serializer(component_name="OfferInput")(OfferInputSerializer),
        responses={201: OfferSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = OfferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.offer_add(
            user=user_of(request), plan=plan, **_with_offering(data.validated_data)
        )
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class OfferCollectionApi(api.Route, OfferListApi, OfferCreateApi):
    """GET lists a plan's offers, POST adds one."""


def _offer(view: APIView, request: Request, offer_id: int) -> Offer:
    offer = seen(request, Offer.objects.select_related("offering"), "plan", offer_id)
    offer.plan = plan_of(request, offer.plan_id)
    view.check_object_permissions(request, offer.plan)
    return offer


class OfferGetApi(APIView):
    @extend_schema(
        operation_id="planning_offer",
        summary="One offer, with its ETag (its version) for If-Match",
        parameters=[api.ETAG],
        responses={200: OfferSerializer},
    )
    def get(self, request: Request, offer_id: int) -> Response:
        offer = seen(request, Offer.objects.select_related("offering"), "plan", offer_id)
        return api.with_etag(Response(OfferSerializer(offer).data), offer)


class OfferUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_offer_update",
        summary="Change an offer",
        parameters=[api.IF_MATCH, api.ETAG],
        request=extend_schema_serializer(component_name="OfferUpdateInput")(OfferInputSerializer),
        responses={200: OfferSerializer, **api.PRECONDITIONS},
    )
    def patch(self, request: Request, offer_id: int) -> Response:
        offer = _offer(self, request, offer_id)
        version = api.if_match(request)
        data = OfferInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        offer = services.offer_update(
            user=user_of(request),
            offer=offer,
            version=version,
            **_with_offering(data.validated_data),
        )
        return api.with_etag(Response(OfferSerializer(offer).data), offer)


class OfferDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_offer_delete",
        summary="Delete an offer",
        parameters=[api.IF_MATCH],
        responses={204: None, **api.PRECONDITIONS},
    )
    def delete(self, request: Request, offer_id: int) -> Response:
        offer = _offer(self, request, offer_id)
        version = api.if_match(request)
        services.offer_delete(user=user_of(request), offer=offer, version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OfferApi(api.Route, OfferGetApi, OfferUpdateApi, OfferDeleteApi):
    """GET reads an offer, PATCH changes it, DELETE removes it."""


# --- offerings ------------------------------------------------------------------------------------


class OfferingInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=Offering.Kind.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class OfferingListApi(APIView):
    @extend_schema(
        operation_id="planning_offerings",
        summary="The catalogue of offerings",
        responses={200: OfferingSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(OfferingSerializer(selectors.offering_list(), many=True).data)


class OfferingCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_open_plan)]

    @extend_schema(
        operation_id="planning_offering_create",
        summary="Add an offering to the catalogue (directors)",
        request=extend_schema_serializer(component_name="OfferingInput")(OfferingInputSerializer),
        responses={201: OfferingSerializer},
    )
    def post(self, request: Request) -> Response:
        data = OfferingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offering = services.offering_create(user=user_of(request), **data.validated_data)
        return Response(OfferingSerializer(offering).data, status=status.HTTP_201_CREATED)


class OfferingCollectionApi(api.Route, OfferingListApi, OfferingCreateApi):
    """GET lists the catalogue, POST adds an offering (directors)."""


class OfferingUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_open_plan)]

    @extend_schema(
        operation_id="planning_offering_update",
        summary="Change an offering (directors)",
        request=extend_schema_serializer(component_name="OfferingUpdateInput")(
            OfferingInputSerializer
        ),
        responses={200: OfferingSerializer},
    )
    def patch(self, request: Request, offering_id: int) -> Response:
        offering = get_object_or_404(Offering, pk=offering_id)
        data = OfferingInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        offering = services.offering_update(
            user=user_of(request), offering=offering, **data.validated_data
        )
        return Response(OfferingSerializer(offering).data)
