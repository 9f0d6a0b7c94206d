import functools
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from planning.views import home


@functools.cache
def _schema_views() -> dict[str, Callable[..., HttpResponse]]:
    """drf-spectacular's schema and docs views, built on their first request: importing them
    (the schema generator and DRF's test client) would slow every process's start."""
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

    class ApiDocsView(SpectacularSwaggerView):
        """Swagger UI served from our own static files, so the docs work offline."""

        @staticmethod
        def _swagger_ui_resource(filename: str) -> str:
            return static(f"vendor/swagger-ui/{filename}")

        @staticmethod
        def _swagger_ui_favicon() -> str:
            return static("favicon.svg")

    return {
        "schema": SpectacularAPIView.as_view(),
        "docs": ApiDocsView.as_view(url_name="api_schema"),
    }


@csrf_exempt
def api_schema(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The OpenAPI schema of the API."""
    return _schema_views()["schema"](request, *args, **kwargs)


@csrf_exempt
def api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The API's documentation (Swagger UI) over that schema."""
    return _schema_views()["docs"](request, *args, **kwargs)


urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("api/", include("accounts.api_urls")),
    path("scoring/", include("scoring.urls")),
    path("api/scoring/", include("scoring.api_urls")),
    path("plans/", include("planning.urls")),
    path("api/planning/", include("planning.api_urls")),
    path("api/schema/", api_schema, name="api_schema"),
    path("api/docs/", api_docs, name="api_docs"),
]
