"""Knowledge cards: the project's own plain-language answers, matched to a question.

Cards live in `cards/cards.jsonl` beside this module (written in their own package folder).
A missing file means no cards. A card matches a question when one of its phrases occurs in
the normalised question, or when enough of the question's bigrams fall in the card's title
and phrases.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .text import char_bigrams, normalise, strip_fillers

DEFAULT_CARDS_PATH = Path(__file__).resolve().parent / "cards" / "cards.jsonl"
MAX_CARDS_SHOWN = 3
MIN_CARD_SCORE = 0.5
# Share of the question's bigrams that must fall in a card's title/phrases when no phrase occurs whole.
MIN_BIGRAM_COVER = 0.5


class CardFileError(ValueError):
    """The cards file has a bad line (the message names the line)."""


@dataclass(frozen=True)
class CardRef:
    law: str
    article: str


@dataclass(frozen=True)
class Card:
    id: str
    title: str
    phrases: tuple[str, ...]
    summary: str
    steps: tuple[str, ...]
    where_to_go: tuple[str, ...]
    refs: tuple[CardRef, ...]
    match_phrases: tuple[str, ...] = field(default=(), compare=False)
    match_bigrams: frozenset[str] = field(default=frozenset(), compare=False)

    @classmethod
    def from_record(cls, record: dict) -> Card:
        """Build a card from one decoded JSON object; raise ValueError naming the bad field."""
        if not isinstance(record, dict):
            raise ValueError("expected a JSON object")
        for name in ("id", "title", "summary"):
            if not isinstance(record.get(name), str) or not record[name].strip():
                raise ValueError(f"field '{name}' must be a non-empty string")
        lists = {}
        for name in ("phrases", "steps", "where_to_go"):
            value = record.get(name, [])
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise ValueError(f"field '{name}' must be a list of strings")
            lists[name] = tuple(x.strip() for x in value if x.strip())
        refs = []
        for ref in record.get("refs", []):
            if (
                not isinstance(ref, dict)
                or not isinstance(ref.get("law"), str)
                or not isinstance(ref.get("article"), str)
            ):
                raise ValueError("each of 'refs' must be an object with string fields 'law' and 'article'")
            refs.append(CardRef(law=ref["law"], article=ref["article"]))
        phrases = tuple(dict.fromkeys(p for p in (normalise(x) for x in (*lists["phrases"], record["title"])) if p))
        bigrams = frozenset(b for p in phrases for b in char_bigrams(strip_fillers(p)))
        return cls(
            id=record["id"].strip(),
            title=record["title"].strip(),
            summary=record["summary"].strip(),
            refs=tuple(refs),
            match_phrases=phrases,
            match_bigrams=bigrams,
            **lists,
        )

    def match_score(self, question: str, question_bigrams: set[str]) -> float:
        """Score how well this card fits a normalised question (0 = not at all).

        Each phrase found whole adds its length in characters over 4 (long phrases say
        more); the share of the question's bigrams covered by the card adds the rest.
        """
        whole = sum(len(p) / 4 for p in self.match_phrases if len(p) >= 2 and p in question)
        cover = len(question_bigrams & self.match_bigrams) / len(question_bigrams) if question_bigrams else 0.0
        if whole == 0 and cover < MIN_BIGRAM_COVER:
            return 0.0
        return whole + cover

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "steps": list(self.steps),
            "where_to_go": list(self.where_to_go),
            "phrases": list(self.phrases),
            "refs": [{"law": r.law, "article": r.article} for r in self.refs],
        }


def load_cards(path: Path | None = None) -> list[Card]:
    """Read cards from a JSON-lines file (default: the package's cards); a missing file gives []."""
    path = DEFAULT_CARDS_PATH if path is None else Path(path)
    if not path.exists():
        return []
    cards = []
    seen: set[str] = set()
    for line_no, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            card = Card.from_record(json.loads(line))
        except (json.JSONDecodeError, ValueError) as exc:
            raise CardFileError(f"{path}: line {line_no}: {exc}") from None
        if card.id in seen:
            raise CardFileError(f"{path}: line {line_no}: card id {card.id!r} repeats")
        seen.add(card.id)
        cards.append(card)
    return cards


def match_cards(cards: list[Card], question: str, limit: int = MAX_CARDS_SHOWN) -> list[tuple[Card, float]]:
    """Return up to `limit` (card, score) pairs fitting a normalised question, best first."""
    q_bigrams = set(char_bigrams(strip_fillers(question)))
    scored = [(card, card.match_score(question, q_bigrams)) for card in cards]
    scored = [(c, s) for c, s in scored if s >= MIN_CARD_SCORE]
    scored.sort(key=lambda cs: (-cs[1], cs[0].id))
    return scored[:limit]
