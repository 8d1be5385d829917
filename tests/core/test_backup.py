"""A backup of a seeded station restores into an empty database with every row and number equal."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from lianxin.core import pii
from lianxin.core.backup import BackupError, backup_read_manifest, restore_into

TABLES = ("cases_case", "cases_caseevent", "core_auditentry", "people_resident", "core_user")


def _norm(value):
    """Compare values, not how two drivers' cursors dress them (a time's tzinfo object, JSON as text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False)
        except ValueError:
            return value
    return value


def _rows(cursor, table: str) -> list[tuple]:
    cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (fixed table names)
    return [tuple(_norm(v) for v in row) for row in cursor.fetchall()]


def _snapshot(cursor) -> dict[str, list[tuple]]:
    return {table: _rows(cursor, table) for table in TABLES}


def _numbers(cursor) -> list[str]:
    cursor.execute("SELECT phone, id_number FROM people_resident ORDER BY id")
    return [pii.decrypt(token) for row in cursor.fetchall() for token in row if token]


@pytest.fixture
def seeded(transactional_db, world, open_case):
    from lianxin.core.services import personal_data_reveal

    for _ in range(3):
        open_case()
    personal_data_reveal(actor=world.officer, target=world.resident, field="phone", reason="call_back")
    return world


def test_backup_then_restore_into_an_empty_database_gives_everything_back(seeded, tmp_path):
    backup = tmp_path / "station.backup"
    call_command("backup", str(backup), stdout=open(os.devnull, "w"))
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    manifest = backup_read_manifest(backup)
    assert manifest["pii_key_ids"] == ["k1"] and manifest["counts"]["cases.Case"] == 3
    assert "lianxin-demo-pii-key" not in backup.with_name(backup.name + ".json").read_text()
    connection.ensure_connection()
    cursor = connection.connection.cursor()  # the driver's cursor, as on the restored side
    before, numbers = _snapshot(cursor), _numbers(cursor)
    cursor.close()
    assert len(before["core_auditentry"]) == 1 and "13812345678" in numbers

    if connection.vendor == "sqlite":
        target = tmp_path / "restored.sqlite3"
        restore_into(backup, settings_dict={"NAME": str(target)}, vendor="sqlite")
        # The same converters as Django's own SQLite connection, so both sides read alike.
        restored = sqlite3.connect(target, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES)
        cursor = restored.cursor()
        after, numbers_after = _snapshot(cursor), _numbers(cursor)
        restored.close()
        with pytest.raises(BackupError, match="already holds"):
            restore_into(backup, settings_dict={"NAME": str(target)}, vendor="sqlite")
    else:
        import psycopg

        settings_dict = dict(connection.settings_dict)
        name = f"{settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
        dsn = {
            k: v
            for k, v in {
                "host": settings_dict.get("HOST"),
                "port": settings_dict.get("PORT"),
                "user": settings_dict.get("USER"),
                "password": settings_dict.get("PASSWORD"),
            }.items()
            if v
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            restore_into(backup, settings_dict={**settings_dict, "NAME": name}, vendor="postgresql")
            with psycopg.connect(dbname=name, **dsn) as restored, restored.cursor() as cursor:
                after, numbers_after = _snapshot(cursor), _numbers(cursor)
        finally:
            with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert after == before
    assert numbers_after == numbers


def test_a_backup_whose_keys_are_not_configured_is_refused(seeded, tmp_path, settings):
    backup = tmp_path / "station.backup"
    call_command("backup", str(backup), stdout=open(os.devnull, "w"))
    settings.LIANXIN_PII_KEYS = (("k7", "another-key"),)
    with pytest.raises(BackupError, match="k1"):
        restore_into(backup, settings_dict={"NAME": str(tmp_path / "x.sqlite3")}, vendor=connection.vendor)


def test_restore_needs_the_file_and_its_manifest(tmp_path, db):
    with pytest.raises(BackupError, match="no backup"):
        restore_into(tmp_path / "missing", settings_dict={"NAME": str(tmp_path / "t")}, vendor="sqlite")
    (tmp_path / "lone").write_bytes(b"x")
    with pytest.raises(BackupError, match="manifest"):
        restore_into(tmp_path / "lone", settings_dict={"NAME": str(tmp_path / "t")}, vendor="sqlite")
