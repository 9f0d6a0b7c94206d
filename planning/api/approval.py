"""A plan's approval by API: its KAM submits it; a director approves it or returns it with
comments; its approved versions, frozen, and what changed between two of them.

A plan the caller does not see is a 404; a role that may not submit or review is a 403 saying
why; the workflow's rules (a margin KPI to submit, a comment to return, only a submitted plan is
reviewed, a version never changes) are 400s from the services."""

from typing import NoReturn

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of, seen, user_of
from planning.models import PlanSubmission, PlanVersion, ReviewComment
from planning.selectors import versions as selectors
from planning.services import approval as services


@extend_schema_serializer(component_name="ReviewComment")
class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.ChoiceField(choices=ReviewComment.Section.choices)
    item_kind = serializers.ChoiceField(choices=ReviewComment.ItemKind.choices, allow_blank=True)
    item_id = serializers.IntegerField(allow_null=True)
    item_label = serializers.CharField()
    text = serializers.CharField()
    author = serializers.IntegerField(source="author_id")
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="PlanSubmission")
class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    submitted_by = serializers.IntegerField(source="submitted_by_id")
    submitted_at = serializers.DateTimeField()
    decision = serializers.ChoiceField(choices=PlanSubmission.Decision.choices)
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(source="version.number", allow_null=True, default=None)
    comments = CommentSerializer(many=True, source="comments.all")


@extend_schema_serializer(component_name="PlanVersion")
class VersionSerializer(serializers.Serializer):
    plan = serializers.IntegerField(source="plan_id")
    number = serializers.IntegerField()
    approved_by = serializers.IntegerField(source="approved_by_id")
    approved_at = serializers.DateTimeField()
    submitted_by = serializers.IntegerField(source="submitted_by_id")


@extend_schema_serializer(component_name="PlanVersionDetail")
class VersionDetailSerializer(VersionSerializer):
    snapshot = serializers.JSONField(help_text="What the plan said when it was approved.")


# --- the workflow ---------------------------------------------------------------------------------


