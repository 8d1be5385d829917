"""What the benchmarks that compare SQLite with PostgreSQL share: each backend runs in a child process.

A child is the same script with `--child URL`; it prints its figures as one JSON line last. The
PostgreSQL run gets a fresh database of its own at 127.0.0.1:5432, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(script: str, url: str, arguments: list[str]) -> dict:
    """Run script --child url with arguments against that database; return its last line's JSON."""
    env = {**os.environ, "DATABASE_URL": url, "LIANXIN_LOG_LEVEL": "WARNING"}
    proc = subprocess.run(
        [sys.executable, script, "--child", url, *arguments], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"benchmark child for {url} failed (exit {proc.returncode})")
    return json.loads(lines[-1])


def on_postgres(database: str, run: Callable[[str], dict]) -> dict:
    """Call run(url) on a fresh PostgreSQL database, dropped afterwards; skipped if the server is not there."""
    import psycopg

    try:
        admin = psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as exc:
        print(f"postgres: not reachable at 127.0.0.1:5432 ({exc}); skipped", flush=True)
        return {"skipped": "not reachable"}
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.execute(f"CREATE DATABASE {database}")
        try:
            return run(f"postgres://postgres@127.0.0.1:5432/{database}")
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
