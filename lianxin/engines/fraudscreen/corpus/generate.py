"""Generate the Lianxin fraud-screening corpus from our own templates, reproducibly.

Steps:
1. For every scam class and every legitimate kind, draw samples from its template families
   (``msgs`` and ``stories``) with a seeded ``random.Random``.
2. Put each message into a register: SMS, chat lines, call transcript (甲/乙 turns), web post
   asking for help, or plain text. Stories stay first- or third-person narratives.
3. Obfuscate a share of them the way scammers dodge keyword filters: full-width characters,
   spaces or symbols between characters, homoglyphs and contact hints (薇信, ➕V, 扣扣), emoji.
4. Mark whole families as validation (``split == "val"``) so that held-out figures measure
   wording the model never saw.
"""

from __future__ import annotations

import random
import re

from lianxin.engines.fraudscreen.corpus.fraud_templates import FRAUD_CLASSES
from lianxin.engines.fraudscreen.corpus.legit_templates import LEGIT_KINDS, LEGIT_STORIES
from lianxin.engines.fraudscreen.corpus.slots import SLOT_POOLS, expand

CORPUS_SEED = 20261128
FRAUD_PER_CLASS = 420
LEGIT_PER_KIND = 150
LEGIT_STORY_COUNT = 240
OBFUSCATE_SHARE = 0.3

_SMS_SIGNATURES = ["【通知】", "【温馨提示】", "【客服中心】", "【重要】", "【系统消息】", ""]
_SMS_TAILS = ["", "", "回T退订", "拒收请回复R", "【退订回N】"]
_VICTIM_REPLIES = [
    "嗯",
    "好的",
    "啊？真的吗",
    "那怎么办",
    "我不太懂",
    "你是哪位",
    "哦哦",
    "可以",
    "要怎么弄",
    "是吗",
    "这样啊",
    "我看看",
]
_POST_OPENERS = ["大家帮忙看看，", "求助！", "请问各位，", "刚收到这个，", "急！", "有没有人知道，"]
_POST_CLOSERS = ["是不是骗子？", "这是真的吗？", "能信吗？", "靠谱吗？", "该怎么办？", "有人遇到过吗"]
_HOMOGLYPH_PHRASES = [
    ("微信", ["薇信", "威信", "V信", "vx", "➕V", "徽信", "wei信", "VX", "围信"]),
    ("QQ", ["扣扣", "蔻蔻", "Q Q", "qq", "企鹅"]),
    ("加", ["➕", "+", "家"]),
    ("转账", ["转帐", "zhuan账", "转zhang"]),
    ("账户", ["帐户", "账hu"]),
    ("银行卡", ["yh卡", "银行k", "銀行卡"]),
    ("刷单", ["刷dan", "shua单", "sd"]),
    ("贷款", ["代款", "贷kuan", "dk"]),
    ("兼职", ["兼zhi", "jian职"]),
    ("验证码", ["验证碼", "yzm", "验证ma"]),
    ("返利", ["反利", "fan利"]),
    ("赚钱", ["赚q", "zhuan钱", "賺錢"]),
]
_SEPARATORS = [" ", "*", "/", ".", "|", "~", "-", "丶", "·", "_"]
_FULLWIDTH_OFFSET = 0xFEE0


def _rng_for(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in (CORPUS_SEED, *parts)))


def _sentences(text: str) -> list[str]:
    parts = [p for p in re.split(r"(?<=[，。！？；])", text) if p.strip()]
    return parts or [text]


def _group(parts: list[str], rng: random.Random, most: int) -> list[str]:
    groups: list[str] = []
    cut = sorted(rng.sample(range(1, len(parts)), min(len(parts) - 1, rng.randint(1, most)))) if len(parts) > 1 else []
    start = 0
    for stop in [*cut, len(parts)]:
        groups.append("".join(parts[start:stop]))
        start = stop
    return groups


def _register(text: str, rng: random.Random, is_story: bool) -> tuple[str, str]:
    if is_story:
        roll = rng.random()
        if roll < 0.2:
            return rng.choice(_POST_OPENERS) + text + rng.choice(["", "，怎么办？", "，还能追回来吗？", "。"]), "post"
        return text, "story"
    roll = rng.random()
    if roll < 0.35:
        sig = "" if text.startswith("【") else rng.choice(_SMS_SIGNATURES)
        return sig + text + rng.choice(_SMS_TAILS), "sms"
    if roll < 0.6:
        lines = _group(_sentences(text), rng, 3)
        if rng.random() < 0.3:
            lines = [f"{rng.choice(['对方', '客服', '老师', '他', 'A'])}：{line}" for line in lines]
        return "\n".join(lines), "chat"
    if roll < 0.75:
        turns = _group(_sentences(text), rng, 4)
        lines = []
        for turn in turns:
            lines.append("甲：" + turn)
            lines.append("乙：" + rng.choice(_VICTIM_REPLIES))
        return "\n".join(lines[:-1] if rng.random() < 0.5 else lines), "call"
    if roll < 0.87:
        return rng.choice(_POST_OPENERS) + "收到这样一条消息：“" + text + "”" + rng.choice(_POST_CLOSERS), "post"
    return text, "plain"


