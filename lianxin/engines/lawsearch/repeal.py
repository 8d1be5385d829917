"""Which imported laws another imported law says it repeals.

A law's closing article usually says what it replaces: 本法自2022年6月5日起施行。《中华人民共和国
环境噪声污染防治法》同时废止。 A corpus of "the newest version of each law" can still hold the old law
beside the new one (the national corpus holds both noise laws), and lay questions still cite the old
one, so search keeps ranking it; what it must not do is show a resident a repealed law as if it were in
force. `find_repeals` reads those sentences from the imported texts themselves:

- only whole laws count: a title followed by 第…条 or 中…的规定 (a part of a law) is not a repeal of it;
- the title must name another imported law (by its law key, 中华人民共和国 dropped);
- a law newer than the one that names it is a later version under the same title, not the repealed
  one (人民检察院刑事诉讼规则（试行）, in force from 2013, repeals the 1999 rules of the name that the
  2019 rules carry again): a law is "newer" when its own 自…年…起施行 year is later.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .articles import Article
from .text import law_key

_SENTENCE = re.compile(r"[^。；;\n]*废止[^。；;\n]*")
_TITLE = re.compile(r"《([^《》]+)》")
# What may stand between a repealed title and the next title or 废止: a document number in
# brackets, separators, and the words of "…同时废止", "…即行废止", "…予以废止".
_BETWEEN = re.compile(r"^(?:\s*[（(][^（）()]*[）)])?\s*(?:[、，,]|和|及|与|以及)?\s*(?:同时|即行|予以|一并)?\s*$")
_IN_FORCE = re.compile(r"自\s*([0-9０-９〇零一二三四五六七八九]{4})\s*年[^。]{0,40}?(?:起)?施行")
_YEAR_DIGITS = str.maketrans("０１２３４５６７８９〇零一二三四五六七八九", "0123456789" + "00123456789")


@dataclass(frozen=True)
class Repeal:
    """`law` (as imported) is repealed by `by_law` (as imported), which says so in `by_article`."""

    law: str
    by_law: str
    by_article: str

    def to_dict(self) -> dict:
        return {"law": self.law, "by_law": self.by_law, "by_article": self.by_article}


def repealed_titles(sentence: str) -> list[str]:
    """Return the titles that a sentence repeals whole (none unless it says 废止)."""
    titles = list(_TITLE.finditer(sentence))
    end = sentence.rfind("废止")
    if end < 0:
        return []
    out = []
    for n, m in enumerate(titles):
        if m.start() > end:
            break
        stop = titles[n + 1].start() if n + 1 < len(titles) and titles[n + 1].start() < end else end
        if _BETWEEN.match(sentence[m.end() : stop]):
            out.append(m.group(1))
    return out


def _in_force_year(text: str) -> int | None:
    years = [int(m.group(1).translate(_YEAR_DIGITS)) for m in _IN_FORCE.finditer(text)]
    return max(years) if years else None


def find_repeals(articles: Iterable[Article]) -> dict[str, Repeal]:
    """Map each imported law that another imported law repeals to that repeal (the newest
    repealing law when several name it)."""
    articles = list(articles)
    law_of_key: dict[str, str] = {}
    year: dict[str, int] = {}
    for a in articles:
        law_of_key.setdefault(law_key(a.law), a.law)
        if "施行" in a.text:
            y = _in_force_year(a.text)
            if y is not None:
                year[a.law] = max(year.get(a.law, y), y)
    found: dict[str, Repeal] = {}
    for a in articles:
        if "废止" not in a.text:
            continue
        own_key = law_key(a.law)
        for sentence in _SENTENCE.findall(a.text):
            for title in repealed_titles(sentence):
                key = law_key(title)
                law = law_of_key.get(key)
                if law is None or key == own_key:
                    continue
                if law in year and a.law in year and year[law] > year[a.law]:
                    continue  # a later version under the same title, not the one repealed
                old = found.get(law)
                if old is None or year.get(a.law, 0) > year.get(old.by_law, 0):
                    found[law] = Repeal(law=law, by_law=a.law, by_article=a.article)
    return found
