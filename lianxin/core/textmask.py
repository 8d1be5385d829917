"""Mask personal numbers inside free text: mobile numbers, resident ID numbers, bank card numbers.

Public text (what a reporter, an anonymous tracker or an Open311 client reads) passes
through `mask_numbers` so a number typed into a note or a description never leaves the
station whole. Detection is by shape and check digit, so an ordinary amount or a date is
left alone: an ID number needs its GB 11643 check character, a card number its Luhn check.
"""

from __future__ import annotations

import re

from lianxin.core.pii import ID_CARD_RE, KIND_ID_CARD, KIND_PHONE, id_card_check_char, mask

# Runs of digits (with the X of an ID) not glued to other digits or letters; spaces and
# hyphens inside a card or phone number are allowed (6222 0212 3456 7890).
_RUN_RE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[\s-]?)?\d(?:[\d\s-]{9,24}\d|\d{10})[Xx]?(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
CARD_MIN_DIGITS = 16
CARD_MAX_DIGITS = 19


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


KIND_CARD = "bank_card"


def _kind(run: str) -> str | None:
    """Return the personal-data kind of a run of digits (phone, ID card, bank card), or None."""
    compact = re.sub(r"[\s-]", "", run).upper()
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("86") and len(compact) == 13:
        compact = compact[2:]
    if _MOBILE_RE.match(compact):
        return KIND_PHONE
    if len(compact) == 18 and ID_CARD_RE.match(compact) and id_card_check_char(compact[:17]) == compact[17]:
        return KIND_ID_CARD
    if compact.isdigit() and CARD_MIN_DIGITS <= len(compact) <= CARD_MAX_DIGITS and _luhn_ok(compact):
        return KIND_CARD
    return None


def kinds_in(text: str) -> set[str]:
    """Return the kinds of personal number found in text (KIND_PHONE, KIND_ID_CARD, KIND_CARD)."""
    return {kind for match in _RUN_RE.finditer(text or "") if (kind := _kind(match.group())) is not None}


def _masked(run: str) -> str | None:
    compact = re.sub(r"[\s-]", "", run).upper()
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("86") and len(compact) == 13:
        compact = compact[2:]
    if _MOBILE_RE.match(compact):
        return mask(KIND_PHONE, compact)
    if len(compact) == 18 and ID_CARD_RE.match(compact) and id_card_check_char(compact[:17]) == compact[17]:
        return mask(KIND_ID_CARD, compact)
    if compact.isdigit() and CARD_MIN_DIGITS <= len(compact) <= CARD_MAX_DIGITS and _luhn_ok(compact):
        return compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return None


def find_numbers(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, masked form) of each personal number in text."""
    found = []
    for match in _RUN_RE.finditer(text or ""):
        masked = _masked(match.group())
        if masked is not None:
            found.append((match.start(), match.end(), masked))
    return found


def mask_numbers(text: str) -> str:
    """Return text with every mobile, ID and bank card number in it masked (138****5678)."""
    if not text:
        return text
    out, last = [], 0
    for start, end, masked in find_numbers(text):
        out += [text[last:start], masked]
        last = end
    out.append(text[last:])
    return "".join(out)
