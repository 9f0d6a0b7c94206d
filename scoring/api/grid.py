"""The selection grid (each client on each active criterion) and the ratings of the strategic and
maturity criteria. Who sees which client is the selectors' business, so a hidden client is a 404;
who may rate a client it sees is ``permissions.may_rate_client``."""

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as client_selectors
from accounts.models import User
from kam import api, permissions
from scoring.models import Criterion, Rating
from scoring.selectors import grid as grid_selectors
from scoring.selectors import weights as weight_selectors
from scoring.services import ratings

LEVEL_ERRORS: dict[str, Any] = {
    "invalid": gettext_lazy("A level is a whole number from 1 to 5."),
    "min_value": gettext_lazy("A level is 1 to 5."),
    "max_value": gettext_lazy("A level is 1 to 5."),
    "max_string_length": gettext_lazy("A level is 1 to 5."),
}


@extend_schema_serializer(component_name="Rating")
class RatingOutputSerializer(serializers.Serializer):
    """A rating; ``context["current"]`` holds the ids of the client's current ratings."""

    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    criterion = serializers.CharField(source="criterion.code")
    criterion_name = serializers.CharField(source="criterion.name")
    family = serializers.ChoiceField(source="criterion.family", choices=Criterion.Family.choices)
    level = serializers.IntegerField(help_text="1 to 5.")
    note = serializers.CharField()
    author = serializers.IntegerField(source="author_id")
    author_name = serializers.CharField(source="author")
    created_at = serializers.DateTimeField()
    is_current = serializers.SerializerMethodField(
        help_text="The client's latest rating on this criterion: the one the score uses."
    )

    def get_is_current(self, rating: Rating) -> bool:
        return rating.pk in self.context["current"]


class RatingListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="scoring_client_ratings",
        summary="A client's ratings, newest first",
        description="Every rating given to the client on the rated criteria (strategic "
        "alignment and maturity), newest first, paginated. The latest rating on a criterion is "
        "the current one (`is_current`).",
        responses={200: RatingOutputSerializer(many=True), 404: api.NO_SUCH_CLIENT},
    )
    def get(self, request: Request, client_id: int) -> Response:
        user: User = request.user  # type: ignore[assignment]
        company = get_object_or_404(client_selectors.client_list(user=user), pk=client_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            grid_selectors.rating_list(user=user, client=company), request, view=self
        )
        current = grid_selectors.rating_current_ids(client=company)
        output = RatingOutputSerializer(page, many=True, context={"current": current})
        return paginator.get_paginated_response(output.data)


class RatingSetApi(APIView):
    permission_classes = [api.allows(permissions.may_rate_client)]

    @extend_schema_serializer(component_name="RatingInput")
    class InputSerializer(serializers.Serializer):
        client = serializers.IntegerField(help_text="A client you may see.")
        criterion = serializers.SlugField(help_text="The code of a rated criterion.")
        level = serializers.IntegerField(
            min_value=1, max_value=5, error_messages=LEVEL_ERRORS, help_text="1 to 5."
        )
        note = serializers.CharField(
            required=False, allow_blank=True, max_length=2000, default="", help_text="Evidence."
        )

    @extend_schema(
        operation_id="scoring_rating_set",
        summary="Rate a client on a strategic or maturity criterion",
        description="The new rating becomes the client's current one on that criterion; the "
        "score follows at the next computation, requested a few seconds later. The client's "
        "key account manager rates their own clients, directors any client.",
        request=InputSerializer,
        responses={
            201: RatingOutputSerializer,
            400: OpenApiResponse(
                description="A level outside 1 to 5, an unknown, inactive or financial criterion."
            ),
            403: OpenApiResponse(
                api.ErrorSerializer, description="A client you may see but not rate."
            ),
            404: api.NO_SUCH_CLIENT,
        },
    )
    def post(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = get_object_or_404(
            client_selectors.client_list(user=user), pk=data.validated_data["client"]
        )
        self.check_object_permissions(request, company)
        code = data.validated_data["criterion"]
        criterion = weight_selectors.criterion_list(include_inactive=True).filter(code=code).first()
        if criterion is None:
            raise ValidationError(
                {"criterion": _("There is no criterion %(code)s.") % {"code": code}}
            )
        rating = ratings.rating_set(
            user=user,
            client=company,
            criterion=criterion,
            level=data.validated_data["level"],
            note=data.validated_data["note"],
        )
        output = RatingOutputSerializer(rating, context={"current": {rating.pk}})
        return Response(output.data, status=status.HTTP_201_CREATED)


class ScoringGridApi(APIView):
    pagination_class = api.Pagination

    @extend_schema_serializer(component_name="GridRow")
    class OutputSerializer(serializers.Serializer):
        @extend_schema_serializer(component_name="GridCell")
        class CellSerializer(serializers.Serializer):
            criterion = serializers.CharField(source="criterion.code")
            family = serializers.ChoiceField(
                source="criterion.family", choices=Criterion.Family.choices
            )
            level = serializers.IntegerField(
                allow_null=True, help_text="Rated criteria: the current rating, 1 to 5."
            )
            raw = serializers.FloatField(
                allow_null=True, help_text="The raw value the latest run scored; None: missing."
            )
            missing = serializers.BooleanField()
            met = serializers.BooleanField(
                allow_null=True,
                help_text="Normalised score at least the criterion's threshold in the latest "
                "run; None when the run did not score the criterion.",
            )
            normalised = serializers.FloatField(allow_null=True, help_text="0 to 1.")
            pending = serializers.BooleanField(
                help_text="The current rating is newer than the latest run's."
            )
            rated_by = serializers.CharField(source="rating.author", allow_null=True, default=None)
            rated_on = serializers.DateField(
                source="rating.day",
                allow_null=True,
                default=None,
                help_text="The day of the current rating, in the installation's time zone.",
            )

        rank = serializers.IntegerField()
        client = serializers.IntegerField(source="client_id")
        client_name = serializers.CharField()
        kam_name = serializers.CharField(source="kam", help_text='"" without a KAM.')
        total = serializers.FloatField(help_text="Out of 100.")
        met_count = serializers.IntegerField(help_text="Criteria met.")
        editable = serializers.BooleanField(help_text="Whether you may rate this client.")
        criteria = CellSerializer(source="cells", many=True)

    @extend_schema(
        operation_id="scoring_grid",
        summary="The selection grid: each client you may see on each active criterion",
        description="The rows of the latest successful run, in rank order unless sorted, "
        "paginated (50 a page by default, `page_size` up to 500). Empty before the first run.",
        parameters=[
            OpenApiParameter(
                "sort", str, description="rank, client, total, met or a criterion code."
            ),
            OpenApiParameter("dir", str, enum=["asc", "desc"]),
        ],
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        grid = grid_selectors.grid_latest(
            user=request.user,  # type: ignore[arg-type]
            sort=request.query_params.get("sort", ""),
            direction=request.query_params.get("dir", ""),
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(grid.rows, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)
