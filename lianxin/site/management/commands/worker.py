"""`lianxin worker`: run the periodic sweeps in a polling loop, healthchecks style.

Each tick calls every sweep with the same `now`; a sweep finds its due rows through
an indexed deadline column and changes each one through its service, which locks
the row and re-checks it, so several workers may run side by side. A sweep that
fails is logged and retried on the next tick; the loop itself never dies of it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone

from lianxin.core.plugins import sweeps

logger = logging.getLogger("lianxin.worker")

DEFAULT_INTERVAL_SECONDS = 60.0
# A sweep handles at most this many rows per call; a tick calls it again while it is
# still busy, up to SWEEP_MAX_BATCHES_PER_TICK calls, then yields to the next tick.
SWEEP_BATCH = 500
SWEEP_MAX_BATCHES_PER_TICK = 20


def _sweeps() -> dict[str, Callable[..., int]]:
    """Return name -> callable(now=..., limit=...) returning rows changed, from every app's plugin."""
    return sweeps()


def tick() -> tuple[dict[str, int], list[str]]:
    """Run every sweep once with one `now`; return rows changed per sweep and the names that failed."""
    now = timezone.now()
    done: dict[str, int] = {}
    failed: list[str] = []
    for name, sweep in _sweeps().items():
        done[name] = 0
        try:
            for _batch in range(SWEEP_MAX_BATCHES_PER_TICK):
                changed = sweep(now=now, limit=SWEEP_BATCH)
                done[name] += changed
                if changed < SWEEP_BATCH:
                    break
        except Exception:
            logger.exception("sweep %s failed; it will run again on the next tick", name)
            failed.append(name)
    return done, failed


class Command(BaseCommand):
    help = "Run the periodic sweeps (auto-close of resolved cases, ...) every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit (non-zero if a sweep failed)")
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL_SECONDS,
            help=f"seconds between ticks (default {DEFAULT_INTERVAL_SECONDS:g})",
        )

    def handle(self, *args, once: bool, interval: float, **options):
        if interval <= 0:
            raise CommandError("--interval must be positive")
        if once:
            done, failed = tick()
            self._report(done)
            if failed:
                raise CommandError(f"sweeps failed: {', '.join(failed)}")
            return
        stopping = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.set())
        self.stdout.write(f"worker: sweeps {', '.join(_sweeps())} every {interval:g} s; stop with Ctrl-C or SIGTERM")
        while not stopping.is_set():
            started = time.monotonic()
            close_old_connections()
            done, _failed = tick()
            if any(done.values()):
                self._report(done)
            stopping.wait(max(0.0, interval - (time.monotonic() - started)))
        self.stdout.write("worker: stopped")

    def _report(self, done: dict[str, int]) -> None:
        self.stdout.write(" ".join(f"{name}={count}" for name, count in done.items()))
