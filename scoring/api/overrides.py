"""Directors' overrides of a score: the active ones, setting one and withdrawing one."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as client_selectors
from kam import api, permissions
from scoring.models import Override
from scoring.selectors import shortlist as shortlist_selectors
from scoring.services import overrides


@extend_schema_serializer(component_name="ScoreOverride")
class OverrideSerializer(serializers.Serializer):
    """A director's active correction, shown next to the score; the total does not include it."""

    kind = serializers.ChoiceField(choices=Override.Kind.choices)
    points = serializers.FloatField()
    rationale = serializers.CharField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()


class OverrideListApi(APIView):
    @extend_schema_serializer(component_name="ActiveOverride")
    class OutputSerializer(OverrideSerializer):
        id = serializers.IntegerField()
        client = serializers.IntegerField(source="client_id")
        client_name = serializers.CharField(source="client.name")

    @extend_schema(
        operation_id="scoring_overrides",
        summary="The active overrides of the clients you may see",
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        active = shortlist_selectors.override_list_active(user=request.user)  # type: ignore[arg-type]
        return Response(self.OutputSerializer(active, many=True).data)


class OverrideSetApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema_serializer(component_name="OverrideSetInput")
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Override.Kind.choices)
        points = serializers.FloatField(default=0, help_text="Adjustments only.")
        rationale = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="scoring_override_set",
        summary="Override a client's score (directors); replaces its active override",
        description="An adjustment is bounded (±10 points unless `KAM_OVERRIDE_BOUND` says "
        "otherwise); forcing in or out carries no points; a rationale is required; a client "
        "without ledger history cannot be overridden.",
        request=InputSerializer,
        responses={200: OverrideListApi.OutputSerializer, 404: api.NO_SUCH_CLIENT},
    )
    def put(self, request: Request, client_id: int) -> Response:
        company = get_object_or_404(
            client_selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        override = overrides.override_set(
            user=request.user,  # type: ignore[arg-type]
            client=company,
            **data.validated_data,
        )
        return Response(OverrideListApi.OutputSerializer(override).data)


class OverrideClearApi(APIView):
    permission_classes = [api.allows(permissions.may_manage_programme)]

    @extend_schema(
        operation_id="scoring_override_clear",
        summary="Withdraw a client's active override (directors)",
        responses={204: None, 404: api.NO_SUCH_CLIENT},
    )
    def delete(self, request: Request, client_id: int) -> Response:
        company = get_object_or_404(
            client_selectors.client_list(user=request.user),  # type: ignore[arg-type]
            pk=client_id,
        )
        overrides.override_clear(user=request.user, client=company)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClientOverrideApi(api.Route, OverrideSetApi, OverrideClearApi):
    """PUT sets a client's override, DELETE withdraws it."""
