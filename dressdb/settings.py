"""dressdb settings: one module, driven by the environment (django-environ).

Defaults give a self-contained demo: SQLite under var/ and a Celery broker on the
filesystem, so `make run` needs no server. Set DATABASE_URL / CELERY_BROKER_URL for
PostgreSQL / Redis.
"""

from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# A key is only generated for local development; production must set SECRET_KEY.
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="dev-only-insecure-key-do-not-use-in-production-0123456789abcdef",
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Demo mode: seeds demo users with printed passwords. Never on in production.
DEMO_MODE = env.bool("DRESSDB_DEMO", default=False)

INSTALLED_APPS = [
    "dressdb.admin_site.TrialAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "csp",
    "dressdb",
    "notifications",
    "trialadmin",
    "enrollment",
    "randomization",
    "dosing",
    "outcomes",
    "safety",
    "reports",
    "datamanagement",
    "portal",
    "monitoring",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dressdb.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "dressdb.middleware.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dressdb.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dressdb.middleware.TwoFactorMiddleware",
    "dressdb.i18n.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Issue 21: refusals outside delegation reach the security log after the rollback.
    "dressdb.delegation.RefusalLogMiddleware",
]

ROOT_URLCONF = "dressdb.urls"
WSGI_APPLICATION = "dressdb.wsgi.application"

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
                "csp.context_processors.nonce",
                "dressdb.context_processors.navigation",
                "notifications.context_processors.todo_badge",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dressdb.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT: the app's queries are short, and an export's wide SELECT (the SQL CASEs of
    # the visit and participant rules) spent 10 s of 11 s compiling (EXPLAIN ANALYZE at
    # 10,000 participants). A DATABASE_URL that sets jit itself keeps its own.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in str(_options.get("options", "")):
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
# PostgreSQL in production: the app connects as a role that owns nothing (DATABASE_URL);
# migrations run as the owner, and then grant this role its privileges (dressdb.db_roles).
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# History keeps the reason for change whole: forms accept 500 characters and services
# may prefix them ("Withdrawal (...): ..."), so the column is text, not varchar(100).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Authentication ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn strength score >= 4, and no trial or site name (dressdb/passwords.py).
    {"NAME": "dressdb.passwords.StrengthValidator", "OPTIONS": {"min_score": 4}},
    {"NAME": "dressdb.passwords.TrialNamesValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes, ASVS V2.2.1), two separate criteria within 15 minutes:
# 5 failures lock the account (from any address); 20 failures lock the address
# (whatever the usernames). Failed e-signature passwords count too. dressdb.lockout
# gives each criterion its own limit and says which lock applies.
AXES_HANDLER = "dressdb.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = 5  # per account
AXES_IP_FAILURE_LIMIT = 20  # per address (our handler's setting)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # the account's own failures only (dressdb.lockout)
AXES_LOCKOUT_CALLABLE = "dressdb.lockout.lockout_response"
AXES_USERNAME_CALLABLE = "dressdb.lockout.client_username"  # cut to a username's length
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Idle logout: the session lasts 30 minutes from the last request. Its expiry is moved
# forward at most once a minute (dressdb.middleware.IdleSessionMiddleware), not written on
# every request: the logout comes 29-30 minutes after the last request, never later.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Production hardening (DEBUG=false) -------------------------------------
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Internationalisation: everything stored in UTC -------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
# Languages (issue 16 item 9): the user's own choice, else their sites' language
# (dressdb.i18n). Dates and numbers follow the language; exports and the API do not.
LANGUAGES = [("en-gb", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["dressdb.formats"]  # ISO dates in English, d/m/Y in French
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
EXPORT_ROOT = Path(env.str("EXPORT_ROOT", default=str(VAR_DIR / "exports")))
# Files the app writes go through STORAGES, never a path: "default" (uploads such as
# training certificates) and "exports" (analysis packs, built by a worker and downloaded
# through the web). Local folders by default; FILE_STORAGE=s3 puts both in one
# S3-compatible bucket (django-storages) so web and worker nodes share no disk.
FILE_STORAGE = env.str("FILE_STORAGE", default="local")
if FILE_STORAGE == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None  # the bucket's policy: private
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "media"},
    }
    _export_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "exports"},
    }
