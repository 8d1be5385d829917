"""Personal data: mainland ID-card and mobile numbers, bank account numbers, and machine secrets.

One field type (`PersonalDataField`) carries every kind (a secret, such as a partner bank's
signing key, is sealed the same way but has no search digest and prints fully masked). At rest the value is
AES-GCM ciphertext `v2:<key id>:<base64>` under a key derived from one of
settings.LIANXIN_PII_KEYS (the first encrypts, all decrypt; `lianxin pii rotate` moves
rows to the first); a sibling column `<name>_digest` holds a keyed HMAC of the
normalised value under the first key, so an officer can still find a resident by exact
phone or ID number (searches try every configured key's digest during a rotation). A
value that no configured key decrypts (a lost or changed key) reads as "unavailable"
and is logged: the page, the list and the API keep working, and saving the row keeps
the ciphertext as it was. In Python the value is a
`PersonalData`, whose str() is the masked form, so lists, logs and exports are
masked unless code asks for `.reveal()`; the only caller that shows a whole value
to a person is core.services.personal_data_reveal, which writes the audit row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

KIND_PHONE = "phone"
KIND_ID_CARD = "id_card"
KIND_ACCOUNT = "account"  # a bank account or card number (digits)
KIND_SECRET = "secret"  # a machine secret: sealed at rest, never searched, never shown
KINDS = (KIND_PHONE, KIND_ID_CARD, KIND_ACCOUNT, KIND_SECRET)
# Kinds whose rows carry a keyed digest, so an exact value can be found.
SEARCHABLE_KINDS = (KIND_PHONE, KIND_ID_CARD, KIND_ACCOUNT)
SECRET_MAX_CHARS = 256
SECRET_MASK = "********"

# v2:<key id>:<base64 nonce + sealed>; v1:<base64> (before key ids) is read with every key.
CIPHERTEXT_PREFIX = "v2:"
LEGACY_PREFIX = "v1:"
AES_NONCE_BYTES = 12

logger = logging.getLogger("lianxin.pii")


class UndecryptableError(ValueError):
    """No configured key opens this ciphertext (the key was lost or changed), or it was tampered with."""


# GB 11643-1999: weights of the first 17 digits and the check character for sum mod 11.
ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CARD_CHECK_CHARS = "10X98765432"
ID_CARD_RE = re.compile(r"^[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9X]$")
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
ACCOUNT_RE = re.compile(r"^[0-9]{6,32}$")
SEPARATORS_RE = re.compile(r"[\s\-()（）]")


def normalise(kind: str, raw: str) -> str:
    """Return the canonical form: digits only for phones (+86 dropped), upper-case X for IDs; a secret as given."""
    if kind == KIND_SECRET:
        return str(raw)
    text = SEPARATORS_RE.sub("", str(raw)).upper()
    text = text.translate(str.maketrans("０１２３４５６７８９Ｘ", "0123456789X"))
    if kind == KIND_PHONE:
        if text.startswith("+86"):
            text = text[3:]
        elif text.startswith("0086"):
            text = text[4:]
    return text


def id_card_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_CARD_WEIGHTS, strict=True))
    return ID_CARD_CHECK_CHARS[total % 11]


def validate(kind: str, raw: str) -> str:
    """Return the normalised value, or raise ValidationError naming what is wrong."""
    value = normalise(kind, raw)
    if kind == KIND_PHONE:
        if not MOBILE_RE.match(value):
            raise ValidationError(
                _("Enter a mainland mobile number of 11 digits starting with 13–19."), code="invalid_phone"
            )
        return value
    if kind == KIND_ID_CARD:
        if not ID_CARD_RE.match(value):
            raise ValidationError(_("Enter an 18-character resident ID number."), code="invalid_id_card")
        if id_card_check_char(value[:17]) != value[17]:
            raise ValidationError(
                _("The ID number's check character does not match; please check it."), code="invalid_id_card_checksum"
            )
        return value
    if kind == KIND_ACCOUNT:
        if not ACCOUNT_RE.match(value):
            raise ValidationError(_("Enter the account or card number: 6 to 32 digits."), code="invalid_account")
        return value
    if kind == KIND_SECRET:
        if not value.strip() or len(value) > SECRET_MAX_CHARS:
            raise ValidationError(
                _("A secret is 1 to %(n)d characters.") % {"n": SECRET_MAX_CHARS}, code="invalid_secret"
            )
        return value
    raise ValueError(f"unknown personal data kind {kind!r}")


def mask(kind: str, value: str) -> str:
    """Return the masked form shown in lists, logs and exports (138****5678, 2101**********1234,
    6222 **** **** 1234; a secret is all stars, whatever its length)."""
    if not value:
        return ""
    if kind == KIND_SECRET:
        return SECRET_MASK
    if kind == KIND_ACCOUNT:
        return f"{value[:4]} **** **** {value[-4:]}" if len(value) > 8 else "*" * len(value)
    if kind == KIND_PHONE:
        return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


@lru_cache(maxsize=16)
def _keys(secret: str) -> tuple[bytes, bytes]:
    """Derive the encryption key and the digest key from one configured secret."""
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"lianxin-pii", info=b"v1").derive(secret.encode())
    return material[:32], material[32:]


def configured_keys() -> tuple[tuple[str, str], ...]:
    """Return (key id, secret) pairs, newest first; raises ValueError when none is configured."""
    keys = tuple(settings.LIANXIN_PII_KEYS)
    if not keys:
        raise ValueError("no personal-data key is configured (LIANXIN_PII_KEY or LIANXIN_PII_KEYS)")
    return keys


def current_key_id() -> str:
    return configured_keys()[0][0]


def key_id_of(token: str) -> str | None:
    """Return the key id a ciphertext names (None for a legacy v1 one)."""
    if token.startswith(CIPHERTEXT_PREFIX):
        return token[len(CIPHERTEXT_PREFIX) :].split(":", 1)[0]
    return None


def encrypt(plaintext: str) -> str:
    """Return printable AES-GCM ciphertext of plaintext under the newest key (a fresh nonce each call)."""
    key_id, secret = configured_keys()[0]
    enc_key, _digest_key = _keys(secret)
    nonce = os.urandom(AES_NONCE_BYTES)
    sealed = AESGCM(enc_key).encrypt(nonce, plaintext.encode(), None)
    return f"{CIPHERTEXT_PREFIX}{key_id}:{base64.b64encode(nonce + sealed).decode()}"


def _open(secret: str, payload: str) -> str:
    raw = base64.b64decode(payload, validate=True)
    enc_key, _digest_key = _keys(secret)
    return AESGCM(enc_key).decrypt(raw[:AES_NONCE_BYTES], raw[AES_NONCE_BYTES:], None).decode()


def decrypt(token: str) -> str:
    """Return the plaintext of a token from encrypt(); raises UndecryptableError if no key opens it."""
    keys = dict(configured_keys())
    try:
        if token.startswith(CIPHERTEXT_PREFIX):
            key_id, _sep, payload = token[len(CIPHERTEXT_PREFIX) :].partition(":")
            if key_id not in keys:
                raise UndecryptableError(f"the key {key_id!r} is not configured")
            return _open(keys[key_id], payload)
        if token.startswith(LEGACY_PREFIX):
            for secret in keys.values():
                try:
                    return _open(secret, token[len(LEGACY_PREFIX) :])
                except InvalidTag:
                    continue
            raise UndecryptableError("no configured key opens this legacy ciphertext")
    except (InvalidTag, binascii.Error, UnicodeDecodeError) as exc:
        raise UndecryptableError("the ciphertext was tampered with or its key changed") from exc
    raise UndecryptableError("not a Lianxin personal-data ciphertext")


SEARCH_TOKEN_PREFIX = "h:"


def search_token(kind: str, raw: str) -> str:
    """Return a search token for a whole number: its keyed digest, safe in a URL and a log (h:<hex>)."""
    return f"{SEARCH_TOKEN_PREFIX}{kind[0]}{digest(kind, raw)}"


def search_token_digest(token: str) -> tuple[str, str] | None:
    """Return (kind, digest) of a search token from search_token(), or None if it is not one."""
    if not token.startswith(SEARCH_TOKEN_PREFIX) or len(token) != len(SEARCH_TOKEN_PREFIX) + 65:
        return None
    kinds = {k[0]: k for k in SEARCHABLE_KINDS}
    kind, value = kinds.get(token[len(SEARCH_TOKEN_PREFIX)]), token[len(SEARCH_TOKEN_PREFIX) + 1 :]
    if kind is None or any(c not in "0123456789abcdef" for c in value):
        return None
    return kind, value


def digest(kind: str, raw: str) -> str:
    """Return the keyed exact-match digest of a value (normalised first) under the newest key, hex."""
    return digests(kind, raw)[0]


def digests(kind: str, raw: str) -> list[str]:
    """Return the value's digest under every configured key, newest first (search during a rotation)."""
    value = normalise(kind, raw)
    return [
        hmac.new(_keys(secret)[1], f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
        for _key_id, secret in configured_keys()
    ]


class PersonalData:
    """A whole personal-data value that prints masked.

    str(), repr() and format() give the masked form; `.reveal()` gives the whole
    value and must only be reached through an audited path.
    """

    __slots__ = ("kind", "_value")

    def __init__(self, kind: str, value: str):
        self.kind = kind
        self._value = value

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        return mask(self.kind, self._value)

    @property
    def last4(self) -> str:
        return self._value[-4:]

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"PersonalData({self.kind}, {self.masked!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersonalData):
            return self.kind == other.kind and self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


class UnavailablePersonalData(PersonalData):
    """A stored value no configured key opens: shows as unavailable, and saves back its ciphertext unchanged."""

    __slots__ = ("token",)

    def __init__(self, kind: str, token: str):
        super().__init__(kind, "")
        self.token = token

    def reveal(self) -> str:
        return str(UNAVAILABLE_TEXT)

    @property
    def masked(self) -> str:
        return str(UNAVAILABLE_TEXT)

    @property
    def last4(self) -> str:
        return ""

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnavailablePersonalData) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


