"""Stored reports by API: ask for a plan's PDF (an approved version or the draft), the shortlist
report or the zip of a programme year's approved plans; read a report's status; download it.

Asking answers 202 while the report is queued or being made, 200 once it is ready (the stored
file: asking again makes nothing new). A plan the caller does not see, or a report of one, is a
404; the shortlist report and the zip are the directors' (403 saying why otherwise). Every
download is recorded in the plan's history.
"""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of, user_of
from planning.models import Report
from planning.selectors import reports as selectors
from planning.selectors import versions as version_selectors
from planning.services import reports as services

NO_SUCH_REPORT = OpenApiResponse(
    api.ErrorSerializer, description="No such report, or one of a plan you may not see."
)
NO_SUCH_YEAR = OpenApiResponse(api.ErrorSerializer, description="No such programme year.")
LANGUAGES = [("fr", "French"), ("en", "English")]


@extend_schema_serializer(component_name="Report")
class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Report.Kind.choices)
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    version = serializers.IntegerField(source="version.number", allow_null=True, default=None)
    year = serializers.IntegerField(source="programme.year", allow_null=True, default=None)
    language = serializers.ChoiceField(choices=LANGUAGES)
    branding_revision = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Report.Status.choices)
    failure = serializers.ChoiceField(choices=Report.Failure.choices, allow_blank=True)
    failure_message = serializers.CharField(
        source="get_failure_display", help_text="Why it failed, in the caller's language."
    )
    done = serializers.IntegerField(help_text="Plans put in the zip so far (1 for a PDF).")
    total = serializers.IntegerField()
    size = serializers.IntegerField(allow_null=True)
    sha256 = serializers.CharField()
    requested_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download = serializers.SerializerMethodField()

    def get_download(self, report: Report) -> str | None:
        if report.status != Report.Status.READY:
            return None
        return reverse(
            "api-planning:report_file", args=[report.pk], request=self.context.get("request")
        )


class LanguageSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=LANGUAGES)


def _answer(request: Request, report: Report) -> Response:
    code = status.HTTP_200_OK if report.status == Report.Status.READY else status.HTTP_202_ACCEPTED
    return Response(ReportSerializer(report, context={"request": request}).data, status=code)


class PlanPdfRequestApi(APIView):
    @extend_schema_serializer(component_name="PlanPdfRequestInput")
    class InputSerializer(LanguageSerializer):
        version = serializers.IntegerField(
            min_value=1,
            allow_null=True,
            default=None,
            help_text="An approved version's number; null (the default) for the current draft.",
        )

    @extend_schema(
        operation_id="planning_plan_pdf_request",
        summary="Ask for the PDF of an approved version of the plan, or of its draft",
        description="The stored file when there is one (200), else a report queued to be "
        "made (202): poll its status. A version's PDF is made once per language and branding "
        "revision; the draft's again only when the plan changed.",
        request=InputSerializer,
        responses={200: ReportSerializer, 202: ReportSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = data.validated_data["version"]
        version = None
        if number is not None:
            version = version_selectors.version_list(plan=plan).filter(number=number).first()
            if version is None:
                raise ValidationError({"version": _("This plan has no such version.")})
        report = services.plan_pdf_request(
            user=user_of(request),
            plan=plan,
            version=version,
            language=data.validated_data["language"],
        )
        return _answer(request, report)


class ShortlistReportRequestApi(APIView):
    permission_classes = [api.allows(permissions.may_export_programme)]

    @extend_schema(
        operation_id="planning_shortlist_report_request",
        summary="Ask for the shortlist report of a programme year (directors)",
        request=LanguageSerializer,
        responses={200: ReportSerializer, 202: ReportSerializer, 404: NO_SUCH_YEAR},
    )
    def post(self, request: Request, year: int) -> Response:
        programme = selectors.programme_by_year(year=year)
        data = LanguageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.shortlist_report_request(
            user=user_of(request), programme=programme, **data.validated_data
        )
        return _answer(request, report)


class PlansZipRequestApi(APIView):
    permission_classes = [api.allows(permissions.may_export_programme)]

    @extend_schema(
        operation_id="planning_plans_zip_request",
        summary="Ask for one zip of the year's approved plans, the latest version of each "
        "(directors)",
        description="A job: poll its status for its progress (done of total plans). The PDFs "
        "already stored are reused; the missing ones are made. 400 when no plan of the year "
        "is approved.",
        request=LanguageSerializer,
        responses={200: ReportSerializer, 202: ReportSerializer, 404: NO_SUCH_YEAR},
    )
    def post(self, request: Request, year: int) -> Response:
        programme = selectors.programme_by_year(year=year)
        data = LanguageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.plans_zip_request(
            user=user_of(request), programme=programme, **data.validated_data
        )
        return _answer(request, report)


class ReportApi(APIView):
    @extend_schema(
        operation_id="planning_report",
        summary="A report's status: queued, rendering (with its progress), ready or failed "
        "(with the reason)",
        responses={200: ReportSerializer, 404: NO_SUCH_REPORT},
    )
    def get(self, request: Request, report_id: int) -> Response:
        report = selectors.report_get(user=user_of(request), report_id=report_id)
        return Response(ReportSerializer(report, context={"request": request}).data)


class ReportFileApi(APIView):
    @extend_schema(
        operation_id="planning_report_file",
        summary="Download a ready report (a PDF, or the zip); recorded in the plan's history",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "application/zip"): OpenApiTypes.BINARY,
            400: OpenApiResponse(api.ErrorSerializer, description="Not ready yet."),
            404: NO_SUCH_REPORT,
        },
    )
    def get(self, request: Request, report_id: int) -> FileResponse:
        report = selectors.report_get(user=user_of(request), report_id=report_id)
        services.report_download(user=user_of(request), report=report)
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=selectors.report_filename(report),
            content_type="application/zip" if report.extension == "zip" else "application/pdf",
        )
