"""Repair of homophone typos in questions (拼音 input that picked the wrong character).

Residents type with pinyin input methods, so their typos are mostly the right sound with the
wrong character: 拖欠公资 for 工资, 离昏 for 离婚, 找谁陪偿 for 赔偿, 押金 typed 压金. A
character bigram search loses every bigram that holds such a character, and the learned lay
words never see it. `TypoRepair` replaces a two- or three-character stretch of the question by
a word that

1. looks broken: jieba cuts it into single characters, or keeps it as a word it barely knows
   (`_windows`), and it is not a word of the statutes, a bigram the statutes use
   (MAX_STATUTE_BIGRAM_DF) or a bigram of an earlier lay question;
2. sounds exactly like it (the same toneless pinyin, each character read in its main reading)
   and differs from it in one character only;
3. is a content word the search knows well: a lay phrase of the reviewed lexicon, a word the
   bridge learned from lay questions, a word of MIN_QUESTIONS or more earlier questions, or a
   word of MIN_STATUTE_DF or more statute articles; not a function word by jieba's part of
   speech (的话, 以内, 一方: FUNCTION_TAGS). The most common such word wins.

Longer stretches are repaired first, and no character is repaired twice. Only the question is
changed; statute texts are never touched. The reasons of a search name every repair.

What it misses, by design: a typo that jieba reads into real words (不善养老人 for 不赡养老人
cuts 不善|养老|人) and a typo of several characters at once. Loosening either rule repaired
ordinary STARD questions wrongly in cross-validation (解除合同 -> 主合同).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache

import jieba
from jieba import posseg
from pypinyin import Style, lazy_pinyin

MIN_JIEBA_FREQ = 5  # a stretch jieba counts this often is a word, not a typo
MAX_STATUTE_BIGRAM_DF = 2  # ... and so is a bigram found in more statute articles than this
MIN_STATUTE_DF = 50  # statute words this common are repair targets
MIN_QUESTIONS = 2  # question words this common are repair targets
WINDOW_LENGTHS = (3, 2)  # longest first
# jieba's part-of-speech tags of words that are never repair targets: particles, locality,
# numerals, prepositions, conjunctions, adverbs, pronouns, measure words, interjections.
FUNCTION_TAGS = frozenset(
    {"u", "uj", "ul", "uz", "ug", "uv", "ud", "f", "m", "mq", "p", "c", "d", "r", "q", "y", "e", "o", "zg"}
)
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


@lru_cache(maxsize=16384)
def _reading(char: str) -> str:
    """The main toneless pinyin reading of one character (the character itself if it has none).

    Only the main one: the rare and classical readings pypinyin also lists (已 si, 还 fu) made
    sound-alikes of ordinary words in cross-validation.
    """
    return lazy_pinyin(char, style=Style.NORMAL)[0]


def _jieba_knows(text: str) -> bool:
    """Whether jieba's dictionary counts `text` often enough to be a word, not a typo."""
    return jieba.dt.FREQ.get(text, 0) >= MIN_JIEBA_FREQ


def _word_key(word: str) -> tuple[str, ...]:
    """The toneless pinyin of a word, read as a phrase (银行 -> yin hang)."""
    return tuple(lazy_pinyin(word, style=Style.NORMAL))


class TypoRepair:
    """Sound-alike repair of a normalised question; see the module docstring."""

    def __init__(
        self,
        targets: Mapping[str, float],
        known: Iterable[str] = (),
        statute_bigram_df: Callable[[str], int] | None = None,
    ):
        """`targets`: repair targets with their weight (higher wins); `known`: words never repaired;
        `statute_bigram_df`: in how many statute articles a bigram occurs."""
        self._known = set(known) | set(targets)
        self._bigram_df = statute_bigram_df or (lambda bigram: 0)
        by_key: dict[tuple[str, ...], list[tuple[float, str]]] = {}
        tags = posseg.dt.word_tag_tab
        for word, weight in targets.items():
            if len(word) in WINDOW_LENGTHS and _CJK_RUN.fullmatch(word) and tags.get(word) not in FUNCTION_TAGS:
                by_key.setdefault(_word_key(word), []).append((-weight, word))
        self._by_key = {k: [w for _, w in sorted(v)] for k, v in by_key.items()}

    @classmethod
    def for_search(
        cls,
        *,
        lexicon_phrases: Iterable[str],
        learned_lay_words: Iterable[str],
        question_words: Iterable[Iterable[str]],
        question_bigrams: Iterable[Iterable[str]],
        statute_word_df: Mapping[str, int],
        statute_bigram_df: Callable[[str], int],
    ) -> TypoRepair:
        """Build the repair from what an index holds (see the module docstring for the rules)."""
        asked = Counter(w for words in question_words for w in set(words))
        targets: dict[str, float] = {}
        for word, df in statute_word_df.items():
            if df >= MIN_STATUTE_DF:
                targets[word] = float(df)
        for word, n in asked.items():
            if n >= MIN_QUESTIONS:
                targets[word] = targets.get(word, 0.0) + n * MIN_STATUTE_DF
        for word in (*lexicon_phrases, *learned_lay_words):
            targets[word] = targets.get(word, 0.0) + MIN_STATUTE_DF
        known = set(statute_word_df).union(*map(set, question_bigrams))
        return cls(targets, known=known, statute_bigram_df=statute_bigram_df)

    def _is_word(self, text: str) -> bool:
        if text in self._known or _jieba_knows(text):
            return True
        return len(text) == 2 and self._bigram_df(text) > MAX_STATUTE_BIGRAM_DF

    def _target(self, text: str) -> str | None:
        for word in self._by_key.get(tuple(_reading(c) for c in text), ()):
            if sum(a != b for a, b in zip(word, text)) == 1:
                return word
        return None

    def _windows(self, run: str) -> list[tuple[int, int]]:
        """(start, end) in `run` of the stretches that may hold a typo, longest first.

        A typo breaks the word it belongs to, so jieba cuts it into single characters (拖欠|公|资)
        or into a word it barely knows (燥音): a stretch is two or three single-character tokens
        in a row, or one rare token. A stretch that cuts through a word (解除|合同: 除合同) or
        holds a known word (发生|的) is never a typo.
        """
        bounds, singles = [], []
        pos = 0
        for token in jieba.lcut(run, HMM=False):
            bounds.append((pos, pos + len(token)))
            singles.append(len(token) == 1)
            pos += len(token)
        out = []
        for length in WINDOW_LENGTHS:
            for i in range(len(bounds) - length + 1):
                if all(singles[i : i + length]):
                    out.append((bounds[i][0], bounds[i + length - 1][1]))
            out += [(a, b) for a, b in bounds if b - a == length and not _jieba_knows(run[a:b])]
        return out

    def repair(self, question: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Return the question with its sound-alike typos replaced, and the (typo, word) pairs."""
        if not self._by_key:
            return question, ()
        chars = list(question)
        fixed = [False] * len(chars)
        repairs: list[tuple[int, str, str]] = []
        for run in _CJK_RUN.finditer(question):
            for a, b in self._windows(run.group(0)):
                start, end = run.start() + a, run.start() + b
                if any(fixed[start:end]):
                    continue
                text = question[start:end]
                if self._is_word(text):
                    continue
                word = self._target(text)
                if word is not None:
                    chars[start:end] = list(word)
                    fixed[start:end] = [True] * (end - start)
                    repairs.append((start, text, word))
        if not repairs:
            return question, ()
        return "".join(chars), tuple((typo, word) for _, typo, word in sorted(repairs))
