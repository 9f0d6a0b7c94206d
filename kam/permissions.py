"""Who may do what: every capability of KAM, named once, as a plain function of the user (and of
the object it concerns), with the translated reason a refused user reads.

Which *rows* a user sees is not decided here but in the selectors (``client_list(user=)`` and
those built on it): a row the user may not see is a 404. A capability answers a different
question, "may this role do this?", and a refusal is a 403 saying why, by page and API alike:

- pages: ``@capability_required(permissions.may_manage_programme)`` on a view, or
  ``permissions.require(permissions.may_edit_client, user, client)`` once the view holds the row;
- API: ``permission_classes = [api.allows(permissions.may_manage_programme)]`` (``kam.api``), and
  ``self.check_object_permissions(request, client)`` for a capability over an object;
- services: ``permissions.require(...)`` before they write, so a task or a shell is held to the
  same rule (Django's ``PermissionDenied``, never a ``ValidationError``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    NamedTuple,
    ParamSpec,
    Protocol,
    TypeVar,
    cast,
)

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from accounts.models import User
    from kam.types import AuthedRequest


class HasKam(Protocol):
    """A client, or a row standing for one (a grid row), known by its KAM's id."""

    @property
    def kam_id(self) -> int | None: ...


class HasClient(Protocol):
    """A plan, or anything of one client."""

    @property
    def client(self) -> HasKam: ...


class HasOwner(Protocol):
    """An action: its owner and the plan it belongs to (through its objective)."""

    @property
    def owner_id(self) -> int: ...

    @property
    def objective(self) -> Any: ...


class KamOf(NamedTuple):
    """A client known only by its KAM's id (``None``: no KAM), as a row read in bulk gives it:
    ``may_rate_client(user, KamOf(kam_id))``."""

    kam_id: int | None


def _directs(user: User) -> bool:
    """Directors and administrators run the programme; a superuser counts as an administrator."""
    return user.is_authenticated and (
        user.is_superuser or user.role in {user.Role.DIRECTOR, user.Role.ADMIN}
    )


# --- capabilities of a role ---------------------------------------------------------------------


def may_manage_programme(user: User) -> bool:
    """Criteria, weights, overrides, budgets, costs to serve, the shortlist and recomputes."""
    return _directs(user)


def may_assign_clients(user: User) -> bool:
    """Give a client its key account manager and executive sponsor, its group and segment."""
    return _directs(user)


def may_import_ledgers(user: User) -> bool:
    """Upload a ledger, confirm its import and read the import history."""
    return _directs(user)


def may_manage_exchange_rates(user: User) -> bool:
    """Add, change, delete or upload the exchange rates the figures are converted with (everyone
    logged in reads them)."""
    return _directs(user)


def may_see_programme_results(user: User) -> bool:
    """Read the programme's results (the key accounts against the other clients, the plans,
    meetings, investment and recognitions of a programme year): directors, administrators,
    sponsors, and KAMs, who see the programme's totals and only their own plans listed."""
    return _directs(user) or (
        user.is_authenticated and user.role in {user.Role.SPONSOR, user.Role.KAM}
    )


# --- capabilities over one client -----------------------------------------------------------------


def may_edit_client(user: User, client: HasKam) -> bool:
    """Change what belongs to a client (its contacts): the client's KAM, directors and admins."""
    return _directs(user) or (
        user.is_authenticated and user.role == user.Role.KAM and client.kam_id == user.pk
    )


def may_rate_client(user: User, client: HasKam) -> bool:
    """Rate a client on the strategic and maturity criteria: its KAM, directors and admins."""
    return may_edit_client(user, client)


# --- capabilities over plans ----------------------------------------------------------------------
# Which plans a user sees is ``planning.selectors.plans.plan_list(user=)``: a plan's KAM, its
# client's sponsor, directors, and the people who take part in it (own one of its actions or are
# our side of one of its counterpart pairs). These say what they may do with a plan they see.


