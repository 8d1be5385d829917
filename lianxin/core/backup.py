"""Backups that restore: the database as it is stored (ciphertexts untouched), never the keys.

`dumpdata` goes through the models, so personal data comes out masked and the dump cannot
be loaded back. A backup here copies the database itself: SQLite through its online backup
API (a consistent copy while the site runs), PostgreSQL through pg_dump's custom format.
Beside it a manifest (`<file>.json`) names the engine, the time, the row counts and the ids
(never the secrets) of the personal-data keys its ciphertexts need; restore refuses a backup
whose keys are not configured, and refuses a target database that already holds data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from lianxin.core import pii

MANIFEST_SUFFIX = ".json"
BACKUP_FILE_MODE = 0o600  # backups hold every resident's (encrypted) numbers: owner only


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason in plain words."""


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.managed and m._meta.app_label != "contenttypes"
    }


def _key_ids_in_use() -> list[str]:
    found: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, pii.PersonalDataField):
                raw = model._base_manager.annotate(raw=Cast(field.attname, output_field=TextField()))
                for token in raw.exclude(raw="").values_list("raw", flat=True).distinct().iterator():
                    found.add(pii.key_id_of(token) or "v1")
    return sorted(found)


def _pg_env(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return args, env


def backup_write(path: Path, *, now: dt.datetime) -> dict:
    """Write a backup of the default database to path (and its manifest); return the manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": 1,
        "engine": connection.vendor,
        "created_at": now.isoformat(),
        "counts": _counts(),
        "pii_key_ids": _key_ids_in_use(),
    }
    old_umask = os.umask(0o077)
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(path)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        elif connection.vendor == "postgresql":
            args, env = _pg_env(connection.settings_dict)
            done = subprocess.run(
                ["pg_dump", *args, "-Fc", "--no-owner", "-f", str(path), connection.settings_dict["NAME"]],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
        else:
            raise BackupError(f"backups of {connection.vendor} databases are not supported")
        Path(f"{path}{MANIFEST_SUFFIX}").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    finally:
        os.umask(old_umask)
    os.chmod(path, BACKUP_FILE_MODE)
    return manifest


def backup_read_manifest(path: Path) -> dict:
    try:
        return json.loads(Path(f"{path}{MANIFEST_SUFFIX}").read_text())
    except FileNotFoundError:
        raise BackupError(f"no manifest {path}{MANIFEST_SUFFIX} beside the backup") from None
    except json.JSONDecodeError as exc:
        raise BackupError(f"the manifest is not JSON: {exc}") from None


def restore_into(path: Path, *, settings_dict: dict, vendor: str) -> dict:
    """Restore a backup into the (empty) database described by settings_dict; return the manifest.

    Raises BackupError when the file or its manifest is missing, the engines differ, the
    keys its ciphertexts need are not configured, or the target already holds tables.
    """
    path = Path(path)
    if not path.exists():
        raise BackupError(f"no backup at {path}")
    manifest = backup_read_manifest(path)
    if manifest.get("engine") != vendor:
        raise BackupError(f"this is a {manifest.get('engine')} backup; the target is {vendor}")
    configured = {key_id for key_id, _secret in pii.configured_keys()}
    missing = [k for k in manifest.get("pii_key_ids", []) if k != "v1" and k not in configured]
    if missing:
        raise BackupError("the backup's numbers need personal-data keys that are not configured: " + ", ".join(missing))
    if vendor == "sqlite":
        target_path = Path(settings_dict["NAME"])
        if target_path.exists() and target_path.stat().st_size > 0:
            existing = sqlite3.connect(target_path)
            try:
                tables = existing.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            finally:
                existing.close()
            if tables:
                raise BackupError(f"{target_path} already holds {tables} tables; restore into an empty database")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source, target = sqlite3.connect(path), sqlite3.connect(target_path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        os.chmod(target_path, BACKUP_FILE_MODE)
    elif vendor == "postgresql":
        args, env = _pg_env(settings_dict)
        probe = subprocess.run(
            [
                "psql",
                *args,
                "-d",
                settings_dict["NAME"],
                "-tAc",
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if probe.returncode:
            raise BackupError(f"cannot reach the target database: {probe.stderr.strip()[:500]}")
        if int(probe.stdout.strip() or 0):
            raise BackupError("the target database already holds tables; restore into an empty database")
        done = subprocess.run(
            ["pg_restore", *args, "--no-owner", "--exit-on-error", "-d", settings_dict["NAME"], str(path)],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")
    else:
        raise BackupError(f"restores into {vendor} databases are not supported")
    return manifest
