"""Shequ settings: one module, everything that differs between machines read from the
environment (see docs/operations.md). The defaults run the laptop demo on SQLite."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SHEQU_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("SHEQU_DEBUG", default=False)
# The demo key only ever serves a laptop demo; production refuses to start without its own.
_DEMO_SECRET = "shequ-demo-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env_str("SHEQU_SECRET_KEY", _DEMO_SECRET)
# The laptop demo (make demo) and the test suite say so explicitly; anything else with the
# demo key refuses to start (the check is at the end of this module).
SHEQU_DEMO = env_bool("SHEQU_DEMO", default=False)
# Personal-data encryption (shequ.core.crypto): "kid:BASE64KEY,..." (32-byte keys; the first
# encrypts, the others only decrypt, for rotation) and the blind-index key (base64, >= 32
# bytes). Empty with SHEQU_DEMO: keys derived from the demo SECRET_KEY, for the demo only.
SHEQU_FIELD_KEYS = env_str("SHEQU_FIELD_KEYS", "")
SHEQU_INDEX_KEY = env_str("SHEQU_INDEX_KEY", "")
ALLOWED_HOSTS = env_list("SHEQU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("SHEQU_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "shequ.core",
    "shequ.accounts",
    "shequ.areas",
    "shequ.registry",
    "shequ.cases",
    "shequ.portal",
    "shequ.open311",
    "shequ.dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shequ.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shequ.accounts.middleware.IdleTimeoutMiddleware",
    "shequ.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # inside the others: its 400 page has the user's menu, a CSRF cookie for the language
    # switch, and the security headers, like any page (none of the others reads parameters)
    "shequ.core.middleware.NulParameterMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shequ.accounts.context_processors.permissions",
                "shequ.cases.context_processors.inbox",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("SHEQU_DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker share the file; IMMEDIATE transactions take the
    # write lock up front instead of failing with "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": ""}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the statement, statements a connection runs often prepared
    # (psycopg). Off by default: measured no clear gain here (decision 0037).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool(
        "SHEQU_DB_SERVER_SIDE_BINDING", default=False
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts and login security (等保2.0 level 3) -------------------------------------------
AUTH_USER_MODEL = "accounts.User"
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
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("SHEQU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("SHEQU_LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Fifteen minutes from the lockout, not from the last attempt made while locked.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "shequ.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

SHEQU_IDLE_TIMEOUT_SECONDS = env_int("SHEQU_IDLE_TIMEOUT_MINUTES", 30) * 60
# The idle limit is enforced by IdleTimeoutMiddleware (which logs it and tells the user why);
# the session row itself lives a little longer so that the middleware sees it expire.
SESSION_COOKIE_AGE = SHEQU_IDLE_TIMEOUT_SECONDS + 300
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SHEQU_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Roles that must pass a TOTP second factor; any staff member may enrol voluntarily.
SHEQU_OTP_REQUIRED_ROLES = env_list(
    "SHEQU_OTP_REQUIRED_ROLES", ["administrator", "security_admin", "auditor", "street_dispatcher"]
)
OTP_TOTP_ISSUER = "Shequ"

# --- internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "shequ_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
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
WHITENOISE_USE_FINDERS = DEBUG

# --- security headers ---------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies stand in front of the app servers: the client address recorded in
# the audit log is taken that many hops from the right of X-Forwarded-For (0: REMOTE_ADDR).
SHEQU_PROXY_HOPS = env_int("SHEQU_PROXY_HOPS", 0)

# The composite score's weights (%) of the response, resolution and satisfaction rates (三率),
# as 12345 assessments weigh them; docs/measures.md.
SHEQU_MEASURE_WEIGHTS = [int(w) for w in env_list("SHEQU_MEASURE_WEIGHTS", ["30", "35", "35"])]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("SHEQU_BEHIND_TLS_PROXY", default=False)
    else None
)

# --- cache ------------------------------------------------------------------------------
# The portal's rate limits count in the cache. One process (the laptop demo) may keep it in
# memory; several application servers must share it: SHEQU_CACHE=database (run
# `manage.py createcachetable` once), see docs/operations.md.
SHEQU_CACHE = env_str("SHEQU_CACHE", "memory")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "shequ_cache"}
        if SHEQU_CACHE == "database"
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SHEQU_PORTAL_REPORTS_PER_HOUR = env_int("SHEQU_PORTAL_REPORTS_PER_HOUR", 5)

# --- background work ----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("SHEQU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- notifications and webhooks (docs/operations.md, "Workers in production") --------------
# Mail each in-app notification to users who have an address (the inbox is the record; mail
# is optional). Django's email settings below; the console backend prints mail in the demo.
SHEQU_NOTIFY_EMAIL = env_bool("SHEQU_NOTIFY_EMAIL", default=False)
_EMAIL_BACKEND = env_str("SHEQU_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env_str("SHEQU_EMAIL_HOST", "localhost"),
                "port": env_int("SHEQU_EMAIL_PORT", 25),
                "username": env_str("SHEQU_EMAIL_USER", ""),
                "password": env_str("SHEQU_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("SHEQU_EMAIL_TLS", default=False),
                "use_ssl": env_bool("SHEQU_EMAIL_SSL", default=False),
                "timeout": 10,
            }
            if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("SHEQU_EMAIL_FROM", "shequ@localhost")
# Webhook deliveries: the request timeout (seconds) and how long to wait before each retry
# (minutes); after the last one a delivery is marked failed.
SHEQU_WEBHOOK_TIMEOUT = env_int("SHEQU_WEBHOOK_TIMEOUT", 10)
SHEQU_WEBHOOK_RETRY_MINUTES = [
    int(m) for m in env_list("SHEQU_WEBHOOK_RETRY_MINUTES", ["1", "5", "30", "120", "720"])
]

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "shequ.core.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "shequ.core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "shequ.core.api.KeysetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shequ API",
    "DESCRIPTION": "Shequ community-governance platform: areas, accounts and everything built on them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by more than one field or sharing a field name with another app's.
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "shequ.cases.models.State",
        "CaseLevelEnum": "shequ.cases.models.CaseLevel",
        "CaseResolutionEnum": "shequ.cases.models.Resolution",
        "TimeUnitEnum": "shequ.cases.models.TimeUnit",
        "AssignmentRoleEnum": "shequ.cases.models.AssignmentRole",
        "AssignmentStateEnum": "shequ.cases.models.AssignmentState",
        "AreaLevelEnum": "shequ.areas.models.Level",
        "RoleEnum": "shequ.accounts.roles.Role",
        "OrganizationKindEnum": "shequ.areas.models.OrganizationKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SHEQU_LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}},
}

if not DEBUG and not SHEQU_DEMO and SECRET_KEY == _DEMO_SECRET:
    msg = "Set SHEQU_SECRET_KEY: the demo key must not run a real site."
    raise RuntimeError(msg)

# The requirement is to lock the *account* after five failures, whatever address they come
# from; axes warns because that lets an attacker lock someone out, which is the point here.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
