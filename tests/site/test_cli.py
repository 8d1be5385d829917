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
