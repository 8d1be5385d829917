"""The victim's own account on a loss's transfers is personal data: sealed at rest, with a keyed digest.

The column becomes a PersonalDataField of kind "account"; rows already there (plain text) are
sealed under the newest key and given their digest. Reversible while the keys are configured.
"""

from django.db import migrations, models
from django.db.models import TextField, Value
from django.db.models.functions import Cast

import lianxin.core.pii
from lianxin.core import pii


def _is_sealed(raw: str) -> bool:
    return pii.key_id_of(raw) is not None or raw.startswith(pii.LEGACY_PREFIX)


def _raw(LossTransfer):
    # Cast to text, so the field does not try to open what is still plain text.
    return LossTransfer.objects.annotate(raw=Cast("from_account", output_field=TextField())).values_list("pk", "raw")


def seal(apps, schema_editor):
    LossTransfer = apps.get_model("antifraud", "LossTransfer")
    for pk, raw in _raw(LossTransfer):
        if raw and not _is_sealed(raw):
            value = pii.normalise(pii.KIND_ACCOUNT, raw)
            LossTransfer.objects.filter(pk=pk).update(
                from_account=Value(pii.encrypt(value), output_field=TextField()),
                from_account_digest=pii.digest(pii.KIND_ACCOUNT, value),
            )


def unseal(apps, schema_editor):
    LossTransfer = apps.get_model("antifraud", "LossTransfer")
    for pk, raw in _raw(LossTransfer):
        if raw and _is_sealed(raw):
            plain = pii.decrypt(raw)  # raises if the key is gone: better than losing the number
            LossTransfer.objects.filter(pk=pk).update(
                from_account=Value(plain[:40], output_field=TextField()), from_account_digest=""
            )


class Migration(migrations.Migration):
    dependencies = [
        ("antifraud", "0005_bank_link_secret_sealed"),
    ]

    operations = [
        migrations.AddField(
            model_name="losstransfer",
            name="from_account_digest",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="losstransfer",
            name="from_account",
            field=lianxin.core.pii.PersonalDataField(
                blank=True, default="", kind="account", verbose_name="from account"
            ),
        ),
        migrations.RunPython(seal, unseal),
    ]
