"""API plumbing shared by the apps: authentication that answers 401, the permission class built
on ``kam.permissions``, the pagination every list uses, one URL for several operations, the
responses every operation declares (``kam.api_schema`` declares them for it), and the handler
that turns business-rule errors into 400 responses.

The convention, by example (``accounts/api.py``, ``scoring/api/``)::

    class ProgrammeSaveApi(APIView):
        permission_classes = [api.allows(permissions.may_manage_programme)]  # else 403, why

        class InputSerializer(serializers.Serializer): ...

        @extend_schema(operation_id=..., request=InputSerializer, responses={200: ...})
        def put(self, request: Request, year: int) -> Response: ...

One class per operation. A row is fetched through the selectors (not one the caller may see:
404), then ``self.check_object_permissions(request, row)`` checks a capability over it (403).
A service refuses with ``django.core.exceptions.ValidationError`` (400) or ``PermissionDenied``
(403); ``serializers.ValidationError`` is raised only inside serializers. Every operation's
schema has 401, 403 and 404 (and 400 when it takes a body) without declaring them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import authentication, exceptions, permissions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from kam import permissions as capabilities
from kam import versions

# DRF reads the settings' authentication classes (``SessionAuthentication`` below) while it
# imports ``rest_framework.views``: this module imports that one only when a function runs.
if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase
    from rest_framework.views import APIView

    RouteBase = APIView
else:
    RouteBase = object


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, answering an anonymous caller with a 401 (as Basic does) rather
    than DRF's 403, without the ``Basic`` challenge that would open the browser's login box."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'


class CapabilityPermission(permissions.BasePermission):
    """Grants what ``capability`` grants; built by ``allows()``. A refusal is a 403 with the
    capability's translated reason."""

    capability: Callable[..., bool]

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False  # DRF answers 401
        if self._takes_object():
            return True
        capabilities.require(type(self).capability, request.user)  # type: ignore[arg-type]
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if self._takes_object():
            capabilities.require(type(self).capability, request.user, obj)  # type: ignore[arg-type]
        return True

    def _takes_object(self) -> bool:
        return type(self).capability.__code__.co_argcount > 1


def allows(capability: Callable[..., bool]) -> type[CapabilityPermission]:
    """``permission_classes = [allows(permissions.may_manage_programme)]``: the caller needs the
    capability. For a capability over an object (``may_edit_client``), the view calls
    ``self.check_object_permissions(request, client)`` once it holds a row the caller may see
    (a row they may not see is a 404 before that)."""
    name = f"Allows_{capability.__name__}"
    return type(name, (CapabilityPermission,), {"capability": staticmethod(capability)})


class Pagination(PageNumberPagination):
    """Every list: 50 a page by default, up to 500 with ``page_size``."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class Route(RouteBase):
    """One URL for several operations, each still its own class::

        class CriterionCollectionApi(api.Route, CriterionListApi, CriterionCreateApi):
            "GET lists the criteria, POST adds one."

    A request is handled by an instance of the operation class that defines its method, so that
    class's permissions, parsers and serializers apply; the schema reads each method from its
    own class. Two operations answering the same method cannot share a route."""

    operations: dict[str, type[APIView]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        operations: dict[str, type[APIView]] = {}
        for base in cls.__bases__:
            if base is Route or not hasattr(base, "http_method_names"):
                continue  # not an operation
            for method in base.http_method_names:
                if method == "options" or not hasattr(base, method):
                    continue
                if method in operations:
                    raise TypeError(f"{cls.__name__}: two operations answer {method.upper()}.")
                operations[method] = base
        if "get" in operations:
            operations.setdefault("head", operations["get"])  # as Django's views answer HEAD
        cls.operations = operations

    @classmethod
    def operation(cls, method: str) -> type[APIView]:
        """The class answering ``method``; the route itself for OPTIONS or any other method."""
        return cls.operations.get(method.lower(), cls)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        operation = self.operation(request.method or "")
        if operation is type(self):
            return super().dispatch(request, *args, **kwargs)  # OPTIONS, or a 405
        view = operation()
        view.setup(request, *args, **kwargs)
        return view.dispatch(request, *args, **kwargs)


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")


UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description="Not logged in: no session and no credentials."
)
FORBIDDEN = OpenApiResponse(
    ErrorSerializer, description="Your role may not do this; the reason is translated."
)
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object, or not one you may see.")
NO_SUCH_CLIENT = OpenApiResponse(
    ErrorSerializer, description="No such client, or not one you may see."
)
INVALID = OpenApiResponse(description="Invalid input; each error says what to change.")


# --- optimistic concurrency: ETag and If-Match (``kam.versions``) ------------------------------


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy(
        "Send the version you read in an If-Match header (the ETag of the item): without it, "
        "your change could overwrite someone else's."
    )
    default_code = "precondition_required"


def etag(version: str) -> str:
    return f'"{version}"'


def if_match(request: Request) -> str:
    """The version an item write names in its ``If-Match`` header (the item's ``ETag`` as read);
    a write without one is refused (428), as is ``*``, which names no version."""
    header = request.headers.get("If-Match", "").strip()
    tag = header.removeprefix("W/").strip().strip('"')
    if not tag or tag == "*" or "," in header:
        raise PreconditionRequired()
    return tag


def with_etag(response: Response, row: Any, fields: Any = None) -> Response:
    """``response`` with ``row``'s version as its ``ETag``."""
    response["ETag"] = etag(versions.version_of(row, fields))
    return response


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The item's ETag as you read it: the write is refused (412) if the item "
    "changed since, and without it (428).",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=True,
    description="The item's version, to send back in If-Match when you change or delete it.",
)


@extend_schema_serializer(component_name="StaleEdit")
class StaleEditSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What happened, in the caller's language.")
    etag = serializers.CharField(help_text="The item's version now: If-Match for a retry.")
    current = serializers.DictField(help_text="The item's fields as they are now.")
    changed = serializers.ListField(
        child=serializers.CharField(), help_text="The fields changed since your version."
    )
    changed_by = serializers.ListField(
        child=serializers.CharField(), help_text="Who changed them, when the history knows."
    )
    changed_at = serializers.DateTimeField(allow_null=True)


PRECONDITION_FAILED = OpenApiResponse(
    StaleEditSerializer,
    description="The item changed since the version you sent: nothing was written; the body "
    "says what it is now and what changed.",
)
PRECONDITION_REQUIRED = OpenApiResponse(
    ErrorSerializer, description="No If-Match header: send the ETag you read."
)
PRECONDITIONS = {412: PRECONDITION_FAILED, 428: PRECONDITION_REQUIRED}
"""The responses of an item write that takes ``If-Match``."""


def _stale_edit_response(exc: versions.StaleEdit) -> Response:
    since = exc.changes()
    current = exc.current_values()
    body = {
        "detail": exc.message,
        "etag": etag(exc.version),
        "current": current,
        "changed": since.fields,
        "changed_by": [str(user) for user in since.users],
        "changed_at": since.at.isoformat() if since.at else None,
    }
    return Response(body, status=412, headers={"ETag": etag(exc.version)})


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    from rest_framework import views

    if isinstance(exc, versions.StaleEdit):
        return _stale_edit_response(exc)
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    return views.exception_handler(exc, context)
