"""Deploy checks (`lianxin check --deploy`): no published key, no demo mode, no debug in production."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def published_keys_check(app_configs, **kwargs) -> list:
    problems: list = []
    if settings.SECRET_KEY in settings.PUBLISHED_SECRET_KEYS:
        problems.append(
            Error(
                "LIANXIN_SECRET_KEY is a value published in the repository.",
                id="lianxin.E001",
                hint="Set LIANXIN_SECRET_KEY to a long random secret of this station.",
            )
        )
    if any(secret in settings.PUBLISHED_PII_KEYS for _key_id, secret in settings.LIANXIN_PII_KEYS):
        problems.append(
            Error(
                "A personal-data key is a value published in the repository: anyone can decrypt the numbers.",
                id="lianxin.E002",
                hint="Set LIANXIN_PII_KEYS (newest first) and run `lianxin pii rotate`; keep the key out of backups.",
            )
        )
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql") and not database.get("OPTIONS", {}).get("pool"):
        problems.append(
            Warning(
                "PostgreSQL without a connection pool: under ASGI every request opens a new session.",
                id="lianxin.W002",
                hint="Set LIANXIN_DB_POOL (connections per web process, e.g. 8); see docs/DEPLOY.md.",
            )
        )
    if settings.DEMO_MODE:
        problems.append(
            Warning("Demo mode is on (LIANXIN_DEMO=1).", id="lianxin.W001", hint="Unset LIANXIN_DEMO in production.")
        )
    return problems
