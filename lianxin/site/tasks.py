"""Site-level tasks: the probe that proves a task killed mid-run is retried and done exactly once."""

from __future__ import annotations

import time

from django.db import transaction
from django_tasks import task

from lianxin.core.services import audit_record


@task()
def task_probe(marker: str, sleep_seconds: float = 0.0) -> str:
    """Sleep, then write one audit row `task_probe` with marker, all in one transaction.

    Killed during the sleep, the run leaves nothing; the retry writes the row. Run twice
    after success, it writes nothing more (the marker is checked first), so "done exactly
    once" is a count of audit rows.
    """
    from lianxin.core.models import AuditEntry

    with transaction.atomic():
        if AuditEntry.objects.filter(action="task_probe", target_id=marker).exists():
            return "already done"
        time.sleep(sleep_seconds)
        audit_record(actor=None, action="task_probe", target_type="task", target_id=marker)
    return "done"
