"""`lianxin pii rotate`: re-encrypt personal data under the newest key, in batches, resumable.

Put the new key first in LIANXIN_PII_KEYS (keep the old ones after it), restart the web
and worker processes, then run this. Each batch is its own transaction; a row already under
the newest key is skipped, so an interrupted run simply starts again where it left off.
Rows no configured key opens are counted and left as they are.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast

from lianxin.core import pii

DEFAULT_BATCH = 500


def personal_data_columns() -> list[tuple[type[models.Model], list[pii.PersonalDataField]]]:
    """Return every model with personal-data fields and those fields."""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.get_fields() if isinstance(f, pii.PersonalDataField)]
        if fields:
            found.append((model, fields))
    return found


def _raw(queryset, fields, *, limit: int | None = None) -> list[tuple]:
    """Return (pk, ciphertext, ...) rows: cast to text, so the field does not decrypt them."""
    names = [f"raw_{f.attname}" for f in fields]
    annotated = queryset.annotate(
        **{n: Cast(f.attname, output_field=models.TextField()) for n, f in zip(names, fields, strict=True)}
    )
    rows = annotated.values_list("pk", *names)
    return list(rows[:limit] if limit is not None else rows)


def rotate(*, batch: int = DEFAULT_BATCH, stdout=None) -> dict[str, int]:
    """Re-encrypt every stored value that is not under the newest key; return rows changed per model."""
    newest = pii.current_key_id()
    done: dict[str, int] = {}
    for model, fields in personal_data_columns():
        label = model._meta.label
        done[label] = 0
        last_pk = None
        while True:
            rows = model._base_manager.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            # Read the raw ciphertexts: only rows whose key is not the newest need work.
            chunk = _raw(rows, fields, limit=batch)
            if not chunk:
                break
            last_pk = chunk[-1][0]
            stale = [row[0] for row in chunk if any(t and pii.key_id_of(t) != newest for t in row[1:])]
            if stale:
                with transaction.atomic():
                    for obj in model._base_manager.select_for_update().filter(pk__in=stale):
                        if any(isinstance(getattr(obj, f.attname), pii.UnavailablePersonalData) for f in fields):
                            continue  # no configured key opens it: leave it exactly as it is
                        update = [f.attname for f in fields] + [f"{f.name}_digest" for f in fields]
                        obj.save(update_fields=update)
                        done[label] += 1
            if stdout is not None:
                stdout.write(f"{label}: up to id {last_pk}, {done[label]} re-encrypted")
    return done


class Command(BaseCommand):
    help = "Personal-data keys: `rotate` re-encrypts every value under the newest key of LIANXIN_PII_KEYS."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rotate", "status"])
        parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="rows per transaction")

    def handle(self, *args, action: str, batch: int, **options):
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        if action == "status":
            for model, fields in personal_data_columns():
                counts: dict[str, int] = {}
                for row in _raw(model._base_manager.all(), fields):
                    for token in row[1:]:
                        if token:
                            key = pii.key_id_of(token) or "v1"
                            counts[key] = counts.get(key, 0) + 1
                self.stdout.write(f"{model._meta.label}: " + (", ".join(f"{k}={v}" for k, v in counts.items()) or "-"))
            return
        done = rotate(batch=batch, stdout=self.stdout)
        self.stdout.write("pii rotate: " + ", ".join(f"{label}={n}" for label, n in done.items()))
