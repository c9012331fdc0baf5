"""Settings, read from the environment.

With no environment at all the embedded demo works: SQLite in ``var/`` and a
Celery broker on the filesystem (kombu's ``filesystem://`` transport, no server).
Set ``DATABASE_URL`` and ``CELERY_BROKER_URL`` for the production shape
(PostgreSQL + Redis).
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("DISPATCH_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0)")


DEBUG = _bool("DEBUG", default=False)
PRODUCTION = env.str("DISPATCH_ENV", default="demo") == "production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = "demo-insecure-key-change-me-in-production-0123456789abcdef"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "org",
    "notifications",
    "workorders",
    "dispatch",
    "sla",
    "compensation",
    "network_faults",
    "complaints",
    "payroll",
    "reports",
    "console",
    "monitoring",
    "demo",
]

MIDDLEWARE = [
    "monitoring.metrics.LatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dispatch_center.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the session's user, roles and district in one statement.
    "dispatch_center.session_auth.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "dispatch_center.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dispatch_center.urls"
WSGI_APPLICATION = "dispatch_center.wsgi.application"

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
                "dispatch_center.navigation.navigation",
            ],
        },
    },
]

# Database: DATABASE_URL, or SQLite under var/ for the embedded demo.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks
    # instead of failing at once, and take the write lock at BEGIN.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Reports and exports read from a streaming replica when one is configured
# (dispatch_center/replica.py), the primary when it is down or lags.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["dispatch_center.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float(
    "DATABASE_REPLICA_MAX_LAG_SECONDS", default=30.0
)
DATABASE_REPLICA_CHECK_SECONDS = env.float(
    "DATABASE_REPLICA_CHECK_SECONDS", default=5.0
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling and lockout (django-axes) for the console and the admin:
# after AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES (an admin can unlock in
# /admin/ → Axes). API tokens never go through a password sign-in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15.0) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "errors/locked_out.html"

# Production (DISPATCH_ENV=production) runs behind a TLS-terminating proxy
# that sets X-Forwarded-Proto: cookies only over HTTPS, HSTS, plain HTTP
# redirected (except /healthz, probed inside the container network).
# tests/test_production.py runs `manage.py check --deploy` in this shape.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read by one prepared statement.
SESSION_ENGINE = "dispatch_center.session_auth"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

CSRF_FAILURE_VIEW = "dispatch_center.views.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dispatch_center.auth.RoleTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dispatch_center.permissions.HasAnyRole"],
    "DEFAULT_PAGINATION_CLASS": "dispatch_center.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["dispatch_center.filters.StrictFilterBackend"],
    # JSON only: a form or multipart body is a 415 (the console has its forms).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Per token (or signed-in user): API_THROTTLE_RATES below, docs/api.md.
    "DEFAULT_THROTTLE_CLASSES": ["dispatch_center.throttling.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "dispatch_center.schema.AutoSchema",
    "EXCEPTION_HANDLER": "dispatch_center.errors.api_exception_handler",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    # `?format=xlsx` is ours (API.md: exports), not DRF's renderer switch
    "URL_FORMAT_OVERRIDE": None,
}

# API request budgets (dispatch_center/throttling.py): per API token and per
# signed-in console user, "N/s", "N/m" or "N/h"; empty = unlimited.
API_THROTTLE_RATES = {
    "token": env.str("API_THROTTLE_TOKEN_RATE", default="100/s") or None,
    "session": env.str("API_THROTTLE_SESSION_RATE", default="20/s") or None,
}
# The throttle counters: Redis (THROTTLE_CACHE_URL) shares one budget across
# gunicorn workers; without it each process counts alone.
_THROTTLE_CACHE_URL = env.str("THROTTLE_CACHE_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _THROTTLE_CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if _THROTTLE_CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle",
        }
    ),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "综调中心 Dispatch Centre API",
    "DESCRIPTION": "Integration contract v1 (CRM, 10000 hotline, outside tools).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids start after /api/v1/: work_orders_create, not v1_work_...
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dispatch_center.schema.postprocess_for_clients",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WorkOrderKindEnum": "workorders.models.Kind",
        "EventKindEnum": "workorders.models.EventKind",
        "DelayCauseEnum": "workorders.models.DelayCause",
        "WorkOrderStatusEnum": "workorders.models.Status",
        "ClaimStatusEnum": "compensation.models.ClaimStatus",
        "ComplaintStatusEnum": "complaints.models.ComplaintStatus",
        "PenaltyStatusEnum": "complaints.models.PenaltyStatus",
        "ApprovalStatusEnum": "sla.models.ApprovalStatus",
        # payroll serializers declare the run status inline (values only)
        "RunStatusEnum": ["draft", "reviewed", "locked"],
    },
}

# Celery: Redis in production, kombu's filesystem transport for the demo.
# Publishing from a request (the outbox nudge) must fail fast when Redis is
# down: one quick retry, then the row waits for the beat job.
REDIS_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# "localhost" only keeps kombu from warning that no host was given
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
CELERY_FS_DIR = Path(env.str("CELERY_FS_DIR", default=str(VAR_DIR / "celery")))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_FS_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FS_DIR / "queue"),
        "data_folder_out": str(CELERY_FS_DIR / "queue"),
        "processed_folder": str(CELERY_FS_DIR / "processed"),
        "control_folder": str(CELERY_FS_DIR / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A second beat is a safe standby: only the one holding a PostgreSQL advisory
# lock publishes (monitoring/beat.py); the other takes over when it dies.
CELERY_BEAT_SCHEDULER = "monitoring.beat.LeaderScheduler"
# One queue per concern, so each can get its own workers (docker-compose);
# a worker started without -Q (run.sh) consumes all of them.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {
    name: {"exchange": name, "routing_key": name}
    for name in ("celery", "sla", "dispatch", "notifications", "reports")
}
CELERY_TASK_ROUTES = {
    "sla.*": {"queue": "sla"},
    "complaints.*": {"queue": "sla"},
    "compensation.*": {"queue": "sla"},
    "dispatch.*": {"queue": "dispatch"},
    "notifications.*": {"queue": "notifications"},
    "reports.*": {"queue": "reports"},
}

# The beat schedule lives in code; each entry expires within its interval so a
# backlog of identical runs never piles up behind a slow worker.
CELERY_BEAT_SCHEDULE = {
    "compensation.scan": {
        "task": "compensation.scan",
        "schedule": 600.0,
        "options": {"expires": 590},
    },
    "complaints.scan": {
        "task": "complaints.scan",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "dispatch.auto_dispatch": {
        "task": "dispatch.auto_dispatch",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "notifications.send_outbox": {
        "task": "notifications.send_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "sla.scan": {
        "task": "sla.scan",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "network_faults.detect": {
        "task": "network_faults.detect",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Quality reports (Asia/Shanghai): the nightly rollup, then the daily
    # report each morning, the weekly on Monday, the monthly on the 1st.
    "reports.rollup": {
        "task": "reports.rollup",
        "schedule": crontab(hour=0, minute=30),
        "options": {"expires": 6 * 3600},
    },
    "reports.publish.day": {
        "task": "reports.publish",
        "schedule": crontab(hour=7, minute=0),
        "kwargs": {"period": "day"},
        "options": {"expires": 6 * 3600},
    },
    "reports.publish.week": {
        "task": "reports.publish",
        "schedule": crontab(hour=7, minute=10, day_of_week=1),
        "kwargs": {"period": "week"},
        "options": {"expires": 6 * 3600},
    },
    "reports.publish.month": {
        "task": "reports.publish",
        "schedule": crontab(hour=7, minute=20, day_of_month=1),
        "kwargs": {"period": "month"},
        "options": {"expires": 6 * 3600},
    },
}

# Notifications outbox: delivery gateway and retry (technical, not business, values).
NOTIFICATION_GATEWAY = env.str(
    "NOTIFICATION_GATEWAY", default="notifications.gateways.HttpCrmCallbackGateway"
)
NOTIFICATION_KICK = _bool("NOTIFICATION_KICK", default=True)
NOTIFICATION_KICK_SECONDS = env.float("NOTIFICATION_KICK_SECONDS", default=2.0)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_RETRY_CAP_SECONDS = env.int("NOTIFICATION_RETRY_CAP_SECONDS", default=3600)
NOTIFICATION_LEASE_SECONDS = 300
# CRM status callbacks (optional): POSTed to this URL, signed with HMAC-SHA256.
CRM_CALLBACK_URL = env.str("CRM_CALLBACK_URL", default="")
CRM_CALLBACK_SECRET = env.str("CRM_CALLBACK_SECRET", default="")

# 慢必赔 payout: the backend-recharge gateway (dotted path); the default records.
RECHARGE_GATEWAY = env.str(
    "RECHARGE_GATEWAY", default="compensation.gateways.RecordingRechargeGateway"
)

# API tokens (with the user's roles and scope) are cached per process this long.
AUTH_TOKEN_CACHE_SECONDS = env.int("AUTH_TOKEN_CACHE_SECONDS", default=30)

# The customer's own page (SPEC §14): the absolute base of the link every
# customer SMS carries (``customer_url``).
CUSTOMER_BASE_URL = env.str("CUSTOMER_BASE_URL", default="http://127.0.0.1:8000")

# Policy rows (deadlines, limits) are cached per process for this many seconds.
POLICY_CACHE_SECONDS = env.int("POLICY_CACHE_SECONDS", default=30)

# A quality report of a closed, rolled-up period is kept this long per process
# (reports/selectors.py; a day rolled up again is a new key at once).
REPORT_CACHE_SECONDS = env.int("REPORT_CACHE_SECONDS", default=600)

# /metrics answers only "Authorization: Bearer <METRICS_TOKEN>"; unset: 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "filters": {"refused": {"()": "dispatch_center.logfilters.RefusedRequestOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refused"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
