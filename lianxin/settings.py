"""Django settings for Lianxin.

Two modes. Demo mode (LIANXIN_DEMO=1, which `make demo` and the tests set) runs on an
embedded SQLite database under ./var with the repository's public keys, debug on, and says
so on every page. Outside it (production) debug is off and the process refuses to start
unless LIANXIN_SECRET_KEY and LIANXIN_PII_KEY (or LIANXIN_PII_KEYS) are set to values of
its own: the repository's published ones decrypt nothing that matters.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("LIANXIN_DATA_DIR", BASE_DIR.parent / "var"))

DEMO_MODE = os.environ.get("LIANXIN_DEMO", "0") == "1"
DEBUG = os.environ.get("LIANXIN_DEBUG", "1" if DEMO_MODE else "0") == "1"

# Keys published in this repository: fine for the demo, refused anywhere else.
PUBLISHED_SECRET_KEYS = frozenset({"lianxin-dev-only-secret-key-change-me-in-production"})
PUBLISHED_PII_KEYS = frozenset({"lianxin-demo-pii-key-not-for-production"})
SECRET_KEY = os.environ.get(
    "LIANXIN_SECRET_KEY", "lianxin-dev-only-secret-key-change-me-in-production" if DEMO_MODE else ""
)
if not DEMO_MODE and (not SECRET_KEY or SECRET_KEY in PUBLISHED_SECRET_KEYS):
    raise ImproperlyConfigured(
        "LIANXIN_SECRET_KEY is unset or a value published in the repository; set a secret of your own "
        "(or LIANXIN_DEMO=1 for the demo station)."
    )
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
    "django_rq",
    # sign-in throttling and lockout per account and per address
    "axes",
    # append-only audit rows in PostgreSQL itself (a trigger refuses UPDATE and DELETE)
    "pgtrigger",
    # a second factor (TOTP) for staff who may see whole personal numbers
    "django_otp",
    "django_otp.plugins.otp_totp",
    "lianxin.core",
    "lianxin.places",
    "lianxin.people",
    "lianxin.cases",
    "lianxin.council",
    "lianxin.insights",
    "lianxin.antifraud",
    "lianxin.legal",
    "lianxin.mediation",
    "lianxin.care",
    "lianxin.patrols",
    "lianxin.tips",
    # The top floor: what collects every app above (worker, /me) and the demo station's seed.
    "lianxin.site",
    "lianxin.demo",
]

AUTH_USER_MODEL = "core.User"

MIDDLEWARE = [
    "lianxin.core.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lianxin.core.middleware.StationLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "lianxin.core.middleware.SecondFactorMiddleware",
    "lianxin.core.middleware.PrivateNoStoreMiddleware",
    "lianxin.core.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # last, as django-axes asks: it turns a lockout into the lockout page
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock an account after AXES_FAILURE_LIMIT wrong passwords from anywhere, and an address after as
# many on any accounts; the lock lifts after the cool-off or when the station chief unlocks it.
AXES_FAILURE_LIMIT = int(os.environ.get("LIANXIN_LOGIN_FAILURE_LIMIT", "10"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = float(os.environ.get("LIANXIN_LOGIN_COOLOFF_HOURS", "1"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# Staff who may see whole numbers sign in with a second factor (TOTP); required outside demo mode.
LIANXIN_REQUIRE_OTP = os.environ.get("LIANXIN_REQUIRE_OTP", "0" if DEMO_MODE else "1") == "1"
OTP_TOTP_ISSUER = "Lianxin"

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
        # The folder holds every resident's (encrypted) numbers and the uploads: owner only.
        _folder = Path(DATABASES["default"]["NAME"]).parent
        _folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _folder.stat().st_uid == os.getuid():
            _folder.chmod(0o700)
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the worker and the web process read while the other writes.
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
_pool_size = int(os.environ.get("LIANXIN_DB_POOL", "0"))
if _pool_size and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Under ASGI each request runs its sync code in a thread of its own, so a connection kept per
    # thread (CONN_MAX_AGE) is never reused: every request would open a new PostgreSQL session.
    # A pool in the process hands the same few connections from request to request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": _pool_size, "timeout": 10}
# Requests let into Django at once per web process (lianxin.asgi.BoundedRequests); the rest wait in
# the event loop. With the pool on it defaults to 2 (never more than the pool): one request runs
# Python while another waits on the database; more threads only share one interpreter lock (measured
# in bench/README.md: at 50 users, 2 gave p95 0.9 s where 8 gave 1.2 s). 0 = no bound.
LIANXIN_WEB_CONCURRENCY = int(os.environ.get("LIANXIN_WEB_CONCURRENCY", str(min(_pool_size, 2))))

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

# The RQ queue (LIANXIN_TASKS_BACKEND=rq): Redis at LIANXIN_REDIS_URL; jobs retried when a worker dies.
RQ_QUEUES = {
    "default": {
        "URL": os.environ.get("LIANXIN_REDIS_URL", "") or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": int(os.environ.get("LIANXIN_RQ_JOB_TIMEOUT", "900")),
    }
}
RQ = {"QUEUE_CLASS": "lianxin.site.rq.RetryingQueue", "JOB_CLASS": "django_tasks_rq.backend.Job"}

# Redis for live push across several web processes (lianxin.core.live) and the shared cache
# (rate limits, the public Open311 list); empty: in this process only.
LIANXIN_REDIS_URL = os.environ.get("LIANXIN_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": LIANXIN_REDIS_URL}
        if LIANXIN_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lianxin"}
    )
}
# Rate limits: scope -> (hits, window in seconds), per address or per user (lianxin.core.ratelimit).
LIANXIN_RATE_LIMITS = {
    "open311_list": (int(os.environ.get("LIANXIN_RATE_OPEN311_PER_MINUTE", "60")), 60),
    "anonymous_filing": (int(os.environ.get("LIANXIN_RATE_FILING_PER_HOUR", "20")), 3600),
    "reveal": (int(os.environ.get("LIANXIN_RATE_REVEALS_PER_HOUR", "60")), 3600),
    "login": (int(os.environ.get("LIANXIN_RATE_LOGINS_PER_MINUTE", "20")), 60),
    # Receipt codes of anonymous tips tried from one address (tips.views.tip_follow).
    "tip_receipt": (int(os.environ.get("LIANXIN_RATE_TIP_RECEIPTS_PER_10_MINUTES", "10")), 600),
}
# Uploaded files (tip photos) live under the data dir; nothing serves MEDIA_ROOT directly: each
# file goes out through a view that checks who asks (tips.views).
MEDIA_ROOT = DATA_DIR / "media"
# Photos with one tip, the size of one upload and its pixels (a decompression bomb is refused
# before it is decoded), and the longest side kept after re-encoding.
LIANXIN_TIP_PHOTOS_MAX = int(os.environ.get("LIANXIN_TIP_PHOTOS_MAX", "3"))
LIANXIN_TIP_PHOTO_MAX_BYTES = int(os.environ.get("LIANXIN_TIP_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
LIANXIN_TIP_PHOTO_MAX_PIXELS = int(os.environ.get("LIANXIN_TIP_PHOTO_MAX_PIXELS", str(40_000_000)))
LIANXIN_TIP_PHOTO_MAX_SIDE_PX = int(os.environ.get("LIANXIN_TIP_PHOTO_MAX_SIDE_PX", "2048"))
# An anti-fraud video uploaded with a campaign (antifraud.services.campaigns): its largest size
# in bytes (MP4, WebM or Ogg, checked by the file's first bytes), stored under MEDIA_ROOT and
# played by the public video page through a view that answers byte ranges. A proxy in front
# must let a body this large through (nginx: client_max_body_size).
LIANXIN_CAMPAIGN_VIDEO_MAX_BYTES = int(os.environ.get("LIANXIN_CAMPAIGN_VIDEO_MAX_BYTES", str(200 * 1024 * 1024)))
# Trust the first X-Forwarded-For hop for the caller's address (only behind your own proxy).
LIANXIN_TRUST_X_FORWARDED_FOR = os.environ.get("LIANXIN_TRUST_X_FORWARDED_FOR", "0") == "1"

LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The station's own zone: every displayed time (pages, the Django admin, exports) and "which
# local day is it" (a __date lookup) use it; the database keeps UTC (USE_TZ).
STATION_TIME_ZONE = os.environ.get("LIANXIN_STATION_TIME_ZONE", "Asia/Shanghai")
TIME_ZONE = STATION_TIME_ZONE

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR.parent / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# The demo and development servers (uvicorn) serve static files straight from the
# source folders; production runs collectstatic and WhiteNoise serves STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Headers and cookies. Over HTTPS (every deployment but the demo on 127.0.0.1): secure cookies and
# HSTS; LIANXIN_HTTPS=0 turns them off for a plain-HTTP test host.
LIANXIN_HTTPS = os.environ.get("LIANXIN_HTTPS", "0" if DEMO_MODE else "1") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LIANXIN_HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # the pages send the token from the template (hx-headers), never from the cookie
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 31_536_000 if LIANXIN_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = LIANXIN_HTTPS
SECURE_SSL_REDIRECT = os.environ.get("LIANXIN_SSL_REDIRECT", "0") == "1"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if os.environ.get("LIANXIN_BEHIND_PROXY") == "1" else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from this site, never inline; styles may be
# inline because Leaflet and ECharts set element styles; map tiles from the configured host only.
_TILE_HOST = ""
if os.environ.get("LIANXIN_MAP_TILE_URL", ""):
    from urllib.parse import urlsplit

    _tiles = urlsplit(os.environ["LIANXIN_MAP_TILE_URL"].replace("{s}", "a"))
    _TILE_HOST = f"{_tiles.scheme}://{_tiles.netloc}" if _tiles.netloc else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *([_TILE_HOST] if _TILE_HOST else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"


# Keys for personal data at rest (ID and phone numbers), newest first, each with an id that
# every ciphertext carries: LIANXIN_PII_KEYS="k2:secret2,k1:secret1" (the first encrypts and
# keys the search digests, all decrypt; `lianxin pii rotate` moves old rows to the first), or
# one LIANXIN_PII_KEY (id "k1"). The demo's key is public; production sets its own and keeps it
# out of the database backups.
def _pii_keys() -> tuple[tuple[str, str], ...]:
    listed = os.environ.get("LIANXIN_PII_KEYS", "").strip()
    if listed:
        pairs = []
        for item in listed.split(","):
            key_id, _sep, secret = item.strip().partition(":")
            if not key_id or not secret:
                raise ImproperlyConfigured("LIANXIN_PII_KEYS must read id:secret,id:secret (newest first)")
            pairs.append((key_id, secret))
        return tuple(pairs)
    single = os.environ.get("LIANXIN_PII_KEY", "lianxin-demo-pii-key-not-for-production" if DEMO_MODE else "")
    return (("k1", single),) if single else ()


LIANXIN_PII_KEYS = _pii_keys()
if not DEMO_MODE and (not LIANXIN_PII_KEYS or any(secret in PUBLISHED_PII_KEYS for _id, secret in LIANXIN_PII_KEYS)):
    raise ImproperlyConfigured(
        "LIANXIN_PII_KEY (or LIANXIN_PII_KEYS) is unset or a value published in the repository; set a key of your "
        "own and keep it out of database backups (or LIANXIN_DEMO=1 for the demo station)."
    )

# Leaflet tile URL template; empty means no base map, so grids and points draw on a
# blank background (offline deployments).
LIANXIN_MAP_TILE_URL = os.environ.get("LIANXIN_MAP_TILE_URL", "")
LIANXIN_MAP_ATTRIBUTION = os.environ.get("LIANXIN_MAP_ATTRIBUTION", "")

# Retention (PIPL): the audit log at least 183 days (a shorter setting is raised to that); a closed
# case's contact name and phone are cleared after LIANXIN_RETENTION_CASE_CONTACT_DAYS. Sweeps in
# `lianxin worker` enforce both and audit what they delete.
LIANXIN_AUDIT_RETENTION_DAYS = int(os.environ.get("LIANXIN_AUDIT_RETENTION_DAYS", "730"))
LIANXIN_RETENTION_CASE_CONTACT_DAYS = int(os.environ.get("LIANXIN_RETENTION_CASE_CONTACT_DAYS", "1095"))

# How long a finished-and-resolved case waits for a rating before it closes itself.
LIANXIN_AUTO_CLOSE_DAYS = int(os.environ.get("LIANXIN_AUTO_CLOSE_DAYS", "7"))

# Patrol rosters (lianxin.patrols.services.rosters). A silver-hair team (older volunteers) gets a
# longest shift and heat/cold cut-offs: a shift whose recorded forecast is above the heat or below
# the cold cut-off is called off and its members told. Night hours (local, the station's zone)
# make a night shift, where nobody should walk alone. Members hear a reminder this many minutes
# before a shift starts.
LIANXIN_PATROL_MAX_SHIFT_HOURS = float(os.environ.get("LIANXIN_PATROL_MAX_SHIFT_HOURS", "4"))
LIANXIN_PATROL_HEAT_CUTOFF_C = float(os.environ.get("LIANXIN_PATROL_HEAT_CUTOFF_C", "35"))
LIANXIN_PATROL_COLD_CUTOFF_C = float(os.environ.get("LIANXIN_PATROL_COLD_CUTOFF_C", "-15"))
LIANXIN_PATROL_NIGHT_FROM_HOUR = int(os.environ.get("LIANXIN_PATROL_NIGHT_FROM_HOUR", "20"))
LIANXIN_PATROL_NIGHT_UNTIL_HOUR = int(os.environ.get("LIANXIN_PATROL_NIGHT_UNTIL_HOUR", "6"))
LIANXIN_PATROL_REMINDER_MINUTES = int(os.environ.get("LIANXIN_PATROL_REMINDER_MINUTES", "120"))

# Care for elders (lianxin.care): minutes each rung of the escalation ladder waits for an answer
# before the next person is told, by what started it: a missed check-in, an SOS key, a call
# device gone silent (a lower alarm than a silent person).
LIANXIN_CARE_RUNG_MINUTES_MISSED = int(os.environ.get("LIANXIN_CARE_RUNG_MINUTES_MISSED", "15"))
LIANXIN_CARE_RUNG_MINUTES_SOS = int(os.environ.get("LIANXIN_CARE_RUNG_MINUTES_SOS", "5"))
LIANXIN_CARE_RUNG_MINUTES_OFFLINE = int(os.environ.get("LIANXIN_CARE_RUNG_MINUTES_OFFLINE", "60"))
for _rung_setting in ("MISSED", "SOS", "OFFLINE"):
    if globals()[f"LIANXIN_CARE_RUNG_MINUTES_{_rung_setting}"] < 1:
        raise ImproperlyConfigured(f"LIANXIN_CARE_RUNG_MINUTES_{_rung_setting} must be at least 1 (minutes).")

# Bank ledgers uploaded as a zipped AMLSim output (lianxin.antifraud.services.ledgers): checked before
# anything is extracted, against these caps on all members' uncompressed bytes and on their number.
ANTIFRAUD_LEDGER_ZIP_MAX_BYTES = int(os.environ.get("LIANXIN_LEDGER_ZIP_MAX_BYTES", str(2 * 1024**3)))
ANTIFRAUD_LEDGER_ZIP_MAX_MEMBERS = int(os.environ.get("LIANXIN_LEDGER_ZIP_MAX_MEMBERS", "64"))

# Every handler masks personal numbers (a phone typed into a search must not reach a log whole);
# uvicorn's access log goes through the same filter.
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_numbers": {"()": "lianxin.core.logs.MaskNumbersFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_numbers"]}},
    "loggers": {
        "jieba": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # An ordinary 403 or 404 is not an incident: no traceback for it in the log (500s still are).
        "django.request": {"level": "ERROR"},
        "uvicorn.access": {"handlers": ["console"], "filters": ["mask_numbers"], "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LIANXIN_LOG_LEVEL", "INFO")},
}
# Structured logs for production: LIANXIN_LOG_FORMAT=json writes one JSON object a line.
if os.environ.get("LIANXIN_LOG_FORMAT", "text") == "json":
    LOGGING["formatters"] = {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    }
    LOGGING["handlers"]["console"]["formatter"] = "json"
