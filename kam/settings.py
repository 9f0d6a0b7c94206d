"""KAM settings: the only settings module, driven by the environment.

Every value can be set with an environment variable (see the README). In production mode
(``DJANGO_DEBUG=false``, the default) unsafe or malformed values stop start-up with a message
naming each of them.
"""

import os
from collections.abc import Collection
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-only-not-secret-" + "k" * 40


def env(name: str, default: str | None = None, *, choices: Collection[str] = ()) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    if choices and value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, not {value!r}.")
    return value


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {value}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env("DJANGO_DEBUG", "false", choices={"true", "false"}) == "true"
SECRET_KEY = env("DJANGO_SECRET_KEY", DEV_SECRET_KEY if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
DATABASE_URL = env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam")
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")


def _production_problems() -> list[str]:
    """What makes this environment unsafe or malformed for production, one line each."""
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith(("django-insecure", "dev-only")):
        problems.append("DJANGO_SECRET_KEY is a development key; generate a random one.")
    elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        problems.append("DJANGO_SECRET_KEY must be at least 50 random characters.")
    if not ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS must list the host names KAM is served under.")
    if "*" in ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS must not contain '*'.")
    for origin in CSRF_TRUSTED_ORIGINS:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            problems.append(f"DJANGO_CSRF_TRUSTED_ORIGINS has a malformed origin: {origin!r}.")
    return problems


def _url_problems() -> list[str]:
    problems = []
    database = urlsplit(DATABASE_URL)
    if database.scheme not in {"postgres", "postgresql", "pgsql"} or not database.path.strip("/"):
        problems.append(
            "DATABASE_URL must be a PostgreSQL URL such as postgres://user:pass@host:5432/kam."
        )
    redis = urlsplit(REDIS_URL)
    if redis.scheme not in {"redis", "rediss"} or not redis.hostname:
        problems.append("REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379/0.")
    return problems


_problems = _url_problems() + ([] if DEBUG else _production_problems())
if _problems:
    raise ImproperlyConfigured("KAM cannot start:\n- " + "\n- ".join(_problems))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "pgtrigger",
    "pghistory",
    "accounts",
    "planning",
    "scoring",
    "kam",  # the project: its demo command seeds every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pghistory.middleware.HistoryMiddleware",  # who made each change, for the audit history
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kam.permissions.role_capabilities",
            ],
            "builtins": ["kam.templatetags.kam"],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("KAM_LANGUAGE", "fr", choices={"fr", "en"})
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["kam.locale_formats"]  # English dates day first: 25/10/2026, 25 Oct 2026
TIME_ZONE = env("KAM_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("KAM_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("KAM_MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Development serves static files from the app folders, production from collectstatic's output.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}

if not DEBUG:
    SESSION_COOKIE_SECURE = (
        env("DJANGO_SECURE_COOKIES", "true", choices={"true", "false"}) == "true"
    )
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kam.api.SessionAuthentication",  # first: an anonymous caller gets a 401, not a 403
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kam.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "kam.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "kam.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAM API",
    "DESCRIPTION": "Key account management: clients, ledger imports, scoring and plans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "LedgerImportStatusEnum": "accounts.models.LedgerImport.Status",
        "ScoringRunStatusEnum": "scoring.models.ScoringRun.Status",
        "DirectionEnum": "scoring.models.Criterion.Direction",  # named as before the plans came
        "KindEnum": "scoring.models.Override.Kind",
        "PlanStatusEnum": "planning.models.Plan.Status",
        "ActionStatusEnum": "planning.models.Action.Status",
        "OfferStatusEnum": "planning.models.Offer.Status",
        "OfferingKindEnum": "planning.models.Offering.Kind",
        "MoveDirectionEnum": [("up", "up"), ("down", "down")],
        "CadenceKindEnum": "planning.models.Cadence.Kind",
        "DepartmentEnum": "accounts.models.Department",
        "SponsorAskStatusEnum": "planning.models.SponsorAsk.Status",
        "NegotiationStatusEnum": "planning.models.YearEndNegotiation.Status",
        "AdvisoryTopicStatusEnum": "planning.models.AdvisoryTopic.Status",
        "ProjectKindEnum": "planning.models.InvestmentProject.Kind",
        "ProjectStatusEnum": "planning.models.InvestmentProject.Status",
        "SteeringOutcomeEnum": "planning.models.SteeringDecision.Outcome",
        "ExchangeRateSourceEnum": "accounts.models.ExchangeRate.Source",
        "CriterionSourceEnum": "scoring.models.Criterion.Source",
        "ExchangeRatePeriodEnum": "accounts.models.ExchangeRate.Period",
    },
}

# Audit history (kam/history.py): each event is stamped when it happened, not when its
# transaction began, so that the changes of one transaction read in the order they were made
PGHISTORY_CREATED_AT_FUNCTION = "CLOCK_TIMESTAMP()"

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that Redis delivered but no worker acknowledged within this time goes to another
# worker: it must exceed the longest hard time limit of any task (kam/tasks.py), which the
# worker checks at start-up. Lower only to watch a killed worker's task come back sooner.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("KAM_CELERY_VISIBILITY_TIMEOUT", 7200, minimum=1)
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True  # redelivered, not doubled
CELERY_TASK_DEFAULT_QUEUE = "celery"
# PDF rendering and batch exports go to the render worker (memory ceiling, its own concurrency)
CELERY_TASK_ROUTES = {
    "planning.tasks.*render*": {"queue": "render"},
    "planning.tasks.*export*": {"queue": "render"},
}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "nightly-metrics": {
        "task": "accounts.tasks.client_metrics_recompute_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "nightly-scores": {
        "task": "scoring.tasks.scores_recompute_task",
        "schedule": crontab(hour=3, minute=0),
        "kwargs": {"trigger": "nightly"},
    },
    "daily-meeting-reminders": {
        "task": "planning.tasks.meeting_reminders_send_task",
        "schedule": crontab(hour=7, minute=0),
    },
}

# Email (the meeting reminders): SMTP by default; scripts/run.sh prints mail to the console
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
_email_backend = env("EMAIL_BACKEND", SMTP_BACKEND, choices={SMTP_BACKEND, CONSOLE_BACKEND})
_smtp_options = {
    "host": env("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25, minimum=1, maximum=65535),
    "username": env("EMAIL_HOST_USER", ""),
    "password": env("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env("EMAIL_USE_TLS", "false", choices={"true", "false"}) == "true",
    "timeout": env_int("EMAIL_TIMEOUT", 30, minimum=1),
}
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": _smtp_options if _email_backend == SMTP_BACKEND else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "KAM <kam@localhost>")
KAM_BASE_URL = env("KAM_BASE_URL", "http://127.0.0.1:8000")

# Ledger imports
KAM_IMPORT_MAX_BYTES = env_int("KAM_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
KAM_XLSX_MAX_UNCOMPRESSED_BYTES = env_int(
    "KAM_XLSX_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024, minimum=1024
)
KAM_XLSX_MAX_MEMBERS = env_int("KAM_XLSX_MAX_MEMBERS", 500, minimum=4)
KAM_DEFAULT_CURRENCY = env("KAM_DEFAULT_CURRENCY", "EUR")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Selection of key accounts
KAM_OVERRIDE_BOUND = env_int("KAM_OVERRIDE_BOUND", 10, minimum=1, maximum=50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("KAM_LOG_LEVEL", "INFO")},
    # WeasyPrint writes each step of every PDF at INFO ("Step 2 - Fetching and parsing CSS")
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
