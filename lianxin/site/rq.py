"""The RQ queue of the production profile: every job may be retried, so a worker killed mid-task
(SIGKILL, a lost host) does not lose it.

RQ moves a job whose worker stopped sending heartbeats out of the started registry; with
retries left it is queued again instead of failed. A task must therefore be safe to run
again: ours do their writes in one transaction (a killed run leaves nothing) or check what
is already done.
"""

from __future__ import annotations

from django_rq.queues import DjangoRQ
from rq import Retry

TASK_RETRIES = 3
TASK_RETRY_INTERVALS_SECONDS = [0, 30, 120]


class RetryingQueue(DjangoRQ):
    def create_job(self, *args, **kwargs):
        if kwargs.get("retry") is None:
            kwargs["retry"] = Retry(max=TASK_RETRIES, interval=TASK_RETRY_INTERVALS_SECONDS)
        return super().create_job(*args, **kwargs)
