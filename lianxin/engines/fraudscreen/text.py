"""Normalise a batch of messages and turn it into character n-gram keys, with numpy.

Scammers dodge keyword filters with full-width characters, separators between characters,
emoji and a few traditional or look-alike characters. Normalisation undoes that with one
lookup table over code points, and remembers where every kept character came from so cues
and entities can point at the exact characters of the *original* text.

Everything works on a whole batch at once: the messages are joined, turned into one array of
code points, mapped, and cut back into segments. That is what makes ``screen_many`` fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TABLE_SIZE = 0x30000  # code points at or above this are dropped (rare planes, private use)
DELETE = -1
BOUNDARY = 1  # code point that marks the gap between two messages in a joined batch
DIGIT_FEATURE = ord("0")  # every digit looks the same to the statistical model
NGRAM_SIZES = (1, 2, 3)
_SHIFT = 21  # bits per code point in an n-gram key; 3 * 21 = 63 bits fits int64

# Single characters that stand in for others in scam texts (traditional forms, look-alikes).
_CHAR_MAP = {
    "帳": "账",
    "帐": "账",
    "銀": "银",
    "錢": "钱",
    "賺": "赚",
    "轉": "转",
    "碼": "码",
    "貸": "贷",
    "單": "单",
    "費": "费",
    "號": "号",
    "戶": "户",
    "還": "还",
    "會": "会",
    "員": "员",
    "資": "资",
    "證": "证",
    "額": "额",
    "幣": "币",
    "點": "点",
    "紅": "红",
    "聯": "联",
    "係": "系",
    "絡": "络",
    "寶": "宝",
    "騙": "骗",
    "險": "险",
    "給": "给",
    "這": "这",
    "們": "们",
    "為": "为",
    "個": "个",
    "來": "来",
    "對": "对",
    "說": "说",
    "請": "请",
    "後": "后",
    "從": "从",
    "國": "国",
    "關": "关",
    "開": "开",
    "問": "问",
    "務": "务",
    "當": "当",
    "發": "发",
    "現": "现",
    "進": "进",
    "過": "过",
    "錄": "录",
    "機": "机",
    "網": "网",
    "區": "区",
    "運": "运",
    "營": "营",
    "導": "导",
    "萬": "万",
    "盤": "盘",
    "殺": "杀",
    "豬": "猪",
    "雙": "双",
    "讓": "让",
    "買": "买",
    "賣": "卖",
    "優": "优",
    "醫": "医",
    "藥": "药",
    "療": "疗",
    "護": "护",
    "補": "补",
    "訂": "订",
    "際": "际",
    "〇": "0",
    "①": "1",
    "②": "2",
    "③": "3",
    "④": "4",
    "⑤": "5",
    "⑥": "6",
    "⑦": "7",
    "⑧": "8",
    "⑨": "9",
    "➕": "+",
    "＋": "+",
    "￥": "¥",
    "＄": "$",
    "。": "。",
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "к": "k",
    "в": "b",
    "м": "m",
    "Ⅴ": "v",
    "ν": "v",
    "ｖ": "v",
    "Ｖ": "v",
}
# Dropped wherever they stand: whitespace, zero-width marks, decorations put between characters.
_ALWAYS_DROPPED = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\ufe0f*~|丶`^—–―'\"“”‘’「」『』<>《》"
# Dropped only between two CJK characters (安.全.账.户); kept elsewhere (URLs, amounts, sentences).
_SOFT_SEPARATORS = "./\\,，、·•:：;；+_-"
# Whitespace is kept (as one space) only between two ASCII letters or digits: "加vx abc123 138…".
_WHITESPACE = " \t\r\n\v\f\u3000\u00a0"
_DROPPED_RANGES = [
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x2460, 0x24FF),
    (0x2500, 0x27BF),
    (0x2900, 0x2BFF),
    (0x1F000, 0x1FAFF),
    (0xD800, 0xDFFF),
    (0xE000, 0xF8FF),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x3030, 0x3030),
]


def _build_table() -> np.ndarray:
    table = np.arange(TABLE_SIZE, dtype=np.int32)
    table[0] = DELETE
    table[BOUNDARY] = DELETE  # a message never contains the batch boundary itself
    for low, high in _DROPPED_RANGES:
        table[low : high + 1] = DELETE
    table[0xFF01:0xFF5F] = np.arange(0x21, 0x7F, dtype=np.int32)  # full-width ASCII
    table[ord("A") : ord("Z") + 1] = np.arange(ord("a"), ord("z") + 1, dtype=np.int32)
    table[ord("Ａ") : ord("Ｚ") + 1] = np.arange(ord("a"), ord("z") + 1, dtype=np.int32)
    for char in _ALWAYS_DROPPED:
        table[ord(char)] = DELETE
    for char in _WHITESPACE:
        table[ord(char)] = ord(" ")
    for src, dst in _CHAR_MAP.items():
        table[ord(src)] = ord(dst)
    for cp in range(0x0410, 0x0430):  # Cyrillic capitals: lower-case them before the look-alike map
        table[cp] = table[cp + 0x20]
    return table


_TABLE = _build_table()
_SOFT = np.zeros(TABLE_SIZE, dtype=bool)
for _char in _SOFT_SEPARATORS:
    _SOFT[ord(_char)] = True


def _is_ascii_alnum(codes: np.ndarray) -> np.ndarray:
    return ((codes >= ord("0")) & (codes <= ord("9"))) | ((codes >= ord("a")) & (codes <= ord("z")))


def _is_cjk(codes: np.ndarray) -> np.ndarray:
    return ((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))


@dataclass(frozen=True)
class NormalBatch:
    """A normalised batch: ``codes`` holds the kept characters of all messages back to back.

    ``starts[i]:starts[i+1]`` is message i inside ``codes`` and ``origin``; ``origin[j]`` is the
    index in the original message of kept character j.
    """

    codes: np.ndarray  # int32 code points after mapping
    origin: np.ndarray  # int64 offset of each kept character in its own original message
    starts: np.ndarray  # int64, len = n_messages + 1

    def text(self, i: int) -> str:
        return self.codes[self.starts[i] : self.starts[i + 1]].astype(np.uint32).tobytes().decode("utf-32-le")

    def all_text(self) -> str:
        """All messages joined by the boundary character (for one regex pass over a batch)."""
        joined = np.insert(self.codes, self.starts[1:-1], BOUNDARY) if len(self.starts) > 2 else self.codes
        return joined.astype(np.uint32).tobytes().decode("utf-32-le")


def normalize_batch(texts: list[str]) -> NormalBatch:
    """Map and clean every message; never raises on odd characters (they are dropped)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    raw = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    msg_of = np.repeat(np.arange(len(texts)), lengths)
    msg_start = np.concatenate(([0], np.cumsum(lengths)[:-1])) if len(texts) else np.zeros(0, dtype=np.int64)
    in_table = raw < TABLE_SIZE
    mapped = np.where(in_table, _TABLE[np.where(in_table, raw, 0)], DELETE).astype(np.int32)
    keep = mapped != DELETE
    safe = np.clip(mapped, 0, TABLE_SIZE - 1)
    soft = keep & (_SOFT[safe] | (mapped == ord(" ")))
    if soft.any():
        # Soft separators: punctuation between two CJK characters and whitespace anywhere but
        # between two ASCII letters/digits are noise put there to break keyword filters.
        kept_idx = np.flatnonzero(keep)
        kept_codes = mapped[kept_idx]
        kept_msg = msg_of[kept_idx]
        same_prev = np.concatenate(([False], kept_msg[:-1] == kept_msg[1:]))
        same_next = np.concatenate((kept_msg[1:] == kept_msg[:-1], [False]))
        cjk = _is_cjk(kept_codes)
        alnum = _is_ascii_alnum(kept_codes)
        prev_cjk = np.concatenate(([False], cjk[:-1])) & same_prev
        next_cjk = np.concatenate((cjk[1:], [False])) & same_next
        prev_alnum = np.concatenate(([False], alnum[:-1])) & same_prev
        next_alnum = np.concatenate((alnum[1:], [False])) & same_next
        is_space = kept_codes == ord(" ")
        drop = (soft[kept_idx] & ~is_space & prev_cjk & next_cjk) | (is_space & ~(prev_alnum & next_alnum))
        keep[kept_idx[drop]] = False
    kept = np.flatnonzero(keep)
    codes = mapped[kept]
    origin = kept - msg_start[msg_of[kept]] if len(kept) else np.zeros(0, dtype=np.int64)
    counts = np.bincount(msg_of[kept], minlength=len(texts)) if len(kept) else np.zeros(len(texts), dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return NormalBatch(codes=codes, origin=origin, starts=starts)


_TABLE_LIST = _TABLE.tolist()
_SOFT_SET = frozenset(ord(c) for c in _SOFT_SEPARATORS)
_SPACE = ord(" ")


def _cjk(code: int) -> bool:
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def _alnum(code: int) -> bool:
    return 48 <= code <= 57 or 97 <= code <= 122


def normalize_one(text: str) -> tuple[list[int], list[int]]:
    """Normalise one message in pure Python: (codes, origin), exactly as ``normalize_batch``.

    Faster than the numpy path for a single short message (no array set-up per call).
    """
    table = _TABLE_LIST
    codes, origin = [], []
    for position, char in enumerate(text):
        code = ord(char)
        mapped = table[code] if code < TABLE_SIZE else DELETE
        if mapped != DELETE:
            codes.append(mapped)
            origin.append(position)
    last = len(codes) - 1
    drop = []
    for j, code in enumerate(codes):
        if code == _SPACE:
            if not (0 < j < last and _alnum(codes[j - 1]) and _alnum(codes[j + 1])):
                drop.append(j)
        elif code in _SOFT_SET and 0 < j < last and _cjk(codes[j - 1]) and _cjk(codes[j + 1]):
            drop.append(j)
    if drop:
        gone = set(drop)
        codes = [c for j, c in enumerate(codes) if j not in gone]
        origin = [o for j, o in enumerate(origin) if j not in gone]
    return codes, origin


def ngram_keys_one(codes: list[int]) -> np.ndarray:
    """N-gram keys of one normalised message, in the order ``ngram_keys`` produces them."""
    folded = np.array(codes, dtype=np.int64)
    folded[(folded >= ord("0")) & (folded <= ord("9"))] = DIGIT_FEATURE
    return np.concatenate(
        (folded, folded[:-1] | folded[1:] << _SHIFT, folded[:-2] | folded[1:-1] << _SHIFT | folded[2:] << (2 * _SHIFT))
    )


def ngram_keys(batch: NormalBatch) -> tuple[np.ndarray, np.ndarray]:
    """Return (keys, message index) for every character 1-3-gram inside one message.

    A key packs up to three code points (digits folded to '0') into one int64, so the
    lookup against the vocabulary is a single ``searchsorted``.
    """
    codes = batch.codes.astype(np.int64)
    codes[(codes >= ord("0")) & (codes <= ord("9"))] = DIGIT_FEATURE
    n_chars = len(codes)
    msg = np.repeat(np.arange(len(batch.starts) - 1), np.diff(batch.starts))
    keys_parts, msg_parts = [codes], [msg]
    for size in NGRAM_SIZES[1:]:
        if n_chars < size:
            break
        span = n_chars - size + 1
        key = codes[:span].copy()
        for k in range(1, size):
            key |= codes[k : k + span] << (_SHIFT * k)
        same = msg[:span] == msg[size - 1 : size - 1 + span]
        keys_parts.append(key[same])
        msg_parts.append(msg[:span][same])
    return np.concatenate(keys_parts), np.concatenate(msg_parts)