def may_open_plan(user: User) -> bool:
    """Open a plan for a key account, and maintain the catalogue of offerings."""
    return _directs(user)


def may_edit_plan(user: User, plan: HasClient) -> bool:
    """Write anything in a plan: the client's KAM, directors and admins."""
    return may_edit_client(user, plan.client)


def may_update_action(user: User, action: HasOwner) -> bool:
    """Update an action's status, progress and comment: whoever may edit the plan, and the
    action's owner (a contributor updates their own actions and nothing else)."""
    return user.is_authenticated and (
        action.owner_id == user.pk or may_edit_plan(user, action.objective.plan)
    )


# --- capabilities of sponsorship and good practices --------------------------------------------
# The asks of the sponsor are a plan section the plan's editors write (``may_edit_plan``) and the
# client's sponsor answers; year-end negotiations are written by whoever edits the client.


def may_answer_ask(user: User, plan: HasClient) -> bool:
    """Answer what the KAM asks of the sponsor: the account's executive sponsor only."""
    return (
        user.is_authenticated
        and user.role == user.Role.SPONSOR
        and getattr(plan.client, "sponsor_id", None) == user.pk
    )


def may_run_sponsorship(user: User) -> bool:
    """Keep the advisory committee of key accounts and the programme's recognitions: sponsors,
    directors and administrators."""
    return _directs(user) or (user.is_authenticated and user.role == user.Role.SPONSOR)


def may_see_advisory_committee(user: User) -> bool:
    """Read the advisory committee (the customers' executives who sit on it, its meetings and
    topics): everyone but contributors."""
    return user.is_authenticated and user.role != user.Role.CONTRIBUTOR


def may_edit_practice(user: User, practice: Any) -> bool:
    """Change or withdraw a good practice: whoever wrote it, directors and administrators."""
    return _directs(user) or (user.is_authenticated and practice.author_id == user.pk)


def may_submit_plan(user: User, plan: HasClient) -> bool:
    """Submit a plan for review: its key account manager only. A director does not submit on
    the KAM's behalf: the plan is the KAM's commitment, the director reviews it."""
    return user.is_authenticated and plan.client.kam_id == user.pk


def may_review_plan(user: User, plan: HasClient) -> bool:
    """Approve a submitted plan or return it with comments: a director, never on a plan of a
    client they manage themselves (administrators keep the application, they do not review)."""
    return (
        user.is_authenticated
        and user.role == user.Role.DIRECTOR
        and plan.client.kam_id != user.pk
        and getattr(plan, "owner_id", None) != user.pk
    )


# --- capabilities over investment projects and the steering committee -----------------------------
# Which projects a user sees is ``planning.selectors.projects.project_list(user=)``: those of the
# plans they see.


def may_propose_project(user: User, plan: HasClient) -> bool:
    """Propose an investment project for a key account, change it while the committee has not
    decided, and record what was spent on it: the account's KAM, directors and admins (not its
    sponsor, nor another KAM)."""
    return may_edit_client(user, plan.client)


def may_run_steering(user: User) -> bool:
    """Plan the steering committee's sessions and record its decisions on investment projects."""
    return _directs(user)


# --- capabilities over reports (plans' PDFs, the shortlist report, the year's zip) --------------


def may_download_plan_pdf(user: User, plan: HasClient, *, takes_part: bool = False) -> bool:
    """Get a plan's PDF (an approved version or the draft): whoever may see the plan, its KAM,
    its client's sponsor, directors and administrators, and a contributor who takes part in it
    (``takes_part``: which only ``planning.selectors.plans.plan_list`` knows)."""
    client = plan.client
    return _directs(user) or (
        user.is_authenticated
        and (
            (user.role == user.Role.KAM and client.kam_id == user.pk)
            or (user.role == user.Role.SPONSOR and getattr(client, "sponsor_id", None) == user.pk)
            or takes_part
        )
    )


def may_export_programme(user: User) -> bool:
    """Get the shortlist report and the zip of a programme year's approved plans."""
    return _directs(user)


