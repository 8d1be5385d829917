"""`lianxin restore FILE`: restore a backup into the configured database, which must be empty."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from lianxin.core.backup import BackupError, restore_into


class Command(BaseCommand):
    help = "Restore FILE (from `lianxin backup`) into the configured, empty database."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        settings_dict = dict(connection.settings_dict)
        connection.close()
        try:
            manifest = restore_into(file, settings_dict=settings_dict, vendor=connection.vendor)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restore: {file} from {manifest['created_at']} into {settings_dict['NAME']}")
