"""Orkesteri settings: the only module that reads the environment (docs/settings.md)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# pytest >= 8.2 exports PYTEST_VERSION while it runs.
TESTING = "PYTEST_VERSION" in os.environ


def activate() -> None:
    """Point Django at this module (for the CLI and WSGI entry points)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orkesteri.settings")


def child_env(**overrides: str) -> dict[str, str]:
    """The environment for a process that `orkesteri up` starts."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "orkesteri.settings", **overrides}


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_int(name: str, default: int, low: int = 1, high: int = 1_000_000) -> int:
    value = env(name)
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if not low <= number <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, not {number}.")
    return number


def env_flag(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("ORKESTERI_DATA_DIR") or BASE_DIR / "var" / ("test" if TESTING else ""))
DATA_DIR = DATA_DIR.resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _stored_secret_key() -> str:
    """A key generated once per installation and kept in the data dir (mode 0600)."""
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


SECRET_KEY = env("ORKESTERI_SECRET_KEY") or _stored_secret_key()
DEBUG = env_flag("ORKESTERI_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in env("ORKESTERI_ALLOWED_HOSTS").split(",") if h.strip()] or [
    "127.0.0.1",
    "localhost",
    "[::1]",
]
if TESTING:
    ALLOWED_HOSTS.append("testserver")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in env("ORKESTERI_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()
]
BASE_URL = env("ORKESTERI_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if env_flag("ORKESTERI_BEHIND_PROXY"):
    # Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto/-Host, so
    # links in emails (password reset) start with https:// and the public host name.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "ninja",
    "orkesteri.core",
    "orkesteri.accounts",
    "orkesteri.workspaces",
    "orkesteri.channels",
    "orkesteri.networks.feed",
    "orkesteri.media",
    "orkesteri.publishing",
    "orkesteri.notifications",
    "orkesteri.analytics",
    "orkesteri.links",
    "orkesteri.campaigns",
    "orkesteri.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "orkesteri.core.middleware.JsonApiErrors",
]

ROOT_URLCONF = "orkesteri.urls"
WSGI_APPLICATION = "orkesteri.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orkesteri.workspaces.context_processors.shell",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------
DATABASE_URL = env("ORKESTERI_TEST_DATABASE_URL") if TESTING else env("ORKESTERI_DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "orkesteri.sqlite3"),
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE avoids
                # "database is locked" on write transactions that start with a read.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Kept open between requests and tasks: opening one runs the PRAGMAs above.
            "CONN_MAX_AGE": 60,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- queue ------------------------------------------------------------------------------
REDIS_URL = env("ORKESTERI_REDIS_URL")
HUEY_NAME = env("ORKESTERI_QUEUE_NAME") or ("orkesteri-test" if TESTING else "orkesteri")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": HUEY_NAME,
        "url": REDIS_URL,
        "immediate": TESTING,  # tests run tasks inline; queue tests switch it off
        "utc": True,
    }
else:
    HUEY = {
        "huey_class": "orkesteri.lib.queue.SqliteHuey",
        "name": HUEY_NAME,
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": TESTING,  # tests run tasks inline; queue tests switch it off
        "utc": True,
    }
WORKER_THREADS = env_int("ORKESTERI_WORKER_THREADS", 4)
# One web process with threads keeps a laptop install small; raise both on a server.
WEB_WORKERS = env_int("ORKESTERI_WEB_WORKERS", 1)
WEB_THREADS = env_int("ORKESTERI_WEB_THREADS", 8)
# Off by default: request lines can carry one-time tokens (invitation and reset links).
ACCESS_LOG = env_flag("ORKESTERI_ACCESS_LOG")

# --- accounts ---------------------------------------------------------------------------
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
if TESTING:
    # Hashing cost is not what the suite tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ADMIN_EMAIL = env("ORKESTERI_ADMIN_EMAIL")
ADMIN_PASSWORD = env("ORKESTERI_ADMIN_PASSWORD")
INVITE_TTL_DAYS = env_int("ORKESTERI_INVITE_TTL_DAYS", 7, high=365)

# --- publishing -------------------------------------------------------------------------
# A post that could not go out within this many hours of its time fails instead of
# appearing late (a holiday greeting a day after the holiday does more harm than good).
LATE_CUTOFF_HOURS = env_int("ORKESTERI_LATE_CUTOFF_HOURS", 6, high=24 * 14)
# Attempts for transient errors before a delivery fails; waits grow 30 s, 1 min, 2 min…
PUBLISH_MAX_ATTEMPTS = env_int("ORKESTERI_PUBLISH_MAX_ATTEMPTS", 6, high=20)
# Requests to networks one worker process has in flight at once (its sender threads).
PUBLISH_CONCURRENCY = env_int("ORKESTERI_PUBLISH_CONCURRENCY", 24, low=1, high=256)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_flag("ORKESTERI_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- email ------------------------------------------------------------------------------
EMAIL_BACKEND_NAME = env(
    "ORKESTERI_EMAIL_BACKEND", "smtp" if env("ORKESTERI_SMTP_HOST") else "console"
)
EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
}
if EMAIL_BACKEND_NAME not in EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"ORKESTERI_EMAIL_BACKEND must be one of {', '.join(EMAIL_BACKENDS)}, "
        f"not {EMAIL_BACKEND_NAME!r}."
    )
EMAIL_BACKEND = EMAIL_BACKENDS[EMAIL_BACKEND_NAME]
# Whether the inviter sees (and the API returns) the one-time invitation link. Only where no
# email really leaves the machine: otherwise the link would let the inviter create the
# invitee's account, and the emailed link is what proves the address belongs to them.
SHOW_INVITE_LINKS = env_flag(
    "ORKESTERI_SHOW_INVITE_LINKS", default=EMAIL_BACKEND_NAME in {"console", "file"} or TESTING
)
if TESTING and not env("ORKESTERI_EMAIL_BACKEND"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
EMAIL_FILE_PATH = env("ORKESTERI_EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
EMAIL_HOST = env("ORKESTERI_SMTP_HOST", "localhost")
EMAIL_PORT = env_int("ORKESTERI_SMTP_PORT", 587, high=65535)
EMAIL_HOST_USER = env("ORKESTERI_SMTP_USER")
EMAIL_HOST_PASSWORD = env("ORKESTERI_SMTP_PASSWORD")
EMAIL_USE_TLS = env_flag("ORKESTERI_SMTP_STARTTLS", default=EMAIL_PORT == 587)
EMAIL_USE_SSL = env_flag("ORKESTERI_SMTP_SSL", default=EMAIL_PORT == 465)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("ORKESTERI_EMAIL_FROM", "Orkesteri <orkesteri@localhost>")

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fi", _("Finnish")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- static and uploaded files ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 4096  # pixels; the most is a square of this side
LOGO_MAX_PIXELS = LOGO_MAX_SIDE * LOGO_MAX_SIDE
# Media library uploads (docs/media.md): the most bytes and pixels one image may have.
MEDIA_MAX_BYTES = env_int("ORKESTERI_MEDIA_MAX_MB", 25, high=1024) * 1024 * 1024
MEDIA_MAX_PIXELS = env_int("ORKESTERI_MEDIA_MAX_MEGAPIXELS", 64, high=1000) * 1_000_000

# --- networks: outbound HTTP and credentials at rest ------------------------------------
# User-supplied URLs (a Mastodon instance, a PDS) may not point into private networks
# unless this is set; tests and the local Bluesky network need it (lib/http.py).
ALLOW_PRIVATE_NETWORKS = env_flag("ORKESTERI_ALLOW_PRIVATE_NETWORKS", default=TESTING)
HTTP_TIMEOUT_S = env_int("ORKESTERI_HTTP_TIMEOUT", 20, high=600)
# Fernet keys (urlsafe base64, 32 bytes), comma-separated: the first encrypts, all decrypt, so
# a new key can be put first and `orkesteri rotate-key` re-encrypts (lib/crypto.py). When
# unset, a key is generated once and kept in the data dir like the secret key.
ENCRYPTION_KEYS = [k.strip() for k in env("ORKESTERI_ENCRYPTION_KEY").split(",") if k.strip()]

# --- API --------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

LOG_LEVEL = env("ORKESTERI_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # huey logs two lines per task at INFO, which a busy worker's threads queue up to
        # write: only its warnings, and the consumer's start and stop at the usual level. With
        # a handler here, `run_huey` does not install its own (at INFO).
        "huey": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "huey.consumer": {
            "handlers": ["console"],
            "level": LOG_LEVEL,
            "propagate": False,
        },
        "django.request": {"level": "ERROR"},
        # httpx logs each request's full URL at INFO, and the Telegram Bot API carries the bot
        # token in the URL path: keep network clients' logs to warnings.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "telegram": {"level": "WARNING"},
        "atproto": {"level": "WARNING"},
        "mastodon": {"level": "WARNING"},
    },
}
