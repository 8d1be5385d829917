"""`lianxin task_probe enqueue MARKER [--sleep S]` / `lianxin task_probe count MARKER` (the CI's task check)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from lianxin.site.tasks import task_probe


class Command(BaseCommand):
    help = "Enqueue the probe task, or count how many times it was done (audit rows task_probe)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["enqueue", "count"])
        parser.add_argument("marker")
        parser.add_argument("--sleep", type=float, default=0.0)

    def handle(self, *args, action: str, marker: str, sleep: float, **options):
        from lianxin.core.models import AuditEntry

        if action == "enqueue":
            result = task_probe.enqueue(marker, sleep)
            self.stdout.write(result.id)
            return
        self.stdout.write(str(AuditEntry.objects.filter(action="task_probe", target_id=marker).count()))
