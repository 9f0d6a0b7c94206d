"""Executive sponsorship by API: a plan's asks of the sponsor (and the sponsor's answer), a key
account's year-end negotiations, the advisory committee of key accounts and the recognitions.

Rows are looked up through the selectors (not one the caller sees: 404); a write needs its
capability (else 403 saying why); the services refuse bad input (400), writing nothing."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as account_selectors
from accounts.models import Client, Contact, User
from kam import api, permissions
from planning.api.plans import NO_SUCH_PLAN
from planning.api.sections import plan_of, user_of
from planning.models import (
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Recognition,
    SponsorAsk,
    YearEndNegotiation,
)
from planning.selectors import sponsorship as selectors
from planning.services import sponsorship as services

# --- asks of the sponsor --------------------------------------------------------------------------


@extend_schema_serializer(component_name="SponsorAsk")
class AskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    request = serializers.CharField(help_text="What is asked of the account's sponsor.")
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=SponsorAsk.Status.choices)
    answer = serializers.CharField()
    answered_by = serializers.IntegerField(source="answered_by_id", allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id")


class AskInputSerializer(serializers.Serializer):
    request = serializers.CharField(max_length=300)
    due_on = serializers.DateField()
    status = serializers.ChoiceField(choices=SponsorAsk.Status.choices, required=False)


class AskListApi(APIView):
    @extend_schema(
        operation_id="planning_asks",
        summary="What a plan's KAM asks of the account's sponsor",
        responses={200: AskSerializer(many=True), 404: NO_SUCH_PLAN},
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        return Response(AskSerializer(selectors.ask_list_for_plan(plan=plan), many=True).data)


class AskCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_ask_create",
        summary="Ask something of the account's sponsor, by a date within the plan's period",
        request=extend_schema_serializer(component_name="SponsorAskInput")(AskInputSerializer),
        responses={201: AskSerializer, 404: NO_SUCH_PLAN},
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_of(request, plan_id)
        self.check_object_permissions(request, plan)
        data = AskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ask = services.ask_add(user=user_of(request), plan=plan, **data.validated_data)
        return Response(AskSerializer(ask).data, status=status.HTTP_201_CREATED)


class AskCollectionApi(api.Route, AskListApi, AskCreateApi):
    """GET lists a plan's asks of the sponsor, POST adds one."""


def _ask(view: APIView, request: Request, ask_id: int) -> SponsorAsk:
    ask = selectors.ask_get(user=user_of(request), ask_id=ask_id)
    ask.plan = plan_of(request, ask.plan_id)
    view.check_object_permissions(request, ask.plan)
    return ask


class AskUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_ask_update",
        summary="Change an ask of the sponsor, or close or reopen it",
        request=extend_schema_serializer(component_name="SponsorAskUpdateInput")(
            AskInputSerializer
        ),
        responses={200: AskSerializer},
    )
    def patch(self, request: Request, ask_id: int) -> Response:
        ask = _ask(self, request, ask_id)
        data = AskInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        ask = services.ask_update(user=user_of(request), ask=ask, **data.validated_data)
        return Response(AskSerializer(ask).data)


class AskDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_plan)]

    @extend_schema(
        operation_id="planning_ask_delete", summary="Delete an ask", responses={204: None}
    )
    def delete(self, request: Request, ask_id: int) -> Response:
        ask = _ask(self, request, ask_id)
        services.ask_delete(user=user_of(request), ask=ask)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AskApi(api.Route, AskUpdateApi, AskDeleteApi):
    """PATCH changes an ask, DELETE removes it."""


class AskAnswerApi(APIView):
    permission_classes = [api.allows(permissions.may_answer_ask)]

    @extend_schema_serializer(component_name="SponsorAskAnswerInput")
    class InputSerializer(serializers.Serializer):
        answer = serializers.CharField(allow_blank=True)
        done = serializers.BooleanField(default=True, help_text="Close the ask (default).")

    @extend_schema(
        operation_id="planning_ask_answer",
        summary="The sponsor answers an ask of an account they sponsor",
        request=InputSerializer,
        responses={200: AskSerializer},
    )
    def post(self, request: Request, ask_id: int) -> Response:
        ask = _ask(self, request, ask_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ask = services.ask_answer(user=user_of(request), ask=ask, **data.validated_data)
        return Response(AskSerializer(ask).data)


# --- year-end negotiations ------------------------------------------------------------------------


@extend_schema_serializer(component_name="YearEndNegotiation")
class NegotiationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField(source="client_id")
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=YearEndNegotiation.Status.choices)
    held_on = serializers.DateField(allow_null=True)
    executives = serializers.SerializerMethodField(help_text="Our executives taking part.")
    terms_agreed = serializers.CharField()
    margin_impact = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Negative if the terms cost."
    )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_executives(self, negotiation: YearEndNegotiation) -> list[int]:
        return [person.pk for person in negotiation.executives.all()]


class NegotiationInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    status = serializers.ChoiceField(choices=YearEndNegotiation.Status.choices, required=False)
    held_on = serializers.DateField(required=False, allow_null=True)
    executives = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False
    )
    terms_agreed = serializers.CharField(required=False, allow_blank=True)
    margin_impact = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )


def _client(request: Request, client_id: int) -> Client:
    return get_object_or_404(account_selectors.client_list(user=user_of(request)), pk=client_id)


class NegotiationListApi(APIView):
    @extend_schema(
        operation_id="planning_negotiations",
        summary="A key account's year-end negotiations, the latest year first",
        responses={200: NegotiationSerializer(many=True), 404: api.NO_SUCH_CLIENT},
    )
    def get(self, request: Request, client_id: int) -> Response:
        client = _client(request, client_id)
        negotiations = selectors.negotiation_list(user=user_of(request), client=client)
        return Response(NegotiationSerializer(negotiations, many=True).data)


class NegotiationCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_client)]

    @extend_schema(
        operation_id="planning_negotiation_create",
        summary="Record a key account's year-end negotiation (its KAM or a director)",
        request=extend_schema_serializer(component_name="YearEndNegotiationInput")(
            NegotiationInputSerializer
        ),
        responses={201: NegotiationSerializer, 404: api.NO_SUCH_CLIENT},
    )
    def post(self, request: Request, client_id: int) -> Response:
        client = _client(request, client_id)
        self.check_object_permissions(request, client)
        data = NegotiationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        negotiation = services.negotiation_create(
            user=user_of(request), client=client, **data.validated_data
        )
        return Response(NegotiationSerializer(negotiation).data, status=status.HTTP_201_CREATED)


class NegotiationCollectionApi(api.Route, NegotiationListApi, NegotiationCreateApi):
    """GET lists a key account's year-end negotiations, POST records one."""


def _negotiation(view: APIView, request: Request, negotiation_id: int) -> YearEndNegotiation:
    negotiation = selectors.negotiation_get(user=user_of(request), negotiation_id=negotiation_id)
    view.check_object_permissions(request, negotiation.client)
    return negotiation


class NegotiationUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_client)]

    @extend_schema(
        operation_id="planning_negotiation_update",
        summary="Change a year-end negotiation: its executives, date, status and outcome",
        request=extend_schema_serializer(component_name="YearEndNegotiationUpdateInput")(
            NegotiationInputSerializer
        ),
        responses={200: NegotiationSerializer},
    )
    def patch(self, request: Request, negotiation_id: int) -> Response:
        negotiation = _negotiation(self, request, negotiation_id)
        data = NegotiationInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        negotiation = services.negotiation_update(
            user=user_of(request), negotiation=negotiation, **data.validated_data
        )
        return Response(NegotiationSerializer(negotiation).data)


class NegotiationDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_edit_client)]

    @extend_schema(
        operation_id="planning_negotiation_delete",
        summary="Delete a year-end negotiation",
        responses={204: None},
    )
    def delete(self, request: Request, negotiation_id: int) -> Response:
        negotiation = _negotiation(self, request, negotiation_id)
        services.negotiation_delete(user=user_of(request), negotiation=negotiation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NegotiationApi(api.Route, NegotiationUpdateApi, NegotiationDeleteApi):
    """PATCH changes a negotiation, DELETE removes it."""


# --- the advisory committee -----------------------------------------------------------------------


@extend_schema_serializer(component_name="AdvisoryMember")
class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.__str__")
    client = serializers.IntegerField(source="contact.client_id")
    client_name = serializers.CharField(source="contact.client.name")
    since = serializers.DateField()
    note = serializers.CharField()


@extend_schema_serializer(component_name="AdvisoryTopic")
class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    topic = serializers.CharField()
    raised_by = serializers.IntegerField(source="raised_by_id", allow_null=True)
    action = serializers.CharField(help_text="What we do about it.")
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    status = serializers.ChoiceField(choices=AdvisoryTopic.Status.choices)


@extend_schema_serializer(component_name="AdvisoryMeeting")
class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    title = serializers.CharField()
    summary = serializers.CharField()
    attendees = serializers.SerializerMethodField(help_text="The members present.")
    topics = TopicSerializer(many=True, source="topics.all")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_attendees(self, meeting: AdvisoryMeeting) -> list[int]:
        return [member.pk for member in meeting.attendees.all()]


class CommitteeReadApi(APIView):
    permission_classes = [api.allows(permissions.may_see_advisory_committee)]


class MemberListApi(CommitteeReadApi):
    @extend_schema(
        operation_id="planning_advisory_members",
        summary="The customers' executives sitting on the advisory committee",
        responses={200: MemberSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(MemberSerializer(selectors.advisory_member_list(), many=True).data)


class MemberAddApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema_serializer(component_name="AdvisoryMemberInput")
    class InputSerializer(serializers.Serializer):
        contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
        since = serializers.DateField()
        note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    @extend_schema(
        operation_id="planning_advisory_member_add",
        summary="Seat one of a key account's executives on the committee",
        request=InputSerializer,
        responses={201: MemberSerializer},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.advisory_member_add(user=user_of(request), **data.validated_data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


class MemberCollectionApi(api.Route, MemberListApi, MemberAddApi):
    """GET lists the committee's members, POST seats one."""


class MemberRemoveApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_member_remove",
        summary="A member leaves the committee",
        responses={204: None},
    )
    def delete(self, request: Request, member_id: int) -> Response:
        member = get_object_or_404(AdvisoryMember, pk=member_id)
        services.advisory_member_remove(user=user_of(request), member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeetingInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    attendees = serializers.PrimaryKeyRelatedField(
        many=True, queryset=AdvisoryMember.objects.all(), required=False
    )


class MeetingListApi(CommitteeReadApi):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_advisory_meetings",
        summary="The committee's meetings, the latest first, with the topics raised",
        responses={200: MeetingSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.advisory_meeting_list(), request, view=self)
        return paginator.get_paginated_response(MeetingSerializer(page, many=True).data)


class MeetingCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_meeting_create",
        summary="Record a meeting of the advisory committee",
        request=extend_schema_serializer(component_name="AdvisoryMeetingInput")(
            MeetingInputSerializer
        ),
        responses={201: MeetingSerializer},
    )
    def post(self, request: Request) -> Response:
        data = MeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.advisory_meeting_create(user=user_of(request), **data.validated_data)
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MeetingCollectionApi(api.Route, MeetingListApi, MeetingCreateApi):
    """GET lists the committee's meetings, POST records one."""


class MeetingUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_meeting_update",
        summary="Change a meeting of the committee",
        request=extend_schema_serializer(component_name="AdvisoryMeetingUpdateInput")(
            MeetingInputSerializer
        ),
        responses={200: MeetingSerializer},
    )
    def patch(self, request: Request, advisory_meeting_id: int) -> Response:
        meeting = get_object_or_404(AdvisoryMeeting, pk=advisory_meeting_id)
        data = MeetingInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        meeting = services.advisory_meeting_update(
            user=user_of(request), meeting=meeting, **data.validated_data
        )
        return Response(MeetingSerializer(meeting).data)


class MeetingDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_meeting_delete",
        summary="Delete a meeting of the committee with its topics",
        responses={204: None},
    )
    def delete(self, request: Request, advisory_meeting_id: int) -> Response:
        meeting = get_object_or_404(AdvisoryMeeting, pk=advisory_meeting_id)
        services.advisory_meeting_delete(user=user_of(request), meeting=meeting)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeetingApi(api.Route, MeetingUpdateApi, MeetingDeleteApi):
    """PATCH changes a committee meeting, DELETE removes it."""


class TopicInputSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=300)
    raised_by = serializers.PrimaryKeyRelatedField(
        queryset=AdvisoryMember.objects.all(), required=False, allow_null=True
    )
    action = serializers.CharField(required=False, allow_blank=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=AdvisoryTopic.Status.choices, required=False)


class TopicCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_topic_create",
        summary="A topic raised at a committee meeting, and what we do about it",
        request=extend_schema_serializer(component_name="AdvisoryTopicInput")(TopicInputSerializer),
        responses={201: TopicSerializer},
    )
    def post(self, request: Request, advisory_meeting_id: int) -> Response:
        meeting = get_object_or_404(AdvisoryMeeting, pk=advisory_meeting_id)
        data = TopicInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic = services.advisory_topic_add(
            user=user_of(request), meeting=meeting, **data.validated_data
        )
        return Response(TopicSerializer(topic).data, status=status.HTTP_201_CREATED)


class TopicUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_topic_update",
        summary="Change a topic: what we do about it, its owner, its status",
        request=extend_schema_serializer(component_name="AdvisoryTopicUpdateInput")(
            TopicInputSerializer
        ),
        responses={200: TopicSerializer},
    )
    def patch(self, request: Request, topic_id: int) -> Response:
        topic = get_object_or_404(AdvisoryTopic, pk=topic_id)
        data = TopicInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        topic = services.advisory_topic_update(
            user=user_of(request), topic=topic, **data.validated_data
        )
        return Response(TopicSerializer(topic).data)


class TopicDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_advisory_topic_delete",
        summary="Delete a topic",
        responses={204: None},
    )
    def delete(self, request: Request, topic_id: int) -> Response:
        topic = get_object_or_404(AdvisoryTopic, pk=topic_id)
        services.advisory_topic_delete(user=user_of(request), topic=topic)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TopicApi(api.Route, TopicUpdateApi, TopicDeleteApi):
    """PATCH changes a topic, DELETE removes it."""


# --- recognitions ---------------------------------------------------------------------------------


@extend_schema_serializer(component_name="Recognition")
class RecognitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    recipient = serializers.IntegerField(source="recipient_id", allow_null=True)
    team = serializers.CharField()
    recipient_name = serializers.CharField(help_text="The person's name, or the team.")
    award = serializers.CharField()
    reason = serializers.CharField()
    awarded_on = serializers.DateField()


class RecognitionInputSerializer(serializers.Serializer):
    recipient = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    team = serializers.CharField(required=False, allow_blank=True, max_length=150)
    award = serializers.CharField(max_length=200)
    reason = serializers.CharField()
    awarded_on = serializers.DateField()


class RecognitionListApi(APIView):
    pagination_class = api.Pagination

    @extend_schema(
        operation_id="planning_recognitions",
        summary="Awards and recognitions given to the programme's people and teams",
        description="`?year=` keeps one calendar year.",
        responses={200: RecognitionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year", "")
        recognitions = (
            selectors.recognitions_for_year(int(year))
            if year.isdigit()
            else selectors.recognition_list()
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(recognitions, request, view=self)
        return paginator.get_paginated_response(RecognitionSerializer(page, many=True).data)


class RecognitionCreateApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_recognition_create",
        summary="Recognise a person or a team (sponsors and directors)",
        request=extend_schema_serializer(component_name="RecognitionInput")(
            RecognitionInputSerializer
        ),
        responses={201: RecognitionSerializer},
    )
    def post(self, request: Request) -> Response:
        data = RecognitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recognition = services.recognition_create(user=user_of(request), **data.validated_data)
        return Response(RecognitionSerializer(recognition).data, status=status.HTTP_201_CREATED)


class RecognitionCollectionApi(api.Route, RecognitionListApi, RecognitionCreateApi):
    """GET lists the recognitions, POST records one."""


class RecognitionUpdateApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_recognition_update",
        summary="Change a recognition",
        request=extend_schema_serializer(component_name="RecognitionUpdateInput")(
            RecognitionInputSerializer
        ),
        responses={200: RecognitionSerializer},
    )
    def patch(self, request: Request, recognition_id: int) -> Response:
        recognition = get_object_or_404(Recognition, pk=recognition_id)
        data = RecognitionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        recognition = services.recognition_update(
            user=user_of(request), recognition=recognition, **values
        )
        return Response(RecognitionSerializer(recognition).data)


class RecognitionDeleteApi(APIView):
    permission_classes = [api.allows(permissions.may_run_sponsorship)]

    @extend_schema(
        operation_id="planning_recognition_delete",
        summary="Delete a recognition",
        responses={204: None},
    )
    def delete(self, request: Request, recognition_id: int) -> Response:
        recognition = get_object_or_404(Recognition, pk=recognition_id)
        services.recognition_delete(user=user_of(request), recognition=recognition)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecognitionApi(api.Route, RecognitionUpdateApi, RecognitionDeleteApi):
    """PATCH changes a recognition, DELETE removes it."""