elif FILE_STORAGE == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    _export_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(EXPORT_ROOT)},
    }
else:
    raise ImproperlyConfigured(f"FILE_STORAGE must be 'local' or 's3', not {FILE_STORAGE!r}")
STORAGES = {
    "default": _default_storage,
    "exports": _export_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email: console by default, SMTP etc. through EMAIL_URL -----------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dressdb <noreply@dressdb.invalid>")

# --- Celery: embedded filesystem broker unless CELERY_BROKER_URL is set -----
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # worker remote-control exchange
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# An analysis pack still building after this long has lost its worker (killed, node
# gone): reports.reap_stopped_packs marks it failed, a redelivery builds it again.
EXPORT_JOB_STALE_MINUTES = env.int("EXPORT_JOB_STALE_MINUTES", default=30)

# --- API ---------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dressdb.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "dressdb.api.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "dressdb.api.exception_handler",
}
# API tokens (dressdb/tokens.py): hashed at rest, expire this many days after creation.
API_TOKEN_EXPIRY_DAYS = env.int("API_TOKEN_EXPIRY_DAYS", default=90)
SPECTACULAR_SETTINGS = {
    "TITLE": "dressdb API",
    "DESCRIPTION": "EDC for the cyclosporine vs corticosteroids in DRESS trial (NCT04988256).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set in the schema (the same vocabulary appears in several apps).
    "ENUM_NAME_OVERRIDES": {
        "ArmEnum": "dosing.models.ARM_CHOICES",
        "BlockEnum": "dosing.models.BLOCK_CHOICES",
        "DosingRouteEnum": "dosing.models.ROUTE_CHOICES",
        "MedicationRouteEnum": "safety.models.ROUTE_CHOICES",
        "RelatednessEnum": "safety.models.RELATEDNESS_CHOICES",
        "ActionTakenEnum": "safety.models.ACTION_CHOICES",
        "AdverseEventOutcomeEnum": "safety.models.OUTCOME_CHOICES",
        "WithdrawalKindEnum": "enrollment.models.WITHDRAWAL_KIND_CHOICES",
        "DeviationKindEnum": "safety.models.DEVIATION_KIND_CHOICES",
        "QueryMessageKindEnum": "datamanagement.models.QueryMessage.Kind",
        "MissedReasonEnum": "outcomes.models.MISSED_REASON_CHOICES",
        # The e-signature's meaning (visit sign-off, AE and deviation reviews, casebook).
        "SignatureMeaningEnum": "safety.services.SIGN_MEANINGS",
    },
}

