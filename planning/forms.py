"""Forms of the planning pages: they check the shape of what is sent; the services enforce the
rules (a plan only for a key account, no overlap)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Client, Contact, Department, User
from kam.forms import add_service_error
from planning.models import (
    Action,
    AdvisoryMember,
    AdvisoryTopic,
    Cadence,
    CounterpartPair,
    InvestmentProject,
    Kpi,
    Level,
    Meeting,
    Objective,
    Offer,
    Offering,
    Plan,
    Practice,
    SponsorAsk,
    Stakeholder,
    SteeringDecision,
    SwotItem,
    YearEndNegotiation,
)
from scoring.models import Programme


class ServiceErrorsMixin:
    def add_service_error(self, error: Any) -> None:
        add_service_error(self, error)  # type: ignore[arg-type]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlanOpenForm(ServiceErrorsMixin, forms.Form):
    client = forms.ModelChoiceField(label=_("Key account"), queryset=Client.objects.none())
    period_start = forms.DateField(label=_("Start"), widget=DateInput())
    period_end = forms.DateField(label=_("End"), widget=DateInput())

    def __init__(
        self, *args: Any, programme: Programme, clients: QuerySet[Client], **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "period_start": dt.date(programme.year, 1, 1),
                "period_end": dt.date(programme.year, 12, 31),
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end <= start:
            self.add_error("period_end", _("The plan ends after it starts."))
        return data


# --- plan sections: vision, SWOT, objectives, KPIs, actions, offers, offerings --------------------


class FocusFirst:
    """A form fetched into the page: its first field takes the focus (htmx honours
    ``autofocus`` in what it swaps in), so the keyboard carries on where the button was."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = list(self.fields.values())  # type: ignore[attr-defined]
        typed = [f for f in fields if isinstance(f, forms.CharField | forms.IntegerField)]
        first = next(iter(typed or fields), None)  # what is typed, rather than a preset choice
        if first is not None:
            first.widget.attrs["autofocus"] = True


class Textarea(forms.Textarea):
    def __init__(self, rows: int = 3, **kwargs: Any) -> None:
        super().__init__(attrs={"rows": rows}, **kwargs)


class VisionForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    customer_business = forms.CharField(
        label=_("The customer's business"), required=False, widget=Textarea()
    )
    customer_strategy = forms.CharField(
        label=_("Their strategy and outlook"), required=False, widget=Textarea()
    )
    shared_vision = forms.CharField(
        label=_("What we build together"), required=False, widget=Textarea()
    )


class SwotItemForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    quadrant = forms.ChoiceField(label=_("Quadrant"), choices=SwotItem.Quadrant.choices)
    text = forms.CharField(label=_("Point"), max_length=300)


class ObjectiveForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    side = forms.ChoiceField(label=_("Whose goal"), choices=Objective.Side.choices)
    title = forms.CharField(label=_("Objective"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=Textarea(2))


class KpiForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("KPI"), max_length=150)
    measure = forms.ChoiceField(
        label=_("Measured by"),
        choices=Kpi.Measure.choices,
        help_text=_("A ledger measure takes its current value from the ledger."),
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    is_margin = forms.BooleanField(
        label=_("Measures margin or profit"),
        required=False,
        help_text=_("Every plan needs at least one margin or profit KPI, not only revenue."),
    )
    baseline = forms.DecimalField(
        label=_("Baseline"), required=False, max_digits=18, decimal_places=4
    )
    target = forms.DecimalField(label=_("Target"), max_digits=18, decimal_places=4)
    current = forms.DecimalField(
        label=_("Current"),
        required=False,
        max_digits=18,
        decimal_places=4,
        help_text=_("Only for a KPI entered by hand."),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())


class ActionForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("What to do"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    department = forms.ChoiceField(
        label=_("Department"),
        choices=[("", _("The owner's department")), *Department.choices],
        required=False,
    )
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), choices=Action.Status.choices, initial=Action.Status.PLANNED
    )
    progress = forms.IntegerField(label=_("Progress %"), initial=0, min_value=0, max_value=100)
    comment = forms.CharField(label=_("Comment"), required=False, widget=Textarea(2))

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class ActionProgressForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
    progress = forms.IntegerField(label=_("Progress %"), min_value=0, max_value=100)
    comment = forms.CharField(label=_("Comment"), required=False, widget=Textarea(2))


class OfferForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    offering = forms.ModelChoiceField(label=_("Offering"), queryset=Offering.objects.none())
    business_unit = forms.CharField(label=_("Business unit or site"), max_length=150)
    status = forms.ChoiceField(label=_("Status"), choices=Offer.Status.choices)
    pricing = forms.ChoiceField(label=_("Pricing approach"), choices=Offer.Pricing.choices)
    value_drivers = forms.CharField(
        label=_("Value drivers"),
        required=False,
        widget=Textarea(2),
        help_text=_("What the customer gains; required for value-based pricing."),
    )
    annual_value = forms.DecimalField(
        label=_("Yearly value"), required=False, max_digits=14, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, widget=Textarea(2))

    def __init__(self, *args: Any, offerings: QuerySet[Offering], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = offerings  # type: ignore[attr-defined]


class OfferingForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=Offering.Kind.choices)
    description = forms.CharField(label=_("Description"), required=False, widget=Textarea(2))
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)


# --- people: stakeholders and counterparts ------------------------------------------------------


class StakeholderForm(ServiceErrorsMixin, forms.Form):
    """A stakeholder's place in the plan. ``contacts`` gives the contact to pick (adding one of
    the client's contacts); ``new_contact`` asks for a new contact of the client instead; with
    neither, the contact stays as it is (editing)."""

    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none())
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two letters, e.g. FR")
    )
    email = forms.EmailField(label=_("Email"), required=False)
    buying_role = forms.ChoiceField(label=_("Buying role"), choices=Stakeholder.BuyingRole.choices)
    attitude = forms.ChoiceField(
        label=_("Attitude"),
        choices=Stakeholder.Attitude.choices,
        initial=Stakeholder.Attitude.NEUTRAL,
    )
    influence = forms.TypedChoiceField(
        label=_("Influence"),
        choices=[(value, f"{value}/5") for value in range(1, 6)],
        coerce=int,
        initial=3,
        help_text=_("1 low, 5 decisive"),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.MANAGEMENT)
    reports_to = forms.ModelChoiceField(
        label=_("Reports to"),
        queryset=Stakeholder.objects.none(),
        required=False,
        empty_label=_("No one in the plan"),
    )
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}),
                           required=False)  # fmt: skip

    CONTACT_FIELDS = ("first_name", "last_name", "title", "country", "email")

    def __init__(
        self,
        *args: Any,
        managers: QuerySet[Stakeholder],
        contacts: QuerySet[Contact] | None = None,
        new_contact: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reports_to"].queryset = managers  # type: ignore[attr-defined]
        self.fields["reports_to"].label_from_instance = _manager_label  # type: ignore[attr-defined]
        if contacts is None:
            del self.fields["contact"]
        else:
            self.fields["contact"].queryset = contacts  # type: ignore[attr-defined]
        if not new_contact:
            for name in self.CONTACT_FIELDS:
                del self.fields[name]
        next(iter(self.fields.values())).widget.attrs["autofocus"] = True  # opened with htmx


def _manager_label(stakeholder: Stakeholder) -> str:
    title = stakeholder.contact.title
    return f"{stakeholder.contact} · {title}" if title else str(stakeholder.contact)


class CounterpartForm(ServiceErrorsMixin, forms.Form):
    user = forms.ModelChoiceField(label=_("Our person"), queryset=User.objects.none())
    stakeholder = forms.ModelChoiceField(
        label=_("Their person"), queryset=Stakeholder.objects.none()
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.MANAGEMENT)
    cadence = forms.ModelChoiceField(
        label=_("Cadence"),
        queryset=Cadence.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(
        self,
        *args: Any,
        users: QuerySet[User],
        stakeholders: QuerySet[Stakeholder],
        cadences: QuerySet[Cadence],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = _user_label  # type: ignore[attr-defined]
        self.fields["stakeholder"].queryset = stakeholders  # type: ignore[attr-defined]
        self.fields["stakeholder"].label_from_instance = _manager_label  # type: ignore[attr-defined]
        self.fields["cadence"].queryset = cadences  # type: ignore[attr-defined]
        self.fields["user"].widget.attrs["autofocus"] = True


def _user_label(user: User) -> str:
    return f"{user} · {user.get_department_display()}"


# --- cadences, meetings, decisions ---------------------------------------------------------------


class CadenceForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Cadence.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    every = forms.IntegerField(
        label=_("Every"),
        min_value=1,
        max_value=520,
        error_messages={"min_value": _("A cadence repeats at least every 1 week or month.")},
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Cadence.Unit.choices)
    starts_on = forms.DateField(label=_("First meeting due"), widget=DateInput())
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DateInput(), required=False)
    agreed_by_us = forms.ModelChoiceField(
        label=_("Agreed by (our side)"), queryset=User.objects.none(), required=False
    )
    agreed_by_them = forms.ModelChoiceField(
        label=_("Agreed by (their side)"), queryset=Stakeholder.objects.none(), required=False
    )
    our_department = forms.ChoiceField(
        label=_("Our department"),
        choices=[("", "—"), *Department.choices],
        required=False,
    )
    their_function = forms.CharField(label=_("Their function"), max_length=100, required=False)
    pairs = forms.ModelMultipleChoiceField(
        label=_("Counterpart pairs it covers"),
        queryset=CounterpartPair.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        users: QuerySet[User],
        stakeholders: QuerySet[Stakeholder],
        pairs: QuerySet[CounterpartPair],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agreed_by_us"].queryset = users  # type: ignore[attr-defined]
        self.fields["agreed_by_them"].queryset = stakeholders  # type: ignore[attr-defined]
        self.fields["pairs"].queryset = pairs  # type: ignore[attr-defined]
        self.fields["pairs"].label_from_instance = (  # type: ignore[attr-defined]
            lambda pair: f"{pair.user} ↔ {pair.stakeholder} · {pair.get_level_display()}"
        )


class DecisionsField(forms.CharField):
    """One decision a line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list | tuple) else value


class MeetingForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    cadence = forms.ModelChoiceField(
        label=_("Cadence"),
        queryset=Cadence.objects.none(),
        required=False,
        empty_label=_("Outside any cadence"),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("The cadence's")), *Level.choices],
        required=False,
    )
    title = forms.CharField(label=_("Subject"), max_length=200, required=False)
    our_participants = forms.ModelMultipleChoiceField(
        label=_("Our participants"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    their_participants = forms.ModelMultipleChoiceField(
        label=_("Their participants"),
        queryset=Stakeholder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decisions = DecisionsField(
        label=_("Decisions"),
        required=False,
        help_text=_("One decision a line; each can become a plan action."),
    )

    def __init__(
        self,
        *args: Any,
        cadences: QuerySet[Cadence],
        users: QuerySet[User],
        stakeholders: QuerySet[Stakeholder],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cadence"].queryset = cadences  # type: ignore[attr-defined]
        self.fields["our_participants"].queryset = users  # type: ignore[attr-defined]
        self.fields["their_participants"].queryset = stakeholders  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("level") and not data.get("cadence") and "level" not in self.errors:
            self.add_error("level", _("Give the level of a meeting outside any cadence."))
        return data


class DecisionActionForm(forms.Form):
    objective = forms.ModelChoiceField(label=_("Objective"), queryset=Objective.objects.none())

    def __init__(self, *args: Any, objectives: QuerySet[Objective], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = objectives  # type: ignore[attr-defined]


class HistoryFilterForm(forms.Form):
    """A plan's history, of one kind of row, or by one person."""

    kind = forms.ChoiceField(label=_("What"), required=False)
    person = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        data: Any = None,
        *,
        kinds: list[tuple[str, str]],
        people: list[User],
    ) -> None:
        super().__init__(data, label_suffix="")
        anything = pgettext_lazy("filter", "All")
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", anything), *kinds]
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ChoiceField)
        person_field.choices = [("", anything), *((user.pk, str(user)) for user in people)]

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments; a value not offered is ignored, not an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"kind": data.get("kind") or "", "user_id": data.get("person")}