REFUSALS: dict[Callable[..., bool], Promise] = {
    may_manage_programme: _(
        "Only directors and administrators can manage the programme: criteria, weights, "
        "overrides, budgets and the shortlist."
    ),
    may_assign_clients: _("Only directors and administrators can assign clients."),
    may_import_ledgers: _("Only directors and administrators can import ledgers."),
    may_manage_exchange_rates: _(
        "Only directors and administrators can change the exchange rates."
    ),
    may_see_programme_results: _(
        "Only directors, sponsors, key account managers and administrators can see the "
        "programme's results."
    ),
    may_edit_client: _("Only the client's key account manager or a director can do this."),
    may_rate_client: _("Only the client's key account manager or a director can rate it."),
    may_open_plan: _("Only directors and administrators can open plans and keep the catalogue."),
    may_edit_plan: _("Only the account's key account manager or a director can change its plan."),
    may_update_action: _("You can only update the actions you own."),
    may_answer_ask: _("Only the account's executive sponsor can answer what is asked of them."),
    may_run_sponsorship: _(
        "Only sponsors, directors and administrators can keep the advisory committee and the "
        "recognitions."
    ),
    may_see_advisory_committee: _(
        "The advisory committee is for key account managers, sponsors and directors."
    ),
    may_edit_practice: _("Only the author of a practice or a director can change it."),
    may_submit_plan: _("Only the account's key account manager can submit its plan for review."),
    may_review_plan: _(
        "Only a director can approve or return a plan, and never a plan of their own."
    ),
    may_propose_project: _(
        "Only the account's key account manager or a director can propose or change its "
        "investment projects."
    ),
    may_run_steering: _(
        "Only directors and administrators run the steering committee: its sessions and decisions."
    ),
    may_download_plan_pdf: _(
        "Only the account's key account manager, its sponsor, the people who take part in its "
        "plan and directors can get the plan's PDF."
    ),
    may_export_programme: _(
        "Only directors and administrators can get the shortlist report and the programme "
        "year's approved plans."
    ),
}
"""What a user refused by each capability reads (translated when it is read)."""


def refusal(capability: Callable[..., bool]) -> str:
    return str(REFUSALS[capability])


def require(capability: Callable[..., bool], user: User, *objects: Any) -> None:
    """Raise ``PermissionDenied`` with the capability's reason unless ``user`` has it."""
    if not capability(user, *objects):
        raise PermissionDenied(refusal(capability))


# --- pages ----------------------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R", bound="HttpResponseBase")


def capability_required(
    capability: Callable[[User], bool],
) -> Callable[
    [Callable[Concatenate[AuthedRequest, P], R]], Callable[Concatenate[AuthedRequest, P], R]
]:
    """A page for the users who have ``capability``: anyone else gets the 403 page saying why.
    Put it under ``@login_required``, which sends anonymous visitors to the login page first."""

    def decorator(
        view: Callable[Concatenate[AuthedRequest, P], R],
    ) -> Callable[Concatenate[AuthedRequest, P], R]:
        @wraps(view)
        def wrapper(request: AuthedRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
            require(capability, request.user)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def role_capabilities(request: HttpRequest) -> dict[str, dict[str, bool]]:
    """Template context: ``{% if may.import_ledgers %}`` shows what the role may use (the
    navigation); a page asks the capability over its own objects in its view."""
    user = cast("User", request.user)  # anonymous too: every capability answers False
    return {
        "may": {
            "manage_programme": may_manage_programme(user),
            "assign_clients": may_assign_clients(user),
            "import_ledgers": may_import_ledgers(user),
            "manage_exchange_rates": may_manage_exchange_rates(user),
            "open_plan": may_open_plan(user),
            "see_programme_results": may_see_programme_results(user),
            "run_sponsorship": may_run_sponsorship(user),
            "see_advisory_committee": may_see_advisory_committee(user),
            "run_steering": may_run_steering(user),
            "export_programme": may_export_programme(user),
        }
    }
