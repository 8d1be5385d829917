"""Extract phone numbers, URLs, bank accounts, QQ/WeChat ids and amounts, with offsets.

Patterns run over the *normalised* text (full-width folded, separators between characters
removed) so "１３８ ００１３ ８０００" or "薇 信" are still found; every span is mapped back to
the original message through ``NormalBatch.origin``, so ``text[start:end]`` of the input is
exactly the characters that were matched.
"""

from __future__ import annotations

import bisect
import re

ENTITY_KINDS = ("phones", "urls", "accounts", "im_ids", "amounts_fen")

_TLDS = "com|cn|net|org|top|xyz|vip|cc|shop|icu|club|info|me|io|app|tk|site|online|link|pro|wang|ltd|live|fun|co|biz|hk|tw|asia"
_D = r"(?:\d ?)"
# Every entity starts with one of these characters; the lookahead lets the regex engine skip
# the Chinese text in between cheaply.
_FIRST_CHARS = "0-9a-z¥$人扣蔻企球微薇威徽围卫一二两三四五六七八九十百千"
_PATTERN = re.compile(
    rf"(?=[{_FIRST_CHARS}])(?:"
    rf"(?P<url>(?:https?://|www\.)[a-z0-9\-._~/?#=&%:+]+|(?<![a-z0-9@.])[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:{_TLDS})(?![a-z0-9])(?:/[a-z0-9\-._~/?#=&%+]*)?)"
    r"|(?P<qq>(?:qq|扣扣|蔻蔻|企鹅|q q|球球)(?:号|号码)?[:： ]?(?P<qq_id>[1-9]\d{4,10})(?!\d))"
    r"|(?P<wx>(?:微信|薇信|v信|vx|wx|weixin|wei信|威信|徽信|围信|v|卫星)(?:号|号码)?[:：+ ]?(?P<wx_id>[a-z][a-z0-9_\-]{5,19}|1[3-9]\d{9}(?!\d)))"
    r"|(?P<card>(?<![\d-])\d(?:[ -]?\d){15,18}(?![\d-]))"
    rf"|(?P<phone>(?<![\d.])(?:1[ -]?[3-9](?:[ -]?\d){{9}}|0\d{{2,3}}-?[2-9]\d{{6,7}}|400[ -]?\d{{3}}[ -]?\d{{4}}|95\d{{3}}(?:\d{{2,3}})?|96110|12381|12315|12345|10086|10010|10000)(?![\d]))"
    r"|(?P<amount>(?:[¥$]|人民币)? ?(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?) ?(?P<unit>万元|万块|万|千元|千块|元|块钱|块|rmb)|[¥](?P<num2>\d+(?:\.\d{1,2})?)|(?<![一二两三四五六七八九十百千])(?P<cnum>[一二两三四五六七八九十百千]+)(?P<cunit>万元|万块|万|千元|千块|元|块钱|块)))"
)
_CN_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_UNIT_FEN = {
    "万元": 1_000_000,
    "万块": 1_000_000,
    "万": 1_000_000,
    "千元": 100_000,
    "千块": 100_000,
    "元": 100,
    "块钱": 100,
    "块": 100,
    "rmb": 100,
}


def _chinese_number(chars: str) -> int | None:
    total, digit = 0, 0
    for char in chars:
        if char in _CN_DIGIT:
            digit = _CN_DIGIT[char]
        elif char in _CN_UNIT:
            total += (digit or 1) * _CN_UNIT[char]
            digit = 0
        else:
            return None
    return total + digit or None


def _amount_fen(match: re.Match) -> int | None:
    if match.group("num") is not None:
        value = float(match.group("num").replace(",", ""))
        return round(value * _UNIT_FEN[match.group("unit")])
    if match.group("num2") is not None:
        return round(float(match.group("num2")) * 100)
    number = _chinese_number(match.group("cnum"))
    return None if number is None else number * _UNIT_FEN[match.group("cunit")]


def empty_entities() -> dict[str, list]:
    return {"phones": [], "urls": [], "accounts": [], "im_ids": [], "amounts_fen": []}


# A found entity is kept as one flat tuple (bucket, start, end, text, im kind or None, value)
# until someone reads it: screening a batch then allocates one tuple per entity instead of a
# dict of five lists per message (see ``entities_from``).
_GROUP = {"qq": "qq_id", "wx": "wx_id"}
_BUCKET = {
    "url": "urls",
    "phone": "phones",
    "card": "accounts",
    "qq": "im_ids",
    "wx": "im_ids",
    "amount": "amounts_fen",
}
_IM_KIND = {"qq": "qq", "wx": "wechat"}


def entities_from(raw: list[tuple] | None) -> dict[str, list]:
    """Build the JSON-shaped entities dict from the tuples ``extract_raw`` found."""
    found = empty_entities()
    for bucket, start, end, text, kind, value in raw or ():
        if kind is None:
            found[bucket].append({"start": start, "end": end, "text": text, "value": value})
        else:
            found[bucket].append({"start": start, "end": end, "text": text, "kind": kind, "value": value})
    return found


def extract(normal_text: str, origin, original: str, base: int = 0) -> dict[str, list]:
    """Return entities found in ``normal_text`` with spans in ``original``.

    ``origin[base + j]`` is the original offset of normalised character j (``origin`` may be
    the whole batch's array; ``base`` is where this message starts in it).
    """
    return entities_from(extract_raw(normal_text, origin, original, base))


def extract_raw(normal_text: str, origin, original: str, base: int = 0) -> list[tuple] | None:
    """Like ``extract`` but return the entity tuples (None when there are none)."""
    raw = [item for match in _PATTERN.finditer(normal_text) if (item := _item(match, 0, origin, original, base))]
    return raw or None


def extract_batch_raw(joined: str, starts: list[int], origin, originals: list[str]) -> list[list[tuple] | None]:
    """Extract entity tuples for every message of a batch in one regex pass.

    ``joined`` is the normalised batch with one boundary character between messages (so the
    offset of message i inside it is ``starts[i] + i``); no pattern matches the boundary.
    """
    out: list = [None] * len(originals)
    offsets = [start + i for i, start in enumerate(starts[:-1])]
    for match in _PATTERN.finditer(joined):
        i = bisect.bisect_right(offsets, match.start()) - 1
        item = _item(match, offsets[i], origin, originals[i], starts[i])
        if item is not None:
            if out[i] is None:
                out[i] = [item]
            else:
                out[i].append(item)
    return out


# kind -> (group holding the value or None, bucket, IM kind or None, how to read the value)
_KIND_INFO = {
    kind: (_GROUP.get(kind), _BUCKET[kind], _IM_KIND.get(kind), "group" if kind in _GROUP else kind) for kind in _BUCKET
}


def _item(match: re.Match, shift: int, origin, original: str, base: int) -> tuple | None:
    group, bucket, im_kind, read = _KIND_INFO[match.lastgroup or "amount"]
    start_n, end_n = match.span(group) if group else match.span()
    start = int(origin[base + start_n - shift])
    end = int(origin[base + end_n - shift - 1]) + 1
    if read == "url":
        value = match.group().rstrip(".,/")
    elif read == "phone" or read == "card":
        value = match.group().replace(" ", "").replace("-", "")
    elif group:
        value = match.group(group)
    else:
        value = _amount_fen(match)
        if not value:
            return None
    return bucket, start, end, original[start:end], im_kind, value