UNAVAILABLE_TEXT = _("(unavailable)")


class PersonalDataField(models.TextField):
    """Encrypted personal data with an indexed keyed digest column beside it.

    Declaring `phone = PersonalDataField(kind="phone", blank=True)` adds
    `phone_digest` (indexed) to the model; it is set on every save (left empty for a secret).
    """

    description = "Encrypted personal data (ID-card, mobile or account number, or a secret)"

    def __init__(self, *args, kind: str = KIND_PHONE, **kwargs):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        self.kind = kind
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        digest_name = f"{name}_digest"
        # Migration state models ("__fake__") carry the digest column explicitly already.
        if not cls._meta.abstract and cls.__module__ != "__fake__":
            digest_field = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
            digest_field.creation_counter = self.creation_counter + 0.5
            cls.add_to_class(digest_name, digest_field)

    def _wrap(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, PersonalData):
            return value
        return PersonalData(self.kind, validate(self.kind, value))

    def from_db_value(self, value, expression, connection):
        if not value:
            return None
        try:
            return PersonalData(self.kind, decrypt(value))
        except UndecryptableError as exc:
            logger.warning(
                "personal data of kind %s (key %s) cannot be decrypted: %s", self.kind, key_id_of(value), exc
            )
            return UnavailablePersonalData(self.kind, value)

    def to_python(self, value):
        return self._wrap(value)

    def get_prep_value(self, value):
        if value is None or value == "":
            return ""
        if isinstance(value, UnavailablePersonalData):
            return value.token
        if isinstance(value, PersonalData):
            return encrypt(value.reveal())
        return encrypt(validate(self.kind, value))

    def pre_save(self, model_instance, add):
        value = self._wrap(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        if not isinstance(value, UnavailablePersonalData):  # its digest stays what it was
            searchable = value and self.kind in SEARCHABLE_KINDS
            setattr(model_instance, f"{self.name}_digest", digest(self.kind, value.reveal()) if searchable else "")
        return value

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return str(value) if value else ""

    def formfield(self, **kwargs):
        from django import forms

        return forms.CharField(max_length=32, required=not self.blank, **kwargs)
