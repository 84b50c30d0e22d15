"""smops settings: one module, driven by the environment (see README "Configuration")."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# The embedded default key is only acceptable while DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-only-key-change-me" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORT = env.int("PORT", default=8000)
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Full-text and trigram lookups (`title__trigram_word_similar`); harmless on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "import_export",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "apps.core",
    "apps.sales_ops",
    "apps.marketing_ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.uploads.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, except that a live part's poll does not push the session's idle timeout forward (apps/core/sessions.py).
    "apps.core.sessions.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # `request.htmx`: a live part's fetch (smops/static/smops/vendor/htmx.min.js) is answered with its fragment.
    "django_htmx.middleware.HtmxMiddleware",
    # Pages show times in the signed-in user's zone (apps/core/timezones.py).
    "apps.core.timezones.UserTimeZoneMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout noted during the request into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "smops.urls"
WSGI_APPLICATION = "smops.wsgi.application"
AUTH_USER_MODEL = "core.User"
# Model permissions from the role groups, and the object rules of apps/core/permissions.py.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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
                # The nav's counts (the Approvals badge), each ops app adding its own through its AppConfig.
                "apps.core.context_processors.nav_counts",
                # `time_zone`: the zone the page's times are in, for pages to name it.
                "apps.core.context_processors.time_zone",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smops.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let web, worker and beat share the embedded file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_POOL", default=True):
    # Each process keeps a psycopg pool (Django's OPTIONS["pool"]): a request borrows a connection and gives it
    # back at its end instead of opening one per request. With CONN_HEALTH_CHECKS the pool checks a connection
    # before lending it; Django refuses persistent connections beside a pool, hence CONN_MAX_AGE=0. Celery closes
    # the pool it inherits in each prefork child. Connections on the server: processes (gunicorn workers, Celery
    # children, beat) x DB_POOL_MAX at most, DB_POOL_MIN each when idle.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=1),
        "max_size": env.int("DB_POOL_MAX", default=4),
        # Seconds a request waits for a free connection before it fails (psycopg_pool.PoolTimeout).
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        # A connection that has sat idle this long is closed (the pool keeps min_size).
        "max_idle": env.float("DB_POOL_MAX_IDLE", default=600.0),
    }
else:
    # No pool (DB_POOL=False, e.g. behind PgBouncer in transaction mode): persistent connections, checked on reuse.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- sign-in: lockout, sessions, two-factor ----------------------------------------------------------
# django-axes first: it refuses a locked-out (username, address) before any password is checked, on every path
# that calls authenticate() with the request (portal login, admin login, POST /api/v1/auth/token/).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Who may do what: the named rules of apps/core/permissions.py answer user.has_perm(name, obj).
    "rules.permissions.ObjectPermissionBackend",
    # Django's ModelBackend, loading the request's user with their territory's calendar (the time zone's fallback).
    "apps.core.backends.UserBackend",
]
# Attempts are rows in the database (axes' default handler), so every web process sees the same count.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Username and address together: a stranger guessing one person's password is stopped, but cannot lock the
# real person out from elsewhere by failing on purpose. Guessing many names from one address is slowed by the
# token endpoint's throttle and stopped name by name here.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try during the lockout does not restart it, so "try again in 15 minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "apps.core.lockout.lockout_response"
AXES_VERBOSE = False

# A session ends after this many seconds without a request: each request pushes the expiry forward.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = True
# …but a session written less than this many seconds ago is not written again (apps/core/sessions.py): the idle
# timeout counts from the last write, so a session may end up to this much early.
SESSION_RENEW_AFTER = env.int("SESSION_RENEW_AFTER", default=60)

# TOTP for staff on the admin (django-otp): enrol devices under Admin → TOTP devices first, then turn it on.
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "smops"

# --- cache: throttles and anything else cached, shared by every process --------------------------------------
# The database cache needs its table: `manage.py migrate` creates it (apps.core, post_migrate).
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://smops_cache")}
# How long a quarter's budget roll-up is kept (apps/marketing_ops/budgets/selectors/report.py). Any write to the
# rows it reads makes it a miss at once: this bounds only the memory a quarter no one looks at holds.
BUDGET_ROLLUP_CACHE_SECONDS = env.int("BUDGET_ROLLUP_CACHE_SECONDS", default=600)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- static and media ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "smops" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Uploaded files (deal desk attachments, the content library) live under MEDIA_ROOT, or in an S3-compatible bucket
# when AWS_STORAGE_BUCKET_NAME is set (django-storages; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or
# the host's role). Either way no file has a public URL: views that check permission stream every file.
if AWS_STORAGE_BUCKET_NAME := env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),  # MinIO, Ceph, R2 …; empty for AWS
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "location": env("AWS_LOCATION", default=""),  # a prefix inside the bucket
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- e-mail -------------------------------------------------------------------------------------
# Default: every message is written to a file under var/mail/, so a newcomer can read what was sent.
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
vars().update(env.email_url("EMAIL_URL", default="filemail://"))
if EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":  # noqa: F821 - set just above
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="smops <smops@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# The first wait after a failed delivery; each further failure doubles it (at most 6 hours). The fault tests
# shorten it to seconds; production keeps the minute.
OUTBOX_BACKOFF_BASE_SECONDS = env.int("OUTBOX_BACKOFF_BASE_SECONDS", default=60)
# A delivery's claim on a row lapses after this many seconds, and the flush sends it again (same Message-ID).
# Longer than the task hard time limit: a claim that old belongs to a worker that is gone.
OUTBOX_SENDING_TIMEOUT = env.int("OUTBOX_SENDING_TIMEOUT", default=600)
# The domain of every Message-ID; empty takes DEFAULT_FROM_EMAIL's.
OUTBOX_MESSAGE_ID_DOMAIN = env("OUTBOX_MESSAGE_ID_DOMAIN", default="")

# --- deal desk ----------------------------------------------------------------------------------
# An approved request lapses after this many days unless its opportunity has closed by then.
DEAL_DESK_APPROVAL_VALID_DAYS = env.int("DEAL_DESK_APPROVAL_VALID_DAYS", default=30)
# How long an approve/reject link in an approver's e-mail stays good (seconds); the approver signs in to use it.
DEAL_DESK_EMAIL_LINK_MAX_AGE = env.int("DEAL_DESK_EMAIL_LINK_MAX_AGE", default=3 * 24 * 3600)

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task and any countdown, so Redis never redelivers a task that is still running.
    "visibility_timeout": 6 * 60 * 60,
    # A broker that vanishes mid-read is noticed within seconds (then reconnected), not after the OS's TCP timeout.
    "socket_timeout": 30,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 10,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    # kombu's filesystem transport expects its folders to exist; web, worker and beat all start from here.
    for _folder in (_queue_dir, VAR_DIR / "celery" / "processed"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_queue_dir),
            "data_folder_out": str(_queue_dir),
            "processed_folder": str(VAR_DIR / "celery" / "processed"),
            "control_folder": str(VAR_DIR / "celery" / "control"),
            "store_processed": False,
        }
    )
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=5 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=4 * 60)
# Ride out a broker outage: the worker and beat retry the connection for ever, at start and after a loss,
# instead of exiting after 100 tries. What must not be lost meanwhile is a database row a scan re-drives.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# A task running when the connection drops finishes (an e-mail half-sent is not cut off); its message, which
# cannot be acknowledged any more, comes back after the visibility timeout and finds nothing left to do.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# How often the periodic scans and the worker's heartbeat run (seconds); the fault tests shorten it.
SCAN_INTERVAL_SECONDS = env.float("SCAN_INTERVAL_SECONDS", default=60.0)
# Installed into django-celery-beat's tables when beat starts; ops can edit them in the admin.
CELERY_BEAT_SCHEDULE = {
    "outbox-flush": {"task": "apps.core.tasks.outbox_flush_task", "schedule": SCAN_INTERVAL_SECONDS},
    "sla-scan": {"task": "apps.sales_ops.sla.tasks.sla_scan_task", "schedule": SCAN_INTERVAL_SECONDS},
    "sla-alerts": {"task": "apps.sales_ops.sla.tasks.sla_alerts_send_task", "schedule": SCAN_INTERVAL_SECONDS},
    "deal-desk-scan": {"task": "apps.sales_ops.deal_desk.tasks.deal_desk_scan_task", "schedule": SCAN_INTERVAL_SECONDS},
    "worker-heartbeat": {"task": "apps.core.tasks.worker_heartbeat_task", "schedule": SCAN_INTERVAL_SECONDS},
    "sla-digest": {"task": "apps.sales_ops.sla.tasks.sla_digest_task", "schedule": crontab(hour=6, minute=30)},
    # Each person's digest, once a day (its outbox key is the person and the day): run hourly from the morning so
    # that a missed run is made good within the hour; what arrives after the day's digest waits for tomorrow's.
    "notification-digest": {
        "task": "apps.core.tasks.notification_digest_task",
        "schedule": crontab(hour="7-20", minute=0),
    },
    "budget-watch": {"task": "apps.marketing_ops.budgets.tasks.budget_watch_task", "schedule": crontab(minute=5)},
    # Hourly, though its effects are daily (one e-mail per key and date): "archived on the expiry day" then holds
    # within the hour whatever TIME_ZONE is, and a run that was missed or killed is made good within the hour.
    "content-sweep": {"task": "apps.marketing_ops.content.tasks.content_sweep_task", "schedule": crontab(minute=15)},
    "content-process-redrive": {
        "task": "apps.marketing_ops.content.tasks.version_process_redrive_task",
        "schedule": SCAN_INTERVAL_SECONDS,
    },
    # Daily: the quarter-start snapshot (on the quarter's first day, once) and the coverage alerts (first working
    # day, then weekly); both are idempotent, so a second run the same day finds nothing to do.
    "coverage-daily": {
        "task": "apps.sales_ops.coverage.tasks.coverage_daily_task",
        "schedule": crontab(hour=5, minute=0),
    },
}

# /healthz/ answers 503 naming the worker when no worker has run the heartbeat for this long (seconds).
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=3 * 60)

# Content library, background work: how much of a file's text is kept for search (characters; pages, slides or
# sheets read), and how many minutes a version may wait for its text and preview before the re-drive queues it again.
CONTENT_TEXT_MAX_CHARS = env.int("CONTENT_TEXT_MAX_CHARS", default=200_000)
CONTENT_TEXT_MAX_PAGES = env.int("CONTENT_TEXT_MAX_PAGES", default=300)
CONTENT_PROCESS_REDRIVE_MINUTES = env.int("CONTENT_PROCESS_REDRIVE_MINUTES", default=10)

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so that an anonymous API call is a 401 with a WWW-Authenticate header, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Lists are cursor-paginated newest first, which needs a unique ordering: there is no ?ordering=.
    "DEFAULT_FILTER_BACKENDS": ["apps.core.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.NewestFirstCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "apps.core.api.schema.ErrorResponsesAutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Counted in the shared cache above. `auth` is the token endpoint's own scope, counted per address.
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.api.throttles.AnonThrottle", "apps.core.api.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        "auth": env("API_THROTTLE_AUTH", default="20/minute"),
    },
}
# API tokens (django-rest-knox): several per user, stored as digests only, ending after this many days.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# The schema and the interactive docs ask for a sign-in in production unless this opens them.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=DEBUG)
# No request of ours nests deeper than a few levels; a deeper body is refused before it reaches a serializer.
API_MAX_JSON_DEPTH = 32
SPECTACULAR_SETTINGS = {
    "TITLE": "smops API",
    "DESCRIPTION": "Accounts, contacts, leads and their lifecycle, opportunities.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LeadStageEnum": "apps.core.models.customers.LeadStage",
        "OpportunityStageEnum": "apps.core.models.customers.OpportunityStage",
        "SlaGovernedStageEnum": "apps.sales_ops.models.GOVERNED_STAGES",
        "LeadSourceEnum": "apps.core.models.customers.LeadSource",
        "SpendSourceEnum": "apps.marketing_ops.budgets.models.SpendEntry.Source",
        # Statuses and kinds of the deal desk and campaigns share field names with each other.
        "DealRequestStatusEnum": "apps.sales_ops.models.DealRequest.Status",
        "CampaignStatusEnum": "apps.marketing_ops.budgets.models.CampaignStatus",
        "DealStepStatusEnum": "apps.sales_ops.models.DealApprovalStep.Status",
        "DealStepModeEnum": "apps.sales_ops.models.ApprovalRule.Mode",
        "DealApproverKindEnum": "apps.sales_ops.models.RuleApprover.Kind",
        "DealDecisionOutcomeEnum": "apps.sales_ops.models.DealDecision.Outcome",
        "DealEventKindEnum": "apps.sales_ops.models.DealEvent.Kind",
        # The content library's kinds and statuses, beside the others'.
        "AssetKindEnum": "apps.marketing_ops.content.models.AssetKind",
        "AssetStatusEnum": "apps.marketing_ops.content.models.AssetStatus",
        "AssetVersionStatusEnum": "apps.marketing_ops.content.models.VersionStatus",
        "ContentProcessingStatusEnum": "apps.marketing_ops.content.models.ProcessingStatus",
    },
}

# --- security: strict whenever DEBUG is off -----------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: every script is a static file (the portal's under smops/static/smops/, Swagger UI's
# from the sidecar, its start-up script a second request to /api/docs/). Styles may be inline (`style=`).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every uploaded file: size and type checked by content (apps/core/files.py); a larger body is refused unread
# (apps/core/uploads.py).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_MB", default=10) * 1024 * 1024
# The content library takes larger files (decks, videos): its uploads may send up to this much.
CONTENT_UPLOAD_MAX_BYTES = env.int("CONTENT_UPLOAD_MAX_MB", default=100) * 1024 * 1024

# --- campaign budgets ----------------------------------------------------------------------------
# Budgets, plans and reports are in this currency; spend in any other is converted through the dated rates.
COMPANY_CURRENCY = env("COMPANY_CURRENCY", default="USD")
# A spend entry uses the newest rate on or before its date, if it is at most this many days old.
EXCHANGE_RATE_MAX_AGE_DAYS = env.int("EXCHANGE_RATE_MAX_AGE_DAYS", default=31)

# --- fiscal quarters and pipeline coverage -----------------------------------------------------------
# The fiscal year's first month (1 = January: fiscal quarters are calendar quarters). A fiscal year is named by the
# calendar year it ends in: with 2, '2027-Q1' is February to April 2026. Read by apps/core/quarters.py only.
FISCAL_YEAR_START_MONTH = env.int("FISCAL_YEAR_START_MONTH", default=1)
# The pipeline multiple a rep needs when their own trailing four quarters hold fewer closed deals than this.
COVERAGE_MIN_CLOSED_DEALS = env.int("COVERAGE_MIN_CLOSED_DEALS", default=5)
COVERAGE_DEFAULT_MULTIPLE = env("COVERAGE_DEFAULT_MULTIPLE", default="2.5")
# A rep who won nothing of enough closed deals would need infinite pipe: the multiple stops here.
COVERAGE_MAX_MULTIPLE = env("COVERAGE_MAX_MULTIPLE", default="10")
# Coverage at or above this share of the required multiple is "thin", below it "uncovered".
COVERAGE_THIN_RATIO = env("COVERAGE_THIN_RATIO", default="0.75")
# --- lead routing (sales ops' coverage) ------------------------------------------------------------
# A hand-off that names no owner asks this function (core imports it by path: core imports no ops app).
# Empty: every hand-off must name its owner.
LEAD_ROUTER = env("LEAD_ROUTER", default="apps.sales_ops.coverage.services.routing.lead_route")
# Username of the queue owner who gets a routed lead when no territory matches or nobody in it is free
# (a territory's own fallback owner comes first). Empty: such a hand-off is refused, asking for an owner.
LEAD_ROUTING_QUEUE_OWNER = env("LEAD_ROUTING_QUEUE_OWNER", default="")

# --- demo data ----------------------------------------------------------------------------------
SMOPS_DEMO_PASSWORD = env("SMOPS_DEMO_PASSWORD", default="smops-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- admin export (django-import-export) ---------------------------------------------------------
from import_export.formats.base_formats import CSV  # noqa: E402

EXPORT_FORMATS = [CSV]
IMPORT_FORMATS = [CSV]
