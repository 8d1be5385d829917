"""`lianxin audit verify`: check the audit log's hash chain; non-zero exit on any break."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.services import audit_verify


class Command(BaseCommand):
    help = "verify: recompute every audit row's hash and its link to the row before it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        checked, problems = audit_verify()
        for problem in problems[:50]:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"audit verify: {len(problems)} problems in {checked} rows")
        self.stdout.write(f"audit verify: {checked} rows, the chain is whole")
