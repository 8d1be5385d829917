"""The only importer of the statute search engine (lianxin.engines.lawsearch).

The index is opened once per process, on first use, and shared read-only afterwards (the
engine's search holds no state between calls). Results become plain dicts, so the rest of
the app (pages, API, stored consultations) never sees an engine type. A missing or broken
index becomes `LawSearchUnavailable`, which pages turn into a clear message.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from lianxin.engines.lawsearch import ENGINE_VERSION, EmptyQueryError, LawIndex

INDEX_SUBDIR = "lawindex"
ARTICLE_TEXT_SHOWN_CHARS = 400

_lock = threading.Lock()
_index: LawIndex | None = None


class LawSearchUnavailable(Exception):
    """The statute index is missing or could not be opened; the message is for the station's staff."""


class EmptyQuestion(ValueError):
    """The question has nothing searchable in it (only spaces or symbols)."""


@dataclass(frozen=True)
class LawAnswer:
    """The engine's answer to one question: knowledge cards first, then the articles, as plain values."""

    question: str
    cards: list[dict] = field(default_factory=list)
    hits: list[dict] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    engine_version: str = ENGINE_VERSION


def index_dir() -> Path:
    """Return where the statute index lives: settings.LEGAL_LAW_INDEX_DIR, else DATA_DIR/lawindex."""
    configured = getattr(settings, "LEGAL_LAW_INDEX_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / INDEX_SUBDIR


def _get_index() -> LawIndex:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                try:
                    _index = LawIndex.open(index_dir())
                except (FileNotFoundError, ValueError, OSError) as exc:
                    raise LawSearchUnavailable(str(exc)) from exc
    return _index


def use_index(index: LawIndex | None) -> None:
    """Make index the process's statute index (None: open it from disk again on next use); for tests and bench."""
    global _index
    with _lock:
        _index = index


def is_available() -> bool:
    try:
        _get_index()
    except LawSearchUnavailable:
        return False
    return True


def _card(card_hit: Any) -> dict:
    card = card_hit.card
    return {
        "id": card.id,
        "title": card.title,
        "summary": card.summary,
        "steps": list(card.steps),
        "where_to_go": list(card.where_to_go),
        "refs": [
            {"law": r["law"], "article": r["article"], "resolved": bool(r.get("resolved"))} for r in card_hit.refs
        ],
    }


def ask(question: str, *, k: int = 10) -> LawAnswer:
    """Search the statutes for a lay question; raise EmptyQuestion or LawSearchUnavailable."""
    index = _get_index()
    try:
        result = index.search(question, k=k)
    except EmptyQueryError as exc:
        raise EmptyQuestion(str(exc)) from None
    repealed = {r.law: r for r in result.repealed}
    hits = []
    for hit in result.hits:
        gone = repealed.get(hit.law)
        text = hit.text.strip()
        hits.append(
            {
                "id": hit.id,
                "law": hit.law,
                "article": hit.article,
                "text": text[:ARTICLE_TEXT_SHOWN_CHARS] + ("…" if len(text) > ARTICLE_TEXT_SHOWN_CHARS else ""),
                "matched": list(hit.matched),
                "repealed_by": f"{gone.by_law}{gone.by_article}" if gone else "",
            }
        )
    return LawAnswer(
        question=question,
        cards=[_card(c) for c in result.cards],
        hits=hits,
        reasons=list(result.reasons),
        engine_version=result.engine_version,
    )
