"""Django settings for Lianxin.

Defaults run the platform on an embedded SQLite database under ./var with no other
service; production sets DATABASE_URL, LIANXIN_SECRET_KEY and LIANXIN_PII_KEY.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("LIANXIN_DATA_DIR", BASE_DIR.parent / "var"))

DEBUG = os.environ.get("LIANXIN_DEBUG", "1") == "1"
# The development key is public on purpose; production must set its own.
SECRET_KEY = os.environ.get("LIANXIN_SECRET_KEY", "lianxin-dev-only-secret-key-change-me-in-production")
ALLOWED_HOSTS = os.environ.get("LIANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Serves the API docs page's Swagger UI from our static files, not a CDN (offline stations).
    "ninja",
    # background tasks: the django_tasks API with its database backend (lianxin db_worker runs them)
    "django_tasks",
    "django_tasks_db",
    "lianxin.core",
    "lianxin.places",
    "lianxin.people",
    "lianxin.cases",
    "lianxin.antifraud",
    # The top floor: what collects every app above (worker, /me) and the demo station's seed.
    "lianxin.site",
    "lianxin.demo",
]

AUTH_USER_MODEL = "core.User"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianxin.core.middleware.StationLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lianxin.urls"

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
                "lianxin.core.context_processors.lianxin",
            ],
        },
    },
]

WSGI_APPLICATION = "lianxin.wsgi.application"
ASGI_APPLICATION = "lianxin.asgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'lianxin.sqlite3'}",
        conn_max_age=int(os.environ.get("LIANXIN_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite creates the file but not its folder, and a fresh clone has no var/.
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the worker and the web process read while the other writes.
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Background tasks (OCR of screenshots, ledger indexing): the database backend by default, so one
# `lianxin db_worker` beside the web process is all a station needs; "immediate" runs them in the
# request (tests), "rq" puts them on Redis (django-tasks-rq, production past one host).
TASKS_BACKEND_NAME = os.environ.get("LIANXIN_TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "rq": "django_tasks_rq.RQBackend",
        }[TASKS_BACKEND_NAME]
    }
}

# Redis for live push across several web processes (lianxin.core.live); empty: in this process only.
LIANXIN_REDIS_URL = os.environ.get("LIANXIN_REDIS_URL", "")

LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# The station's own zone: used for display and for "which local day is it".
STATION_TIME_ZONE = os.environ.get("LIANXIN_STATION_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR.parent / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The demo and development servers (uvicorn) serve static files straight from the
# source folders; production runs collectstatic and WhiteNoise serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Key for personal data at rest (ID and phone numbers). The default is for the demo
# only; production sets LIANXIN_PII_KEY and keeps it out of the database backups.
LIANXIN_PII_KEY = os.environ.get("LIANXIN_PII_KEY", "lianxin-demo-pii-key-not-for-production")

# Leaflet tile URL template; empty means no base map, so grids and points draw on a
# blank background (offline deployments).
LIANXIN_MAP_TILE_URL = os.environ.get("LIANXIN_MAP_TILE_URL", "")
LIANXIN_MAP_ATTRIBUTION = os.environ.get("LIANXIN_MAP_ATTRIBUTION", "")

# How long a finished-and-resolved case waits for a rating before it closes itself.
LIANXIN_AUTO_CLOSE_DAYS = int(os.environ.get("LIANXIN_AUTO_CLOSE_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"jieba": {"level": "WARNING"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIANXIN_LOG_LEVEL", "INFO")},
}
