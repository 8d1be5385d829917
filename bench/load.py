"""Load on the production profile: the inbox page, the case-list API and the anonymous Open311 list.

Starts the profile itself on loopback (a throwaway PostgreSQL database, Redis db 13, N uvicorn
workers, production settings), loads a small demo station, then runs locust headless against
127.0.0.1 only, bounded in time, at each user count, and prints p50/p95/errors per endpoint and
the case-creation rate through the API. Each step counts for --seconds from when its last user
has signed in, so the sign-ins (a deliberately slow password check each) are not in the figures.
Nothing leaves this machine.

    .venv/bin/python bench/load.py [--users 10 50 100] [--seconds 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PORT = 8799

# Appended to a locustfile: server_time(user, response, name) records the Server-Timing header's
# app time (Django's own time, without the wait in uvicorn's queue) as a stat of its own.
SERVER_TIME_SNIPPET = """

def server_time(user, response, name):
    import re as _re

    found = _re.search(r"app;dur=([0-9.]+)", response.headers.get("Server-Timing", ""))
    if found:
        user.environment.events.request.fire(
            request_type="APP", name=name, response_time=float(found.group(1)), response_length=0,
            exception=None, context={},
        )
"""

# Creation alone: API clients posting cases back to back (issue 16's goal: >= 150 cases/s with two
# workers on PostgreSQL). No think time: this is the rate the profile can take, not a user.
CREATE_LOCUSTFILE = """
import os
from locust import HttpUser, task, constant

TOKEN = os.environ["LOAD_TOKEN"]


class Client(HttpUser):
    wait_time = constant(0)

    @task
    def create(self):
        body = {"channel": "walk_in", "category": "id-card", "description": "压测：咨询换证材料"}
        server_time(self, self.client.post("/api/v1/cases", json=body, headers={"Authorization": "Bearer " + TOKEN},
                    name="create case"), "create case: server time")
"""
CREATE_USERS = 20

LOCUSTFILE = """
import os, random
import gevent
from locust import HttpUser, task, between

TOKEN = os.environ["LOAD_TOKEN"]
WINDOW = float(os.environ["LOAD_WINDOW"])
SIGNED_IN = [0]


class Officer(HttpUser):
    wait_time = between(0.05, 0.2)

    def on_start(self):
        page = self.client.get("/login/")
        token = page.cookies.get("csrftoken", "")
        self.client.post("/login/", {"username": "officer", "password": "lianxin-demo", "csrfmiddlewaretoken": token},
                         headers={"Referer": self.host + "/login/"}, name="login")
        # Count from when the last user has signed in (a password check is deliberately slow, and
        # fifty at once is a storm of its own), for WINDOW seconds.
        SIGNED_IN[0] += 1
        runner = self.environment.runner
        if SIGNED_IN[0] == runner.target_user_count:
            self.environment.stats.reset_all()
            gevent.spawn_later(WINDOW, runner.quit)

    @task(3)
    def inbox(self):
        server_time(self, self.client.get("/cases/", name="inbox page"), "inbox page: server time")

    @task(3)
    def api_list(self):
        server_time(self, self.client.get("/api/v1/cases?limit=25", headers={"Authorization": "Bearer " + TOKEN}, name="case-list API"), "case-list API: server time")

    @task(3)
    def open311(self):
        server_time(self, self.client.get("/open311/v2/requests.json", name="Open311 list (anonymous)"), "Open311 list (anonymous): server time")

    @task(1)
    def create(self):
        body = {"channel": "walk_in", "category": "id-card", "description": "压测：咨询换证材料"}
        server_time(self, self.client.post("/api/v1/cases", json=body, headers={"Authorization": "Bearer " + TOKEN}, name="create case"), "create case: server time")