def _obfuscate(text: str, rng: random.Random) -> str:
    ops = rng.sample(["homoglyph", "separators", "fullwidth", "emoji", "spaces"], rng.randint(1, 3))
    if "homoglyph" in ops:
        for plain, variants in _HOMOGLYPH_PHRASES:
            if plain in text and rng.random() < 0.7:
                text = text.replace(plain, rng.choice(variants))
    if "separators" in ops or "spaces" in ops:
        sep = " " if "spaces" in ops else rng.choice(_SEPARATORS)
        start = rng.randrange(max(1, len(text) - 8))
        span = text[start : start + rng.randint(4, 12)]
        text = text[:start] + sep.join(span) + text[start + len(span) :]
    if "fullwidth" in ops:
        text = "".join(chr(ord(c) + _FULLWIDTH_OFFSET) if "!" <= c <= "~" and rng.random() < 0.8 else c for c in text)
    if "emoji" in ops:
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(SLOT_POOLS["emoji"]) + text[at:]
    return text


def _is_val_family(index: int, count: int, stride: int) -> bool:
    """Hold out every ``stride``-th family (starting at 1) when a class has two or more."""
    return count >= 2 and index % stride == 1


def _draw(key: str, msgs: list[str], stories: list[str], count: int, label: int, extra: dict) -> list[dict]:
    rng = _rng_for(key)
    families = [("m", i, t) for i, t in enumerate(msgs)] + [("s", i, t) for i, t in enumerate(stories)]
    weights = [3.0 if kind == "m" else 2.0 for kind, _, _ in families]
    rows: list[dict] = []
    seen: set[str] = set()
    attempts = 0
    while len(rows) < count and attempts < count * 20:
        attempts += 1
        kind, index, template = rng.choices(families, weights)[0]
        raw = expand(template, rng)
        text, register = _register(raw, rng, is_story=(kind == "s"))
        is_obfuscated = rng.random() < OBFUSCATE_SHARE
        if is_obfuscated:
            text = _obfuscate(text, rng)
        if text in seen:
            continue
        seen.add(text)
        pool = msgs if kind == "m" else stories
        is_val = _is_val_family(index, len(pool), 4 if kind == "m" else 3)
        rows.append(
            {
                "text": text,
                "label": label,
                **extra,
                "family": f"{key}#{kind}{index}",
                "register": register,
                "is_obfuscated": is_obfuscated,
                "split": "val" if is_val else "train",
            }
        )
    return rows


def build_corpus() -> list[dict]:
    """Return every generated row (fraud classes, then legitimate kinds), deterministically."""
    rows: list[dict] = []
    for cls in FRAUD_CLASSES:
        key = cls["typology"] + "/" + (cls["subtype"] or "-")
        rows += _draw(
            key,
            cls["msgs"],
            cls["stories"],
            FRAUD_PER_CLASS,
            1,
            {"typology": cls["typology"], "subtype": cls["subtype"], "kind": None},
        )
    for kind in LEGIT_KINDS:
        rows += _draw(
            "legit/" + kind["kind"],
            kind["msgs"],
            [],
            LEGIT_PER_KIND,
            0,
            {"typology": None, "subtype": "", "kind": kind["kind"]},
        )
    rows += _draw(
        "legit/自述", [], LEGIT_STORIES, LEGIT_STORY_COUNT, 0, {"typology": None, "subtype": "", "kind": "自述"}
    )
    return rows


if __name__ == "__main__":
    import collections
    import json
    import sys

    corpus = build_corpus()
    if "--jsonl" in sys.argv:
        for row in corpus:
            print(json.dumps(row, ensure_ascii=False))
    else:
        counts = collections.Counter((r["typology"] or "legit:" + r["kind"], r["subtype"], r["split"]) for r in corpus)
        for key, value in sorted(counts.items(), key=str):
            print(key, value)
        print("total", len(corpus))