class ResultsYearForm(forms.Form):
    """The programme year of the results page, one of those that exist."""

    year = forms.TypedChoiceField(label=_("Programme year"), coerce=int)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        field.choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]
        field.error_messages["invalid_choice"] = _(
            "There is no programme year %(value)s: choose one of the list."
        )


# --- executive sponsorship: asks of the sponsor, negotiations, advisory committee, recognitions ---


class AskForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    request = forms.CharField(label=_("What you ask of the sponsor"), max_length=300)
    due_on = forms.DateField(label=_("By when"), widget=DateInput())


class AskEditForm(AskForm):
    status = forms.ChoiceField(label=_("Status"), choices=SponsorAsk.Status.choices)


class AskAnswerForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=Textarea(3))
    done = forms.BooleanField(
        label=_("Done: close this ask"),
        required=False,
        initial=True,
        help_text=_("Leave it open if more is to come."),
    )


class NegotiationForm(ServiceErrorsMixin, forms.Form):
    year = forms.IntegerField(label=_("Year negotiated"), min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), choices=YearEndNegotiation.Status.choices)
    held_on = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    executives = forms.ModelMultipleChoiceField(
        label=_("Our executives taking part"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    terms_agreed = forms.CharField(label=_("Terms agreed"), required=False, widget=Textarea(3))
    margin_impact = forms.DecimalField(
        label=_("Margin impact"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("What the terms add to our yearly gross margin; negative if they cost."),
    )

    def __init__(self, *args: Any, executives: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["executives"].queryset = executives  # type: ignore[attr-defined]


class AdvisoryMemberForm(ServiceErrorsMixin, forms.Form):
    contact = forms.ModelChoiceField(label=_("Executive"), queryset=Contact.objects.none())
    since = forms.DateField(label=_("Member since"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, contacts: QuerySet[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["contact"]
        field.queryset = contacts
        field.label_from_instance = lambda contact: (
            f"{contact} · {contact.title} · {contact.client}"
            if contact.title
            else f"{contact} · {contact.client}"
        )


class AdvisoryMeetingForm(ServiceErrorsMixin, forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    title = forms.CharField(label=_("Title"), max_length=200)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Members present"),
        queryset=AdvisoryMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=Textarea(3))

    def __init__(self, *args: Any, members: QuerySet[AdvisoryMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["attendees"]
        field.queryset = members
        field.label_from_instance = lambda member: f"{member.contact} · {member.contact.client}"


class AdvisoryTopicForm(ServiceErrorsMixin, forms.Form):
    topic = forms.CharField(label=_("Topic raised"), max_length=300)
    raised_by = forms.ModelChoiceField(
        label=_("Raised by"), queryset=AdvisoryMember.objects.none(), required=False
    )
    action = forms.CharField(label=_("What we do about it"), required=False, widget=Textarea(2))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=AdvisoryTopic.Status.choices)

    def __init__(
        self,
        *args: Any,
        members: QuerySet[AdvisoryMember],
        owners: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["raised_by"]
        field.queryset = members
        field.label_from_instance = lambda member: f"{member.contact} · {member.contact.client}"
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]


class RecognitionForm(ServiceErrorsMixin, forms.Form):
    recipient = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("A person of the programme, or a team below."),
    )
    team = forms.CharField(label=_("Team"), max_length=150, required=False)
    award = forms.CharField(label=_("Award"), max_length=200)
    reason = forms.CharField(label=_("For what"), widget=Textarea(3))
    awarded_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = people  # type: ignore[attr-defined]


# --- good practices -------------------------------------------------------------------------------


class PracticeSearchForm(forms.Form):
    q = forms.CharField(label=_("Search the practices"), required=False, max_length=200)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=40)


class PracticeForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    context = forms.CharField(
        label=_("Context"),
        widget=Textarea(3),
        help_text=_("The account's situation, the problem."),
    )
    what_worked = forms.CharField(label=_("What worked"), widget=Textarea(4))
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=Textarea(2),
        help_text=_("Figures or facts that show it worked."),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=400, help_text=_("Separated by commas.")
    )
    source_plan = forms.ModelChoiceField(
        label=_("From the plan"), queryset=Plan.objects.none(), required=False
    )
    source_meeting = forms.ModelChoiceField(
        label=_("From the meeting"), queryset=Meeting.objects.none(), required=False
    )
    source_project = forms.ModelChoiceField(
        label=_("From the investment project"),
        queryset=InvestmentProject.objects.none(),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        plans: QuerySet[Plan],
        meetings: QuerySet[Meeting],
        projects: QuerySet[InvestmentProject],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        plan_field: Any = self.fields["source_plan"]
        plan_field.queryset = plans
        plan_field.label_from_instance = lambda plan: f"{plan.client.name} · {plan.period_start:%Y}"
        meeting_field: Any = self.fields["source_meeting"]
        meeting_field.queryset = meetings
        meeting_field.label_from_instance = lambda meeting: (
            f"{meeting.plan.client.name} · {meeting.date:%Y-%m-%d} {meeting.title}".strip()
        )
        project_field: Any = self.fields["source_project"]
        project_field.queryset = projects
        project_field.label_from_instance = lambda project: (
            f"{project.plan.client.name} · {project.title}"
        )


class PracticeReuseForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    practice = forms.ModelChoiceField(label=_("Practice"), queryset=Practice.objects.none())
    note = forms.CharField(label=_("How we reuse it"), max_length=300, required=False)

    def __init__(self, *args: Any, practices: QuerySet[Practice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices  # type: ignore[attr-defined]


# --- approval -------------------------------------------------------------------------------------

RETURN_COMMENT_ROWS = 3
"""How many comments the return form offers at once (a plan is returned with one or more)."""


class PlanReturnForm(ServiceErrorsMixin, forms.Form):
    """A director's comments on a submitted plan: each about the whole plan, a section, or one
    of its items; the rows left empty are ignored, at least one is written."""

    def __init__(self, *args: Any, targets: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = []
        for index in range(1, RETURN_COMMENT_ROWS + 1):
            self.fields[f"about_{index}"] = forms.ChoiceField(
                label=_("About"), choices=targets, required=False, initial="section:plan"
            )
            self.fields[f"text_{index}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.rows.append((self[f"about_{index}"], self[f"text_{index}"]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        comments = []
        for index in range(1, RETURN_COMMENT_ROWS + 1):
            text = (data.get(f"text_{index}") or "").strip()
            if not text:
                continue
            kind, __, value = (data.get(f"about_{index}") or "section:plan").partition(":")
            if kind == "section":
                comments.append({"text": text, "section": value})
            else:
                comments.append({"text": text, "item_kind": kind, "item_id": int(value)})
        if not comments:
            raise forms.ValidationError(
                _("Say what to change: returning a plan needs at least one comment.")
            )
        data["comments"] = comments
        return data


# --- investment projects and the steering committee ----------------------------------------------


class MoneyInput(forms.TextInput):
    """An amount typed as the user writes it (``12 500,50`` or ``12500.50``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(attrs={"inputmode": "decimal", "class": "input-money"}, **kwargs)


class MoneyField(forms.DecimalField):
    """An amount as people type it: spaces between thousands (plain or non-breaking) are
    ignored, the language's separators are understood."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "").replace("\xa0", "")
        return super().to_python(value)


def money_field(label: str, *, required: bool = False) -> forms.DecimalField:
    return MoneyField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        localize=True,
        widget=MoneyInput(),
    )


class ProjectForm(FocusFirst, ServiceErrorsMixin, forms.Form):
    """A project's fields, and its budget and expected margin impact for each year of the
    programme's horizon (a year left empty is not part of the project)."""

    kind = forms.ChoiceField(label=_("Type"), choices=InvestmentProject.Kind.choices)
    title = forms.CharField(label=_("Project name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=Textarea(3))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives it serves"),
        queryset=Objective.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, plan: Plan, years: range, owners: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["objectives"].queryset = plan.objectives.order_by("position", "pk")  # type: ignore[attr-defined]
        self.horizon = list(years)
        for year in self.horizon:
            self.fields[f"budget_{year}"] = money_field(
                _("Budget %(year)s") % {"year": year}  # type: ignore[arg-type]
            )
            self.fields[f"margin_{year}"] = money_field(
                _("Expected margin impact %(year)s") % {"year": year}  # type: ignore[arg-type]
            )

    def year_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(year, self[f"budget_{year}"], self[f"margin_{year}"]) for year in self.horizon]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for year in self.horizon:
            budget, margin = data.get(f"budget_{year}"), data.get(f"margin_{year}")
            if budget is None and margin is not None and f"budget_{year}" not in self.errors:
                self.add_error(
                    f"budget_{year}", _("Give the budget of %(year)s too.") % {"year": year}
                )
        return data

    def years(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "year": year,
                "budget": data[f"budget_{year}"],
                "margin_impact": data.get(f"margin_{year}") or 0,
            }
            for year in self.horizon
            if data.get(f"budget_{year}") is not None
        ]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "description": data["description"],
            "owner": data["owner"],
            "objectives": list(data["objectives"]),
            "years": self.years(),
        }


class ProjectSpentForm(ServiceErrorsMixin, forms.Form):
    """What an approved project has spent to date, for each of its years."""

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_years = years
        for year in years:
            self.fields[f"spent_{year}"] = money_field(
                _("Spent in %(year)s") % {"year": year},  # type: ignore[arg-type]
                required=True,
            )

    def spent(self) -> dict[int, Any]:
        return {year: self.cleaned_data[f"spent_{year}"] for year in self.line_years}


class SessionForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    year = forms.IntegerField(
        label=_("Programme year"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Optional: the programme year whose investment it decides."),
    )
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=Textarea(3))
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, members: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members  # type: ignore[attr-defined]


class DecisionForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=SteeringDecision.Outcome.choices)
    reason = forms.CharField(
        label=_("Reason"),
        widget=Textarea(2),
        error_messages={"required": _("Record the reason for this decision.")},
    )
    budget_exception = forms.CharField(
        label=_("Budget exception"),
        required=False,
        widget=Textarea(2),
        help_text=_("Required when the approval takes a programme year over its budget."),
    )