"""


@contextlib.contextmanager
def uvicorn_serving(*, env: dict[str, str], port: int, workers: int, extra: list[str]) -> Iterator[str]:
    """Serve lianxin.asgi with `workers` uvicorn processes on 127.0.0.1:port for the block; yield the base URL.

    `extra` goes to uvicorn as it is (e.g. `--loop asyncio --http h11` to time the pure-Python server).

    Waits up to 60 s for /readyz to answer; the processes are stopped when the block ends.
    """
    web = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "lianxin.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--lifespan",
            "off",
            "--no-access-log",
            *extra,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(60):
            if subprocess.run(["curl", "-fsS", f"http://127.0.0.1:{port}/readyz"], capture_output=True).returncode == 0:
                break
            time.sleep(1)
        yield f"http://127.0.0.1:{port}"
    finally:
        web.terminate()
        web.wait(timeout=20)


def locust_stats(
    *,
    locustfile: Path,
    host: str,
    users: int,
    seconds: int,
    env: dict[str, str],
    csv_prefix: Path,
    spawn_rate: int | None = None,
) -> tuple[list[dict[str, str]], list[str]]:
    """Run locust headless against host for `seconds`; return its stats rows (one dict per endpoint) and failures.

    Users start at spawn_rate per second (default a fifth of them). The rows are locust's own
    stats CSV (times in ms, measured by the client: loopback plus the server); the failure lines
    say what the errors were (status or exception).
    """
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(locustfile),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn_rate or max(1, users // 5)),
            "-t",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(csv_prefix),
            "--only-summary",
            # count from when every user has started (and signed in), not the logins' storm
            "--reset-stats",
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    lines = Path(f"{csv_prefix}_stats.csv").read_text().splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
    failures = Path(f"{csv_prefix}_failures.csv")
    return rows, failures.read_text().splitlines()[1:] if failures.exists() else []


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--uvicorn", default="", help="more uvicorn options, e.g. '--loop asyncio --http h11'")
    args = parser.parse_args()
    db = f"lianxin_load_{int(time.time())}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "LIANXIN_REDIS_URL": "redis://127.0.0.1:6379/13",
        "LIANXIN_SECRET_KEY": secrets.token_hex(24),
        "LIANXIN_PII_KEYS": f"load:{secrets.token_hex(24)}",
        "LIANXIN_HTTPS": "0",
        "LIANXIN_REQUIRE_OTP": "0",
        "LIANXIN_DB_CONN_MAX_AGE": "60",
        "LIANXIN_DB_POOL": os.environ.get("LIANXIN_DB_POOL", "8"),
        # The load comes from one address: lift the per-address limits for the run.
        "LIANXIN_RATE_OPEN311_PER_MINUTE": "1000000",
        "LIANXIN_LOG_LEVEL": "WARNING",
    }
    env.pop("LIANXIN_DEMO", None)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'CREATE DATABASE "{db}"'], check=True)
    try:
        lianxin = [str(BIN / "lianxin")]
        subprocess.run([*lianxin, "migrate", "--no-input", "-v0"], env=env, check=True)
        subprocess.run([*lianxin, "collectstatic", "--no-input", "-v0"], env=env, check=True)
        subprocess.run(
            [*lianxin, "seed_demo", "--scale", "0.05", "--now", "2026-06-15T10:00+08:00"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        token = subprocess.run(
            [*lianxin, "create_api_token", "officer", "load test"], env=env, check=True, capture_output=True, text=True
        ).stdout.split()[-1]
        with (
            uvicorn_serving(env=env, port=PORT, workers=args.workers, extra=args.uvicorn.split()),
            tempfile.TemporaryDirectory() as tmp,
        ):
            locustfile = Path(tmp) / "locustfile.py"
            locustfile.write_text(LOCUSTFILE + SERVER_TIME_SNIPPET)
            print(
                f"load: {args.workers} uvicorn workers {args.uvicorn}".rstrip()
                + f", PostgreSQL, Redis; {args.seconds} s per step; "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            print(
                f"{'users':>5}  {'endpoint':<38} {'requests':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} {'req/s':>7}"
            )
            for users in args.users:
                rows, failures = locust_stats(
                    locustfile=locustfile,
                    host=f"http://127.0.0.1:{PORT}",
                    users=users,
                    # the window is counted by the locustfile from the last sign-in; this bounds it all
                    seconds=args.seconds + 60 + users,
                    env={**env, "LOAD_TOKEN": token, "LOAD_WINDOW": str(args.seconds)},
                    csv_prefix=Path(tmp) / f"u{users}",
                )
                for cells in rows:
                    if cells.get("Name") in ("Aggregated", "login"):
                        continue
                    print(
                        f"{users:>5}  {cells['Name']:<38} {cells['Request Count']:>8} {cells['50%']:>7} "
                        f"{cells['95%']:>7} {cells['Failure Count']:>6} {float(cells['Requests/s']):>7.1f}"
                    )
                # What the errors were (status or exception), so a figure with errors says why.
                for line in failures:
                    print(f"       error: {line}")
            # The creation rate on its own, API clients back to back.
            creators = Path(tmp) / "create.py"
            creators.write_text(CREATE_LOCUSTFILE + SERVER_TIME_SNIPPET)
            rows, failures = locust_stats(
                locustfile=creators,
                host=f"http://127.0.0.1:{PORT}",
                users=CREATE_USERS,
                seconds=args.seconds,
                env={**env, "LOAD_TOKEN": token},
                csv_prefix=Path(tmp) / "create",
                spawn_rate=CREATE_USERS,
            )
            made = next(r for r in rows if r.get("Name") == "create case")
            own = next((r for r in rows if r.get("Name") == "create case: server time"), {"50%": "-", "95%": "-"})
            print(
                f"creation alone, {CREATE_USERS} API clients back to back: {float(made['Requests/s']):.1f} cases/s, "
                f"p50 {made['50%']} / p95 {made['95%']} ms (Django's own p50 {own['50%']} / p95 {own['95%']} ms), "
                f"{made['Failure Count']} errors"
            )
            for line in failures:
                print(f"       error: {line}")
    finally:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)']
        )
        subprocess.run(["redis-cli", "-n", "13", "flushdb"], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
