"""Helhed settings. Everything that differs between installs comes from the environment.

HELHED_DATA_DIR   where the SQLite file, uploaded documents and generated demo keys live (default ./var)
DATABASE_URL      any database dj-database-url understands; default SQLite in HELHED_DATA_DIR
HELHED_SECRET_KEY Django's secret key (required when HELHED_DEBUG is off and HELHED_DEMO is off)
HELHED_FIELD_KEY  Fernet key for CPR numbers at rest;  HELHED_HASH_KEY  key for the CPR lookup hash
HELHED_DEMO       1 = demo mode: synthetic data banner, generated keys, TOTP optional for everyone
HELHED_EMAIL_*    outgoing mail (receipts and feedback to notifiers, overdue notices): see docs/deploy.md
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("HELHED_DATA_DIR", REPO_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _flag("HELHED_DEBUG", False)
DEMO_MODE = _flag("HELHED_DEMO", False)
TESTING = _flag("HELHED_TESTING", False)


def _local_secret(name: str, generator) -> str:
    """Demo and test installs keep generated keys in the data dir so two installs never share them."""
    path = DATA_DIR / f".{name}"
    if not path.exists():
        path.write_text(generator())
        path.chmod(0o600)
    return path.read_text().strip()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _new_token() -> str:
    import secrets

    return secrets.token_urlsafe(48)


_LOCAL_KEYS_ALLOWED = DEBUG or DEMO_MODE or TESTING


def _secret(env: str, file_name: str, generator) -> str:
    value = os.environ.get(env)
    if value:
        return value
    if _LOCAL_KEYS_ALLOWED:
        return _local_secret(file_name, generator)
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"{env} must be set in production (see docs/deploy.md).")


SECRET_KEY = _secret("HELHED_SECRET_KEY", "secret_key", _new_token)
FIELD_ENCRYPTION_KEY = _secret("HELHED_FIELD_KEY", "field_key", _new_fernet_key)
CPR_HASH_KEY = _secret("HELHED_HASH_KEY", "hash_key", _new_token)

ALLOWED_HOSTS = [h for h in os.environ.get("HELHED_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("HELHED_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "helhed.core",
    "helhed.organisation",
    "helhed.people",
    "helhed.cases",
    "helhed.deadlines",
    "helhed.concerns",
    "helhed.meetings",
    "helhed.flow",
    "helhed.plans",
    "helhed.counselling",
    "helhed.family",
    "helhed.consent",
    "helhed.interventions",
    "helhed.detection",
    "helhed.screening",
    "helhed.outcomes",
    "helhed.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "helhed.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "helhed.core.middleware.DanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "helhed.core.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "helhed.core.middleware.LoginRequiredEverywhereMiddleware",
    "helhed.core.middleware.HelhedErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helhed.urls"
WSGI_APPLICATION = "helhed.wsgi.application"

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
                "helhed.core.context_processors.helhed",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'helhed.sqlite3'}",
        conn_max_age=int(os.environ.get("HELHED_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers continue while the single writer works; IMMEDIATE avoids "database is locked"
    # surprises when a read transaction later upgrades to a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"].setdefault("TEST", {})
if os.environ.get("HELHED_TEST_DB_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = os.environ["HELHED_TEST_DB_NAME"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisation.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "helhed.core.auth.HelhedModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; the suite creates hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
CSRF_FAILURE_VIEW = "helhed.core.views.csrf_failure"
LOGIN_REDIRECT_URL = "cases:home"
LOGOUT_REDIRECT_URL = "core:login"

SESSION_COOKIE_AGE = int(os.environ.get("HELHED_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_SECURE = _flag("HELHED_SECURE_COOKIES", not (DEBUG or DEMO_MODE or TESTING))
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SECURE_SSL_REDIRECT = _flag("HELHED_SSL_REDIRECT", _SECURE)
SECURE_HSTS_SECONDS = 31536000 if _SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# django-axes: lock an account+address after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("HELHED_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_ENABLED = not _flag("HELHED_AXES_DISABLED", False)
# How many reverse proxies in front of Helhed append to X-Forwarded-For (nginx: 1). The login lockout and the
# public form's throttle then key on the client's address, not the proxy's (core/http.py).
HELHED_TRUSTED_PROXIES = int(os.environ.get("HELHED_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "helhed.core.http.client_address"

# Strict CSP: no inline script or style anywhere; everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    ("dkfds", REPO_DIR / "node_modules" / "dkfds" / "dist"),
    ("htmx", REPO_DIR / "node_modules" / "htmx.org" / "dist"),
    BASE_DIR / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if TESTING or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = TESTING or DEBUG

# Documents live under the data dir, outside the web root, and are served only through the gatekeeper.
DOCUMENT_ROOT = DATA_DIR / "documents"
# The Danish user guides shown under "Hjælp".
HELP_DIR = Path(os.environ.get("HELHED_HELP_DIR", REPO_DIR / "docs" / "brugervejledning"))
DOCUMENT_MAX_BYTES = int(os.environ.get("HELHED_DOCUMENT_MAX_BYTES", str(25 * 1024 * 1024)))
# CSV imports of units and staff (organisation.imports): the largest file accepted.
ORG_IMPORT_MAX_BYTES = int(os.environ.get("HELHED_IMPORT_MAX_BYTES", str(2 * 1024 * 1024)))
# Absence files from the schools (a municipality-wide file of a school year can be several hundred MB).
HELHED_ABSENCE_MAX_BYTES = int(os.environ.get("HELHED_ABSENCE_MAX_BYTES", str(1024 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Audit (Datatilsynet: log every use of personal data; traditional Danish retention 6 months).
AUDIT_RETENTION_DAYS = int(os.environ.get("HELHED_AUDIT_RETENTION_DAYS", "183"))
AUDIT_ENABLED = not _flag("HELHED_AUDIT_DISABLED", False)  # only for the benchmark's on/off comparison
# Seconds between seals of the hash chain per web process (0 = after every request). Events are written
# before each response either way; sealing only adds them to the chain (ADR 0004).
AUDIT_SEAL_INTERVAL = float(os.environ.get("HELHED_AUDIT_SEAL_INTERVAL", "0" if TESTING else "1"))
BREAK_GLASS_MINUTES = int(os.environ.get("HELHED_BREAK_GLASS_MINUTES", "120"))

# Reports of concern (concerns app).
HELHED_MUNICIPALITY_NAME = os.environ.get("HELHED_MUNICIPALITY_NAME", "Helhed Kommune")
# The domain in meeting invitations' calendar UIDs (the same meeting updates, never duplicates, a calendar entry).
HELHED_CALENDAR_DOMAIN = os.environ.get("HELHED_CALENDAR_DOMAIN", "helhed.invalid")
# BL § 137 requires receipts to professionals; receipts to citizens are the municipality's choice.
CONCERN_CITIZEN_RECEIPTS = _flag("HELHED_CONCERN_CITIZEN_RECEIPTS", True)
# The unit that receives reports it cannot route by the child's case or the notifier's district (unit code).
CONCERN_DEFAULT_RECEPTION = os.environ.get("HELHED_CONCERN_DEFAULT_RECEPTION", "")
# The public form: submissions accepted per sender address per hour.
CONCERN_PUBLIC_PER_HOUR = int(os.environ.get("HELHED_CONCERN_PUBLIC_PER_HOUR", "5"))
CONCERN_MAX_ATTACHMENTS = 5

# Outgoing mail. Demo: written to files under the data dir. Production: SMTP with TLS to the municipality's
# relay (letters carry personal data; never an unencrypted relay).
EMAIL_BACKEND = os.environ.get(
    "HELHED_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEMO_MODE else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_HOST = os.environ.get("HELHED_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("HELHED_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("HELHED_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("HELHED_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("HELHED_EMAIL_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("HELHED_EMAIL_FROM", "helhed@kommune.invalid")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if TESTING:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HELHED_LOG_LEVEL", "WARNING")},
}
