"""`lianxin backup FILE`: a copy of the database that restores (ciphertexts as stored; keys never included)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lianxin.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Back up the database to FILE (SQLite online backup or pg_dump) with a manifest FILE.json."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            manifest = backup_write(file, now=timezone.now())
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        cases = manifest["counts"].get("cases.Case", 0)
        self.stdout.write(
            f"backup: {file} ({manifest['engine']}, {cases} cases; needs personal-data keys "
            f"{', '.join(manifest['pii_key_ids']) or '-'}, which are not in the backup)"
        )
