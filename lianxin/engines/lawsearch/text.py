"""Text handling for statute search: normalisation, numerals, citations and tokens.

Everything here is a pure function of its input. Questions and statute texts pass through
the same `normalise` so that traditional characters, full-width forms, emoji and the
numeral style of an article label never decide whether two texts match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import jieba
import zhconv

jieba.setLogLevel(60)  # jieba prints its dictionary-loading chatter at INFO level

_DIGITS = "零一二三四五六七八九"
_CN_DIGIT_VALUES = {c: i for i, c in enumerate(_DIGITS)} | {"〇": 0, "两": 2}
_CN_UNIT_VALUES = {"十": 10, "百": 100, "千": 1000}
# One run of Chinese numeral characters, as used in article labels (第一千一百六十五条).
CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千两"

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_KEEP = re.compile(rf"[^{_CJK}a-z0-9]+")
# 第1165条, 民法典1165条: arabic article numbers written the way people type them. Without 第
# the number must follow a law's name (…法, …典, …条例, …规定, …解释, 《…》), so that
# "500条短信" stays a count.
_ARABIC_ARTICLE = re.compile(r"第\s*(\d{1,4})\s*条|(?<=[法典例定释则》])\s*(\d{1,4})\s*条")


def int_to_chinese(n: int) -> str:
    """Write 1 <= n <= 9999 the way statute labels do (1165 -> 一千一百六十五, 10 -> 十)."""
    if not 0 < n < 10000:
        raise ValueError(f"article number out of range: {n}")
    parts: list[str] = []
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = (n // value) % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(_DIGITS[digit] + unit)
    text = "".join(parts)
    # Statutes write 10-19 as 十, 十一 … (not 一十一), but 110 as 一百一十.
    return text[1:] if text.startswith("一十") else text


def chinese_to_int(text: str) -> int | None:
    """Read a Chinese numeral (一千一百六十五, 二十, 一〇二) or arabic digits; None if unreadable."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGIT_VALUES and c not in _CN_UNIT_VALUES for c in text):
        return None
    if all(c in _CN_DIGIT_VALUES for c in text):  # digit-by-digit form: 一〇二
        return int("".join(str(_CN_DIGIT_VALUES[c]) for c in text))
    total, digit = 0, None
    for c in text:
        if c in _CN_DIGIT_VALUES:
            digit = _CN_DIGIT_VALUES[c]
        else:
            total += (1 if digit is None else digit) * _CN_UNIT_VALUES[c]
            digit = None
    return total + (digit or 0)


def normalise(text: str) -> str:
    """Return `text` in one canonical form: NFKC, simplified, lower case, 第N条 in Chinese numerals.

    Full-width letters and digits become ASCII (NFKC), traditional characters become
    simplified, and arabic article numbers become the label form used by statutes, so
    第1165条, 第１１６５条 and 第一千一百六十五條 all read 第一千一百六十五条.
    """
    text = unicodedata.normalize("NFKC", text)
    text = zhconv.convert(text, "zh-cn").lower()
    return _ARABIC_ARTICLE.sub(_arabic_article_to_label, text)


def _arabic_article_to_label(match: re.Match) -> str:
    number = int(match.group(1) or match.group(2))
    if number == 0:
        return match.group(0)
    return f"第{int_to_chinese(number)}条"


def strip_symbols(text: str) -> str:
    """Drop punctuation, emoji and spaces, keeping CJK characters, letters and digits."""
    return _KEEP.sub(" ", text).strip()


def char_bigrams(text: str) -> list[str]:
    """Return the character bigrams of each CJK run of normalised `text` (a lone character stays whole).

    Latin/digit runs are kept as single tokens. Punctuation splits runs, so no bigram
    spans a sentence boundary.
    """
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall(text):
        if not ("\u3400" <= run[0]):
            tokens.append(run)
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def char_unigrams(text: str) -> list[str]:
    """Return each CJK character of normalised `text`, and each Latin/digit run as one token.

    Lay questions often say with one character what a statute says with two (赔 / 赔偿,
    骗 / 诈骗, 借 / 借款), which no bigram of the question matches.
    """
    tokens: list[str] = []
    for run in _TOKEN_RUN.findall(text):
        if "\u3400" <= run[0]:
            tokens.extend(run)
        else:
            tokens.append(run)
    return tokens


# Words that carry the asking, not the matter ("请问 … 怎么办"). Removed from questions
# before matching; statute texts keep them.
QUESTION_FILLERS = (
    "请问一下",
    "请问",
    "想问一下",
    "想问",
    "咨询一下",
    "咨询",
    "怎么办呢",
    "怎么办",
    "怎么处理",
    "怎么样",
    "怎么",
    "如何处理",
    "如何",
    "是否",
    "是不是",
    "有没有",
    "能不能",
    "可不可以",
    "可以吗",
    "吗",
    "呢",
    "吧",
    "什么",
    "哪些",
    "哪里",
    "应该",
    "需要",
    "我该",
    "我们",
    "我的",
    "我",
    "你好",
    "您好",
    "谢谢",
)
_FILLER_RE = re.compile("|".join(sorted(map(re.escape, QUESTION_FILLERS), key=len, reverse=True)))


def strip_fillers(text: str) -> str:
    """Replace asking words in normalised `text` with a space (so no bigram spans the gap)."""
    return _FILLER_RE.sub(" ", text)


LAW_TITLE_PREFIX = "中华人民共和国"


@lru_cache(maxsize=65536)
def law_key(law: str) -> str:
    """Return the matching key of a law title: normalised, without the 中华人民共和国 prefix."""
    key = normalise(law).strip()
    return key.removeprefix(LAW_TITLE_PREFIX) or key


@lru_cache(maxsize=65536)
def label_key(article: str) -> str:
    """Return an article label in canonical form (第1165条 -> 第一千一百六十五条)."""
    return normalise(article).replace(" ", "")


def article_key(law: str, article: str) -> str:
    """Return the key that names one article across corpora: law key + '|' + normalised label."""
    return f"{law_key(law)}|{label_key(article)}"


def index_words(text: str) -> list[str]:
    """Return the jieba words (two characters or more) of normalised text, for the word field.

    HMM guessing of unknown words is off: it is four times slower and the character-bigram
    field already covers words jieba does not know.
    """
    return [w for w in jieba.lcut(strip_symbols(text), HMM=False) if len(w) > 1 and not w.isspace()]
