"""The `lianxin` command: engine commands listed in its help, `lianxin help <engine command>`, a clear error without keys."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LIANXIN_", "DJANGO_SETTINGS"))}
    return subprocess.run(
        [sys.executable, "-m", "lianxin.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_engine_commands_too():
    out = _run("--help", LIANXIN_DEMO="1").stdout
    for word in ("screen", "screen-train", "ledger", "trace", "mules", "laws", "seed_demo", "backup"):
        assert word in out


def test_help_of_an_engine_command():
    done = _run("help", "screen")
    assert done.returncode == 0 and "usage: lianxin screen" in done.stdout


def test_without_keys_a_django_command_says_why_in_one_line():
    done = _run("check")
    assert done.returncode == 2
    assert "LIANXIN_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr


def test_deploy_check_asks_for_a_pool_on_postgresql():
    """Under ASGI a connection kept per thread is never reused; the deploy check says so, and the pool setting is taken."""
    keys = {
        "LIANXIN_SECRET_KEY": "a-station-secret-" + "x" * 40,
        "LIANXIN_PII_KEYS": "k1:" + "ab" * 24,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/lianxin_unused",
    }
    without = _run("check", "--deploy", "--tag", "security", **keys)
    assert "lianxin.W002" in without.stderr + without.stdout
    pooled = _run("check", "--deploy", "--tag", "security", LIANXIN_DB_POOL="6", **keys)
    assert "lianxin.W002" not in pooled.stderr + pooled.stdout
    shown = _run(
        "shell",
        "-c",
        "from django.conf import settings; d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['OPTIONS']['pool'])",
        LIANXIN_DB_POOL="6",
        LIANXIN_DB_CONN_MAX_AGE="60",
        **keys,
    )
    assert shown.stdout.strip().splitlines()[-1] == "0 {'min_size': 2, 'max_size': 6, 'timeout': 10}", shown.stderr
