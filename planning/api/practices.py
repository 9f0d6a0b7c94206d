"""Good practices by API: searched (full text, French and English, ranked and highlighted) and
read by everyone in the programme, shared by anyone, changed by their author or a director; and
the practices a plan says it reuses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of, user_of
from planning.models import Meeting, Practice, PracticeReuse
from planning.selectors import plans as plan_selectors
from planning.selectors import practices as selectors
from planning.selectors import projects as project_selectors
from planning.services import practices as services


def _with_context(fields: dict[str, Any], *, required: bool) -> dict[str, Any]:
    """The practice's ``context`` field, added here: a serializer's own ``context`` attribute
    (what DRF passes it) cannot be a declared field."""
    fields = dict(fields)
    fields["context"] = serializers.CharField(
        required=required, help_text="The account's situation, the problem."
    )
    return fields


@extend_schema_serializer(component_name="Practice")
class PracticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    what_worked = serializers.CharField()
    evidence = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    source_plan = serializers.SerializerMethodField(
        help_text="The plan it comes from, if you see that plan."
    )
    source_meeting = serializers.SerializerMethodField(
        help_text="The meeting it comes from, if you see its plan."
    )
    source_project = serializers.SerializerMethodField(
        help_text="The investment project it comes from, if you see its plan."
    )
    author = serializers.IntegerField(source="author_id")
    created_at = serializers.DateTimeField()
    rank = serializers.FloatField(
        required=False, help_text="How well it matches the search (searches only)."
    )
    headline = serializers.CharField(
        required=False,
        help_text="Its context and what worked around the matching words, which are between "
        "<mark> and </mark>; the rest is escaped HTML (searches only).",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        return _with_context(super().get_fields(), required=True)

    def get_source_plan(self, practice: Practice) -> int | None:
        return practice.source_plan_id if getattr(practice, "source_visible", False) else None

    def get_source_meeting(self, practice: Practice) -> int | None:
        return practice.source_meeting_id if getattr(practice, "source_visible", False) else None

    def get_source_project(self, practice: Practice) -> int | None:
        return practice.source_project_id if getattr(practice, "source_visible", False) else None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if getattr(instance, "headline", None) is not None:
            data["headline"] = str(selectors.highlighted(instance.headline))
        return data


class PracticeInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    what_worked = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    source_plan = serializers.IntegerField(required=False, allow_null=True)
    source_meeting = serializers.IntegerField(required=False, allow_null=True)
    source_project = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An investment project you see; its plan becomes the practice's plan.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        return _with_context(super().get_fields(), required=True)


def _sources(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """The plan, meeting and investment project named by id, among those the caller sees
    (else a 400 saying so)."""
    values = dict(values)
    plans = plan_selectors.plan_list(user=user_of(request))
    if values.get("source_plan") is not None:
        plan = plans.filter(pk=values["source_plan"]).first()
        if plan is None:
            raise ValidationError({"source_plan": _("No such plan, or not one you may see.")})
        values["source_plan"] = plan
    if values.get("source_meeting") is not None:
        meeting = Meeting.objects.filter(
            pk=values["source_meeting"], plan__in=plans.values("pk")
        ).first()
        if meeting is None:
            raise ValidationError({"source_meeting": _("No such meeting, or not one you may see.")})
        values["source_meeting"] = meeting
    if values.get("source_project") is not None:
        project = (
            project_selectors.project_list(user=user_of(request))
            .filter(pk=values["source_project"])
            .first()
        )
        if project is None:
            raise ValidationError(
                {"source_project": _("No such investment project, or not one you may see.")}
            )
        values["source_project"] = project
    return values


class PracticeListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_practices",
        summary="Search and browse the good practices",
        description='With `q`, a web search (words, "phrases", -excluded) in French or '
        "English, accents ignored, the best match first, each with its `rank` and `headline`; "
        "without, the latest first. `tag` keeps the practices with that tag.",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="What to search for."),
            OpenApiParameter("tag", OpenApiTypes.STR, description="A tag to keep."),
        ],
        responses={200: PracticeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        practices = selectors.practice_search(
            user=user_of(request),
            text=request.query_params.get("q", "")[:200],
            tag=request.query_params.get("tag", "")[:40],
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(practices, request, view=self)
        return paginator.get_paginated_response(PracticeSerializer(page, many=True).data)


class PracticeCreateApi(APIView):
    @extend_schema(
        operation_id="planning_practice_create",
        summary="Share a good practice, from a plan, a meeting or an investment project you "
        "see, or from none",
        request=extend_schema_serializer(component_name="PracticeInput")(PracticeInputSerializer),
        responses={201: PracticeSerializer},
    )
    def post(self, request: Request) -> Response:
        data = PracticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = _sources(request, data.validated_data)
        practice = services.practice_create(user=user_of(request), **values)
        practice = selectors.practice_get(user=user_of(request), practice_id=practice.pk)
        return Response(PracticeSerializer(practice).data, status=status.HTTP_201_CREATED)


class PracticeCollectionApi(api.Route, PracticeListApi, PracticeCreateApi):
    """GET searches the practices, POST shares one."""


class PracticeDetailApi(APIView):
    @extend_schema(
        operation_id="planning_practice",
        summary="A good practice",
        responses={200: PracticeSerializer},
    )
    def get(self, request: Request, practice_id: int) -> Response:
        practice = selectors.practice_get(user=user_of(request), practice_id=practice_id)
        return Response(PracticeSerializer(practice).data)


def _practice(view: APIView, request: Request, practice_id: int) -> Practice:
    practice = selectors.practice_get(user=user_of(request), practice_id=practice_id)
    view.check_object_permissions(request, practice)
    return practice


class PracticeUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_practice)]

    @extend_schema(
        operation_id="planning_practice_update",
        summary="Change a good practice (its author or a director)",
        request=extend_schema_serializer(component_name="PracticeUpdateInput")(
            PracticeInputSerializer
        ),
        responses={200: PracticeSerializer},
    )
    def patch(self, request: Request, practice_id: int) -> Response:
        practice = _practice(self, request, practice_id)
        data = PracticeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = _sources(request, data.validated_data)
        services.practice_update(user=user_of(request), practice=practice, **values)
        practice = selectors.practice_get(user=user_of(request), practice_id=practice.pk)
        return Response(PracticeSerializer(practice).data)


class PracticeDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_practice)]

    @extend_schema(
        operation_id="planning_practice_delete",
        summary="Withdraw a good practice (its author or a director)",
        responses={204: None},
    )
    def delete(self, request: Request, practice_id: int) -> Response:
        practice = _practice(self, request, practice_id)
        services.practice_delete(user=user_of(request), practice=practice)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PracticeApi(api.Route, PracticeDetailApi, PracticeUpdateApi, PracticeDeleteApi):
    """GET reads a practice, PATCH changes it, DELETE withdraws it."""


# --- practices a plan reuses ----------------------------------------------------------------------


@extend_schema_serializer(component_name="PracticeReuse")
class ReuseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    practice = serializers.IntegerField(source="practice_id")
    practice_title = serializers.CharField(source="practice.title")
    note = serializers.CharField()


class ReuseListApi(APIView):
    @extend_schema(
        operation_id="planning_practice_reuses",
        summary="The good practices a plan says it reuses",
        responses={200: ReuseSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        return Response(ReuseSerializer(selectors.reuse_list_for_plan(plan=plan), many=True).data)


class ReuseAddApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="PracticeReuseInput")
    class InputSerializer(serializers.Serializer):
        practice = serializers.IntegerField()
        note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    @extend_schema(
        operation_id="planning_practice_reuse_add",
        summary="Record that the plan reuses a good practice",
        request=InputSerializer,
        responses={201: ReuseSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        practice = Practice.objects.filter(pk=data.validated_data["practice"]).first()
        if practice is None:
            raise ValidationError({"practice": _("No such practice.")})
        reuse = services.practice_reuse_add(
            user=user_of(request),
            plan=plan,
            practice=practice,
            note=data.validated_data.get("note", ""),
        )
        return Response(ReuseSerializer(reuse).data, status=status.HTTP_201_CREATED)


class ReuseCollectionApi(api.Route, ReuseListApi, ReuseAddApi):
    """GET lists the practices a plan reuses, POST records one."""


class ReuseRemoveApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_practice_reuse_remove",
        summary="The plan no longer lists this practice",
        responses={204: None},
    )
    def delete(self, request: Request, reuse_id: int) -> Response:
        visible = plan_selectors.plan_list(user=user_of(request)).values("pk")
        reuse = get_object_or_404(PracticeReuse.objects.filter(plan__in=visible), pk=reuse_id)
        reuse.plan = plan_of(request, reuse.plan_id)
        self.check_object_permissions(request, reuse.plan)
        services.practice_reuse_remove(user=user_of(request), reuse=reuse)
        return Response(status=status.HTTP_204_NO_CONTENT)
