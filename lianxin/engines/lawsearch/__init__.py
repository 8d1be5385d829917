"""Statute search for lay questions: the engine behind the legal consultation (云端智囊).

    from lianxin.engines.lawsearch import LawIndex
    idx = LawIndex.build(articles)          # or LawIndex.open(directory)
    result = idx.search("老板拖欠工资三个月怎么办", k=10)

Pure Python + numpy/scipy + jieba; no Django, no clock, no downloads at run time.
"""

from .articles import Article, ImportFileError, read_articles
from .bridge import Bridge
from .cards import Card, load_cards
from .index import ENGINE_VERSION, CardHit, EmptyQueryError, Hit, LawIndex, SearchParams, SearchResult

__all__ = [
    "ENGINE_VERSION",
    "Article",
    "Bridge",
    "Card",
    "CardHit",
    "EmptyQueryError",
    "Hit",
    "ImportFileError",
    "LawIndex",
    "SearchParams",
    "SearchResult",
    "load_cards",
    "read_articles",
]
