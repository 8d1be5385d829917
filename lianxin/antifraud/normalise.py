"""Normalised blacklist keys: one value a lookup compares for equality, whatever way it was written.

A phone with +86, 0086, spaces or dashes is its digits; a link is its host (lower case) and
path without scheme, query or trailing slash; a domain also matches every subdomain (the
lookup asks for the host and each parent); an account is its digits; an IM id is lower case.
Phone keys are the keyed digest of core.pii, so no whole number rests in the blacklist table.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lianxin.core import pii

KIND_PHONE = "phone"
KIND_URL = "url"
KIND_DOMAIN = "domain"
KIND_ACCOUNT = "account"
KIND_IM = "im"
KINDS = (KIND_PHONE, KIND_URL, KIND_DOMAIN, KIND_ACCOUNT, KIND_IM)
# The engine's entity buckets and the blacklist kind each one is matched against.
ENTITY_BUCKET_KIND = {"phones": KIND_PHONE, "urls": KIND_URL, "accounts": KIND_ACCOUNT, "im_ids": KIND_IM}

PHONE_DIGITS_MIN = 5  # short service numbers (95xxx) are blacklisted too
PHONE_DIGITS_MAX = 15
ACCOUNT_DIGITS_MIN = 10
ACCOUNT_DIGITS_MAX = 30
VALUE_MAX_CHARS = 300
_NON_DIGITS = re.compile(r"\D")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9\u4e00-\u9fff-]{1,63}\.)+[a-z\u4e00-\u9fff]{2,63}$")
_IM_RE = re.compile(r"^[a-z0-9_\-]{4,40}$")


class BadValue(ValueError):
    """The value cannot be a blacklist entry of that kind; the message is for a person."""


def phone_digits(raw: str) -> str:
    text = str(raw).strip().translate(str.maketrans("０１２３４５６７８９＋", "0123456789+"))
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+86") or text.startswith("0086"):
        digits = digits[2:] if text.startswith("+") else digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _split_url(raw: str) -> tuple[str, str]:
    text = str(raw).strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().rstrip(".")
    return host, parts.path.rstrip("/")


def url_host(raw: str) -> str:
    return _split_url(raw)[0]


def normalise(kind: str, raw: str) -> str:
    """Return the comparable form of raw as a value of kind (raise BadValue naming the problem)."""
    raw = (raw or "").strip()
    if not raw:
        raise BadValue("empty value")
    if len(raw) > VALUE_MAX_CHARS:
        raise BadValue(f"longer than {VALUE_MAX_CHARS} characters")
    if kind == KIND_PHONE:
        digits = phone_digits(raw)
        if not (PHONE_DIGITS_MIN <= len(digits) <= PHONE_DIGITS_MAX):
            raise BadValue("not a phone number")
        return digits
    if kind in (KIND_URL, KIND_DOMAIN):
        host, path = _split_url(raw)
        if host.startswith("www."):
            host = host[4:]
        if not _HOST_RE.match(host):
            raise BadValue("not a web address")
        return host if kind == KIND_DOMAIN else host + path
    if kind == KIND_ACCOUNT:
        digits = _NON_DIGITS.sub("", raw)
        if not (ACCOUNT_DIGITS_MIN <= len(digits) <= ACCOUNT_DIGITS_MAX):
            raise BadValue("not a bank account number")
        return digits
    if kind == KIND_IM:
        value = raw.lower()
        if not _IM_RE.match(value):
            raise BadValue("not an IM id")
        return value
    raise BadValue(f"unknown kind {kind!r}")


def key_for(kind: str, normal: str) -> str:
    """Return the stored, indexed key of a normalised value (phones: their keyed digest)."""
    return pii.digest(pii.KIND_PHONE, normal) if kind == KIND_PHONE else normal


def shown_for(kind: str, normal: str) -> str:
    """Return what a list prints for a normalised value (phones masked)."""
    return pii.mask(pii.KIND_PHONE, normal) if kind == KIND_PHONE else normal


def lookup_keys(kind: str, raw: str) -> list[tuple[str, str]]:
    """Return the (kind, key) pairs that would match raw: a link also asks for its host and parents."""
    try:
        normal = normalise(kind, raw)
    except BadValue:
        return []
    keys = [(kind, key_for(kind, normal))]
    if kind == KIND_URL:
        host = normal.split("/", 1)[0]
        labels = host.split(".")
        keys.extend((KIND_DOMAIN, ".".join(labels[i:])) for i in range(len(labels) - 1))
    return keys
