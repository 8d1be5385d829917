"""A partner bank's signing secret is sealed at rest under the personal-data keys.

The column becomes a PersonalDataField of kind "secret"; the rows already there (plain text) are
sealed under the newest key. Reversible: going back opens each secret and stores it in plain text
again (only with the keys that sealed it configured).
"""

from django.db import migrations, models
from django.db.models import TextField, Value
from django.db.models.functions import Cast

import lianxin.core.pii
from lianxin.core import pii


def _raw_secrets(BankLink):
    # Cast to text, so the field does not try to open what is still plain text.
    return BankLink.objects.annotate(raw=Cast("secret", output_field=TextField())).values_list("pk", "raw")


def seal(apps, schema_editor):
    BankLink = apps.get_model("antifraud", "BankLink")
    for pk, raw in _raw_secrets(BankLink):
        if raw and pii.key_id_of(raw) is None and not raw.startswith(pii.LEGACY_PREFIX):
            BankLink.objects.filter(pk=pk).update(secret=Value(pii.encrypt(raw), output_field=TextField()))


def unseal(apps, schema_editor):
    BankLink = apps.get_model("antifraud", "BankLink")
    for pk, raw in _raw_secrets(BankLink):
        if raw and (pii.key_id_of(raw) is not None or raw.startswith(pii.LEGACY_PREFIX)):
            plain = pii.decrypt(raw)  # raises if the key is gone: better than losing the secret
            if len(plain) > 128:
                raise ValueError(f"bank link {pk}: its secret is longer than the plain column holds")
            BankLink.objects.filter(pk=pk).update(secret=Value(plain, output_field=TextField()))


class Migration(migrations.Migration):
    dependencies = [
        ("antifraud", "0004_screenshot_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="banklink",
            name="secret_digest",
            field=models.CharField(blank=True, db_index=True, default="", editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="banklink",
            name="secret",
            field=lianxin.core.pii.PersonalDataField(blank=True, default="", kind="secret"),
        ),
        migrations.RunPython(seal, unseal),
    ]
