"""The OpenAPI schema's view of every operation: drf-spectacular's, plus the refusals any operation
can give. Apart from ``kam.api`` because drf-spectacular's schema module imports DRF's generic
views, which read the pagination class (``kam.api.Pagination``) from the settings."""

from typing import Any

from django.utils import translation
from drf_spectacular import authentication, openapi
from drf_spectacular.utils import OpenApiResponse

from kam import api
from kam import permissions as capabilities


class SessionScheme(authentication.SessionScheme):
    """``kam.api.SessionAuthentication`` is the browser's session cookie, as DRF's is."""

    target_class = "kam.api.SessionAuthentication"


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, where every operation declares 401, 403 and 404, and 400 when
    it takes a body. An operation's own description of one of them wins; a 403 it does not
    describe says the reason of the capability its permission class requires."""

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        # Extends the responses drf-spectacular worked out (``@extend_schema`` replaces
        # ``get_response_serializers``, so the refusals are added after it).
        bodies = super()._get_response_bodies(direction)
        refusals: dict[str, OpenApiResponse] = {
            "401": api.UNAUTHENTICATED,
            "403": self._forbidden(),
            "404": api.NOT_FOUND,
        }
        if self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer() is not None:
            refusals["400"] = api.INVALID
        for code, response in refusals.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(response, code, direction=direction)
        return bodies

    def _forbidden(self) -> OpenApiResponse:
        view_class = type(self.view)
        if issubclass(view_class, api.Route):
            view_class = view_class.operation(self.method)
        for permission in getattr(view_class, "permission_classes", []):
            if isinstance(permission, type) and issubclass(permission, api.CapabilityPermission):
                with translation.override("en"):  # as the schema's other descriptions
                    reason = capabilities.refusal(permission.capability)
                return OpenApiResponse(api.ErrorSerializer, description=reason)
        return api.FORBIDDEN