class PlanSubmitApi(APIView):
    permission_classes = [api.allows(permissions.may_submit_plan)]

    @extend_schema(
        operation_id="planning_plan_submit",
        summary="Submit the plan for a director's review (its key account manager)",
        description="Refused for a plan already submitted, an approved plan unchanged since, "
        "and a plan with no margin or profit KPI. While submitted, the plan cannot change.",
        request=None,
        responses={201: SubmissionSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        submission = services.plan_submit(user=user_of(request), plan=plan)
        return Response(SubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class PlanApproveApi(APIView):
    permission_classes = [api.allows(permissions.may_review_plan)]

    @extend_schema(
        operation_id="planning_plan_approve",
        summary="Approve the submitted plan (a director, never on their own plan)",
        description="Freezes the plan's content as its next numbered version.",
        request=None,
        responses={201: VersionSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        version = services.plan_approve(user=user_of(request), plan=plan)
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)


@extend_schema_serializer(component_name="ReviewCommentInput")
class CommentInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)
    section = serializers.ChoiceField(
        choices=ReviewComment.Section.choices, required=False, default="plan"
    )
    item_kind = serializers.ChoiceField(
        choices=ReviewComment.ItemKind.choices, required=False, allow_blank=True
    )
    item_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class PlanReturnApi(APIView):
    permission_classes = [api.allows(permissions.may_review_plan)]

    @extend_schema_serializer(component_name="PlanReturnInput")
    class InputSerializer(serializers.Serializer):
        comments: serializers.ListSerializer[dict] = serializers.ListSerializer(
            child=CommentInputSerializer(), allow_empty=False, max_length=100
        )

    @extend_schema(
        operation_id="planning_plan_return",
        summary="Return the submitted plan to its KAM with comments (a director)",
        description="At least one comment, each on the whole plan, a section, or an item of the "
        "plan (item_kind and item_id).",
        request=InputSerializer,
        responses={200: SubmissionSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.plan_return(
            user=user_of(request), plan=plan, comments=data.validated_data["comments"]
        )
        return Response(SubmissionSerializer(submission).data)


class PlanSubmissionListApi(APIView):
    @extend_schema(
        operation_id="planning_plan_submissions",
        summary="The plan's submissions for review, newest first, with the comments of each",
        responses={200: SubmissionSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        submissions = (
            plan.submissions.select_related("version")
            .prefetch_related("comments")
            .order_by("-submitted_at", "-pk")
        )
        return Response(SubmissionSerializer(submissions, many=True).data)


class CommentResolveApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema_serializer(component_name="ReviewCommentResolveInput")
    class InputSerializer(serializers.Serializer):
        resolved = serializers.BooleanField()

    @extend_schema(
        operation_id="planning_review_comment_resolve",
        summary="Mark a comment of the returned plan resolved, or not",
        request=InputSerializer,
        responses={200: CommentSerializer},
    )
    def post(self, request: Request, comment_id: int) -> Response:
        comment = seen(
            request,
            ReviewComment.objects.select_related("submission__plan__client"),
            "submission__plan",
            comment_id,
        )
        self.check_object_permissions(request, comment.submission.plan)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.review_comment_resolve(
            user=user_of(request), comment=comment, **data.validated_data
        )
        return Response(CommentSerializer(comment).data)


# --- versions -------------------------------------------------------------------------------------


class PlanVersionListApi(APIView):
    @extend_schema(
        operation_id="planning_plan_versions",
        summary="The plan's approved versions, newest first",
        responses={200: VersionSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        return Response(VersionSerializer(selectors.version_list(plan=plan), many=True).data)


class PlanVersionDetailApi(APIView):
    @extend_schema(
        operation_id="planning_plan_version",
        summary="One approved version, with what the plan said then",
        responses={200: VersionDetailSerializer},
    )
    def get(self, request: Request, plan_id: int, number: int) -> Response:
        version = selectors.version_get(plan=plan_of(request, plan_id), number=number)
        return Response(VersionDetailSerializer(version).data)


class PlanVersionChangeApi(APIView):
    """An approved version is frozen: asking to change or delete it is answered why not."""

    @extend_schema(
        operation_id="planning_plan_version_update",
        summary="Refused: an approved version never changes (400 saying why)",
        request=None,
        responses={400: api.ErrorSerializer},
    )
    def patch(self, request: Request, plan_id: int, number: int) -> NoReturn:
        self._refuse(request, plan_id, number)

    @extend_schema(
        operation_id="planning_plan_version_delete",
        summary="Refused: an approved version is never deleted (400 saying why)",
        request=None,
        responses={400: api.ErrorSerializer},
    )
    def delete(self, request: Request, plan_id: int, number: int) -> NoReturn:
        self._refuse(request, plan_id, number)

    def _refuse(self, request: Request, plan_id: int, number: int) -> NoReturn:
        version: PlanVersion = selectors.version_get(plan=plan_of(request, plan_id), number=number)
        services.version_change(user=user_of(request), version=version)


class PlanVersionRoute(api.Route, PlanVersionDetailApi, PlanVersionChangeApi):
    """GET reads a version; PATCH and DELETE are refused, saying why."""


@extend_schema_serializer(component_name="PlanDiffField")
class FieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]
    old = serializers.CharField()
    new = serializers.CharField()


@extend_schema_serializer(component_name="PlanDiffChange")
class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["added", "removed", "changed"])
    entity = serializers.CharField()
    name = serializers.CharField()
    context = serializers.CharField()  # type: ignore[assignment]
    fields = FieldChangeSerializer(many=True)  # type: ignore[assignment]


@extend_schema_serializer(component_name="PlanDiffSection")
class SectionDiffSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    changes = ChangeSerializer(many=True)


class PlanDiffApi(APIView):
    class QuerySerializer(serializers.Serializer):
        old = serializers.RegexField(r"^(\d+|draft)$", max_length=10, required=False)
        new = serializers.RegexField(r"^(\d+|draft)$", max_length=10, default="draft")

    @extend_schema(
        operation_id="planning_plan_diff",
        summary="What changed between two versions of the plan, or a version and the draft",
        parameters=[
            OpenApiParameter(
                "old", str, description='A version number, or "draft" (by default the latest).'
            ),
            OpenApiParameter("new", str, description='A version number, or "draft" (the default).'),
        ],
        responses={200: SectionDiffSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        old = values.get("old") or selectors.latest_ref(plan=plan)
        sections = selectors.plan_diff(plan=plan, old=old, new=values["new"])
        return Response(SectionDiffSerializer(sections, many=True).data)
