"""API plumbing shared by the apps: authentication that answers 401, the permission class built
on ``kam.permissions``, the pagination every list uses, the responses every operation declares,
and the handler that turns business-rule errors into 400 responses."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import authentication, exceptions, permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from kam import permissions as capabilities


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


UNAUTHENTICATED = OpenApiResponse(description="Not logged in: no session and no credentials.")
FORBIDDEN = OpenApiResponse(description="Your role may not do this; the reason is translated.")
NOT_FOUND = OpenApiResponse(description="No such object, or not one you may see.")
INVALID = OpenApiResponse(description="Invalid input; each error says what to change.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    return drf_exception_handler(exc, context)
