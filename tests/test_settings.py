"""Production mode (DJANGO_DEBUG=false) refuses unsafe or malformed settings, naming each one.

Each case starts a fresh interpreter (settings are read once, at import time); the cases run
side by side, all started by one fixture.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "vG3q-8Lr2Zx0fN7pWc4Ty1Hs6Km9Ub5Ja2Qd8Xe0Rn3Vo7Li4Pg1Sw6Bz9Fk2Yt5"
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": SECRET,
    "DJANGO_ALLOWED_HOSTS": "kam.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://kam.example.com",
    "DATABASE_URL": "postgres://kam:secret@db.example.com:5432/kam",
    "REDIS_URL": "redis://redis.example.com:6379/0",
}
SETUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS)"
)


REFUSED: dict[str, tuple[dict[str, str | None], str]] = {  # case → (overrides, variable named)
    "secret-missing": ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
    "secret-dev": ({"DJANGO_SECRET_KEY": "dev-only-not-secret-" + "k" * 40}, "DJANGO_SECRET_KEY"),
    "secret-insecure": ({"DJANGO_SECRET_KEY": "django-insecure-" + SECRET}, "DJANGO_SECRET_KEY"),
    "secret-short": ({"DJANGO_SECRET_KEY": "too-short-1234"}, "DJANGO_SECRET_KEY"),
    "secret-repetitive": ({"DJANGO_SECRET_KEY": "ab" * 30}, "DJANGO_SECRET_KEY"),
    "hosts-missing": ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
    "hosts-empty": ({"DJANGO_ALLOWED_HOSTS": " , "}, "DJANGO_ALLOWED_HOSTS"),
    "hosts-star": ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
    "hosts-any": ({"DJANGO_ALLOWED_HOSTS": "kam.example.com,*"}, "DJANGO_ALLOWED_HOSTS"),
    "database-mysql": (
        {"DATABASE_URL": "mysql://kam:secret@db.example.com:3306/kam"},
        "DATABASE_URL",
    ),
    "database-no-name": (
        {"DATABASE_URL": "postgres://kam:secret@db.example.com:5432/"},
        "DATABASE_URL",
    ),
    "redis-no-scheme": ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
    "redis-http": ({"REDIS_URL": "http://redis.example.com:6379/0"}, "REDIS_URL"),
    "csrf-no-scheme": (
        {"DJANGO_CSRF_TRUSTED_ORIGINS": "kam.example.com"},
        "DJANGO_CSRF_TRUSTED_ORIGINS",
    ),
    "csrf-bad-scheme": (
        {"DJANGO_CSRF_TRUSTED_ORIGINS": "https://kam.example.com,ftp://kam.example.com"},
        "DJANGO_CSRF_TRUSTED_ORIGINS",
    ),
    "import-size": ({"KAM_IMPORT_MAX_BYTES": "50MB"}, "KAM_IMPORT_MAX_BYTES"),
    "import-tiny": ({"KAM_IMPORT_MAX_BYTES": "12"}, "KAM_IMPORT_MAX_BYTES"),
    "debug-not-boolean": ({"DJANGO_DEBUG": "yes"}, "DJANGO_DEBUG"),
    "cookies": ({"DJANGO_SECURE_COOKIES": "maybe"}, "DJANGO_SECURE_COOKIES"),
}


def start(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Run django.setup() in a new interpreter with the production environment plus overrides."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "KAM_")) and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env |= PRODUCTION | {"DJANGO_SETTINGS_MODULE": "kam.settings"}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_correct_production_environment_starts():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "['kam.example.com']"]


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The ImproperlyConfigured message, without the traceback (which quotes settings.py)."""
    marker = "django.core.exceptions.ImproperlyConfigured: "
    assert marker in result.stderr, result.stderr
    return result.stderr.rpartition(marker)[2]


@pytest.fixture(scope="module")
def refusals() -> dict[str, subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 1)) as pool:
        futures = {
            case: pool.submit(start, **overrides) for case, (overrides, _) in REFUSED.items()
        }
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", REFUSED)
def test_production_refuses(refusals, case):
    result, variable = refusals[case], REFUSED[case][1]
    assert result.returncode != 0
    assert variable in refusal(result)


def test_production_lists_every_problem_at_once():
    result = start(
        DJANGO_SECRET_KEY="short",
        DJANGO_ALLOWED_HOSTS="*",
        DATABASE_URL="mysql://db/kam",
        REDIS_URL="nowhere",
    )
    assert result.returncode != 0
    message = refusal(result)
    for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
        assert f"- {variable} " in message


def test_debug_mode_starts_without_a_secret_or_hosts():
    result = start(DJANGO_DEBUG="true", DJANGO_SECRET_KEY=None, DJANGO_ALLOWED_HOSTS=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"
