"""The production docker-compose.yml: six services, health-gated start-up, shared media."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (ROOT / "kam" / "settings.py").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command(service: dict[str, Any]) -> str:
    value = service["command"]
    return " ".join(value) if isinstance(value, list) else value


def test_compose_has_the_six_services_with_health_checks(compose):
    services = compose["services"]
    assert set(services) == {"web", "worker", "render-worker", "beat", "postgres", "redis"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert service.get("restart") == "unless-stopped", name


def test_compose_runs_the_right_images_and_commands(compose):
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "migrate --no-input" in command(services["web"])
    assert "gunicorn kam.wsgi" in command(services["web"])
    assert command(services["worker"]).startswith("celery -A kam worker --queues celery ")
    assert command(services["beat"]).startswith("celery -A kam beat")
    for name in ("web", "worker", "render-worker", "beat"):
        assert services[name]["build"] == "."


def test_compose_renders_pdfs_in_a_worker_of_their_own_with_a_memory_ceiling(compose):
    render = command(compose["services"]["render-worker"])
    assert render.startswith("celery -A kam worker --queues render ")
    assert re.search(r"--max-memory-per-child=\$\{KAM_RENDER_MAX_MEMORY_KB:-\d+\}", render)
    assert re.search(r"--concurrency=\$\{KAM_RENDER_CONCURRENCY:-\d+\}", render)
    assert "render@$$HOSTNAME" in " ".join(
        compose["services"]["render-worker"]["healthcheck"]["test"]
    )
    assert "render" not in command(compose["services"]["worker"])


def test_compose_starts_services_only_when_their_dependencies_are_healthy(compose):
    services = compose["services"]
    assert set(services["web"]["depends_on"]) == {"postgres", "redis"}
    assert set(services["worker"]["depends_on"]) == {"web", "redis"}  # web has migrated
    assert set(services["render-worker"]["depends_on"]) == {"web", "redis"}
    assert set(services["beat"]["depends_on"]) == {"web", "redis"}
    for name in ("web", "worker", "render-worker", "beat"):
        for dependency in services[name]["depends_on"].values():
            assert dependency == {"condition": "service_healthy"}, name


def test_compose_keeps_data_in_named_volumes(compose):
    services = compose["services"]
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    # The web app stores uploads where the worker imports them from.
    assert "media:/data/media" in services["web"]["volumes"]
    assert "media:/data/media" in services["worker"]["volumes"]
    assert "media:/data/media" in services["render-worker"]["volumes"]


def test_compose_sets_every_setting_in_production_mode(compose):
    variables = set(re.findall(r'env(?:_int|_list)?\(\s*"([A-Z_]+)"', SETTINGS))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "KAM_IMPORT_MAX_BYTES"} <= variables
    for name in ("web", "worker", "render-worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert variables <= set(environment), name
        assert environment["DJANGO_DEBUG"] == "false"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["DATABASE_URL"].endswith("@postgres:5432/kam")
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        # Secrets come from the operator's environment or .env, never from this file.
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")


def test_dockerfile_runs_as_a_non_root_user_with_weasyprint_libraries():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3.12-slim$", dockerfile, re.MULTILINE)
    assert "uv sync --locked --no-dev" in dockerfile
    assert "collectstatic" in dockerfile
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu"):
        assert package in dockerfile
    assert re.search(r"^USER kam$", dockerfile, re.MULTILINE)