# --- Logging: one line per event, structured key=value ---------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        "client_error_without_traceback": {"()": "dressdb.log_filters.ClientErrorWithoutTraceback"},
        "client_error_access_at_info": {"()": "dressdb.log_filters.ClientErrorAccessAtInfo"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives "django" its own console handler (under DEBUG) on
        # top of the root's: every warning was printed twice. One handler: the root's.
        "django": {"handlers": ["mail_admins"], "level": "INFO", "propagate": True},
        # A 4xx is one line without a traceback (issue 16 item 10).
        "django.request": {"filters": ["client_error_without_traceback"]},
        # runserver's access log: its own line per request, a 4xx at INFO (the WARNING is above).
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["client_error_access_at_info"],
        },
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Trial protocol settings ([reading] values of PROTOCOL.md) --------------
# Each is a protocol setting a trial admin may change through the environment;
# the defaults are PROTOCOL.md's readings.
TRIAL_TARGET_ENROLLMENT = env.int("TRIAL_TARGET_ENROLLMENT", default=50)
TRIAL_INCLUSION_MIN_REGISCAR = env.int("TRIAL_INCLUSION_MIN_REGISCAR", default=5)
TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW = Decimal(
    env.str("TRIAL_RENAL_IMPAIRMENT_EGFR_BELOW", default="60")
)
TRIAL_EXCLUSION_EGFR_BELOW = Decimal(env.str("TRIAL_EXCLUSION_EGFR_BELOW", default="30"))
TRIAL_BLOCK_SIZES = [int(x) for x in env.list("TRIAL_BLOCK_SIZES", default=["2", "4", "6"])]
TRIAL_STRATA_FACTORS = env.list("TRIAL_STRATA_FACTORS", default=["site", "renal_impairment"])
TRIAL_CSA_CAPSULE_STEP_MG = Decimal(env.str("TRIAL_CSA_CAPSULE_STEP_MG", default="25"))
TRIAL_CSA_IV_STEP_MG = Decimal(env.str("TRIAL_CSA_IV_STEP_MG", default="5"))
TRIAL_CSA_IV_FRACTION = env.str("TRIAL_CSA_IV_FRACTION", default="1/3")
TRIAL_PREDNISONE_STEP_MG = Decimal(env.str("TRIAL_PREDNISONE_STEP_MG", default="2.5"))
# Visit windows: study day -> (days before, days after)
TRIAL_VISIT_WINDOWS = {
    7: (env.int("TRIAL_WINDOW_DAY7", default=1),) * 2,
    30: (env.int("TRIAL_WINDOW_DAY30", default=3),) * 2,
    60: (env.int("TRIAL_WINDOW_DAY60", default=7),) * 2,
    90: (env.int("TRIAL_WINDOW_DAY90", default=7),) * 2,
}
TRIAL_MIN_UNUSED_SLOTS_WARNING = env.int("TRIAL_MIN_UNUSED_SLOTS_WARNING", default=4)
# Administrations (issue 19): a dose given differing from the order by more than this
# percent is a discrepancy; cyclosporine monitoring alert thresholds.
TRIAL_ADMIN_DOSE_TOLERANCE_PCT = env.int("TRIAL_ADMIN_DOSE_TOLERANCE_PCT", default=10)
TRIAL_CSA_TROUGH_MAX_NG_ML = env.int("TRIAL_CSA_TROUGH_MAX_NG_ML", default=200)
TRIAL_SYSTOLIC_ALERT_MMHG = env.int("TRIAL_SYSTOLIC_ALERT_MMHG", default=160)
TRIAL_CREATININE_RISE_ALERT_PCT = env.int("TRIAL_CREATININE_RISE_ALERT_PCT", default=30)
# Safety reporting (issue 17): AE period from consent to study day N; initial SAE report due
# N hours after the site became aware; the sponsor's safety contact (email, notified at once).
TRIAL_AE_PERIOD_DAYS = env.int("TRIAL_AE_PERIOD_DAYS", default=90)
TRIAL_SAE_REPORT_HOURS = env.int("TRIAL_SAE_REPORT_HOURS", default=24)
TRIAL_SAFETY_CONTACT_EMAIL = env.str("TRIAL_SAFETY_CONTACT_EMAIL", default="")
# SDV outside the 100% forms: every n-th participant of a site (issue 18; 1 = all).
TRIAL_SDV_SAMPLE_EVERY = env.int("TRIAL_SDV_SAMPLE_EVERY", default=3)
# Issue 18: a participant who must re-consent on a new consent-form version gets no new
# data entry (safety reports excepted) until the re-consent is recorded; off: warn only.
TRIAL_REQUIRE_CURRENT_CONSENT = env.bool("TRIAL_REQUIRE_CURRENT_CONSENT", default=True)
# Issue 21: a user acts only within the duties of the site delegation log (dressdb.delegation;
# on by default, as the issue asks; off only for a data migration or a break-glass repair).
TRIAL_ENFORCE_DELEGATION = env.bool("TRIAL_ENFORCE_DELEGATION", default=True)
# Issue 21: the courses each duty requires (JSON {duty: [course, ...]}; GCP and protocol for
# every duty by default). Missing or lapsed training warns; it refuses the duty's actions
# like an undelegated user only when TRIAL_BLOCK_ON_LAPSED_TRAINING is on.
TRIAL_REQUIRED_TRAINING = env.json(
    "TRIAL_REQUIRED_TRAINING",
    default={
        duty: ["GCP", "protocol"]
        for duty in (
            "screening",
            "consent",
            "randomization",
            "dosing_decisions",
            "drug_dispensing",
            "data_entry",
            "sign_off",
        )
    },
)
TRIAL_BLOCK_ON_LAPSED_TRAINING = env.bool("TRIAL_BLOCK_ON_LAPSED_TRAINING", default=False)
