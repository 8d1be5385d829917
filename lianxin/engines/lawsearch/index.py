"""The statute index: build, save, open and search.

Scoring (the weights are `SearchParams`, tuned by 5-fold cross-validation in
bench/lawsearch.py):

1. body: BM25 of the question's character bigrams over law name + chapter + text, each
   bigram weighted by how often such question bigrams occur in gold articles (learned), and
   BM25 of its jieba words over the same text; the reviewed lexicon's statute words for the
   question's lay phrases count as question words;
2. bridge: BM25 of the statute words the learned term map gives the question;
3. near: votes of the most similar earlier questions for their gold articles and the
   articles numbered next to them; law_asked: the same similarity at the level of laws;
   asked: BM25 over the earlier questions of each article (weight 0 after tuning);
4. priors: how often the article, and its law, answered earlier questions;
5. named law: the question names the article's law;
6. meaning (embed.py, re-ranker only): cosine of word-vector sums of question and article
   (dense), votes of the earlier questions closest in that space (dense_near), and how well
   each question word finds a close word in the article (soft match);
7. question classifiers (classify.py, re-ranker only): linear classifiers learned from the
   earlier questions say how strongly the question points at each article, chapter and law
   that answered one;
8. chars (re-ranker only): BM25 of the question's single characters over the same text,
   relative to the best candidate: lay questions often say with one character what a statute
   says with two (找谁赔 / 赔偿, 被骗 / 诈骗), which no bigram matches;
9. a learned re-ranker (rerank.py: the mean of classifying and ranking boosted trees) re-orders
   the best 400 by these parts, the first-stage score of the neighbouring articles, chapter and law agreement
   with the best hits, the rank within each part, and how each main signal stands against the
   best candidate of the same law; re-ranked articles score its probability.

Before any of this, sound-alike typos of pinyin input are repaired in the question (typos.py).

Each BM25 part is divided by its best score, so weights mean the same for a three-character
question and a 2,000-character story. A citation (民法典1165条, 劳动合同法第三十条) puts the
cited articles first. The top of the list is then re-ordered so that one law does not fill
it when other laws score close (`diversity`). Hits of a law that another imported law repeals
keep their place and are named in the result (repeal.py).
"""

from __future__ import annotations

import enum
import gzip
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Final

import numpy as np

from .articles import Article, article_from_record
from .bm25 import BM25Field
from .bridge import Bridge, default_bridge
from .cards import Card, load_cards, match_cards
from .classify import LEVELS, class_features
from .embed import DenseSpace, WordVectors, default_word_vectors
from .repeal import Repeal, find_repeals
from .rerank import AnyReranker, CandidateContext, candidate_features, default_reranker, top_candidates
from .text import (
    CN_NUMERAL_CHARS,
    article_key,
    char_bigrams,
    char_unigrams,
    chinese_to_int,
    index_words,
    label_key,
    law_key,
    normalise,
    strip_fillers,
    strip_symbols,
)
from .typos import TypoRepair

ENGINE_VERSION = "lawsearch-1.7"


class _Default(enum.Enum):
    """The type of `_DEFAULT`, "the committed re-ranker / word vectors" (an enum, so `is` narrows)."""

    COMMITTED = "committed"


_DEFAULT: Final = _Default.COMMITTED
INDEX_FORMAT = 5  # 4: the bridge holds the question classifiers (classify.py); 5: the chars field
CANDIDATES_PER_HIT = 5  # the diversity re-ordering looks this many candidates deep per hit
MIN_CANDIDATES = 50
MAX_MATCHED_SHOWN = 12
ARTICLE_FIELDS = [f.name for f in fields(Article)]
NEIGHBOUR_QUESTIONS = 20  # earlier questions that vote for their gold articles
NEAR_ARTICLE_DECAY = 0.5  # vote share of the article 1 number away (squared for 2 away)
NEAR_ARTICLE_SPAN = 2
# Only the first hit of each law is spared the diversity factor; compounding it cost recall in CV.
DIVERSITY_MAX_STEPS = 1
_LABEL_RE = re.compile(rf"第[{CN_NUMERAL_CHARS}]+条(?:之[{CN_NUMERAL_CHARS}]+)?")


# score part -> the SearchParams field that weights it
PART_WEIGHTS = {
    "body": "w_body",
    "words": "w_words",
    "bridge": "w_bridge",
    "asked": "w_asked",
    "law_asked": "w_law_asked",
    "law_named": "w_law_named",
    "near": "w_near",
    "dense": "w_dense",
    "dense_near": "w_dense_near",
}


class EmptyQueryError(ValueError):
    """The question has no searchable characters."""


@dataclass(frozen=True)
class SearchParams:
    """Weights of the score parts (see the module docstring); tuned in bench/lawsearch.py."""

    w_body: float = 1.0
    w_bridge: float = 0.3
    w_asked: float = 0.0
    w_law_prior: float = 0.5
    w_article_prior: float = 0.2
    w_law_named: float = 0.5
    w_law_asked: float = 0.3
    w_near: float = 0.5
    w_words: float = 0.5
    w_label: float = 0.5
    w_dense: float = 0.0  # word-vector parts: used by the re-ranker, not the first stage
    w_dense_near: float = 0.0
    diversity: float = 0.9  # score factor per earlier hit from the same law (1 = off)
    max_query_terms: int = 96  # longest questions keep their rarest bigrams and words
    term_weight_power: float = 1.0  # exponent on the learned question-term weights (0 = off)


@dataclass(frozen=True)
class Hit:
    id: str | int
    law: str
    article: str
    score: float
    text: str
    matched: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "law": self.law,
            "article": self.article,
            "score": round(self.score, 4),
            "text": self.text,
            "matched": list(self.matched),
        }


@dataclass(frozen=True)
class CardHit:
    card: Card
    score: float
    refs: tuple[dict, ...]  # each: law, article, resolved, and id + text when resolved

    def to_dict(self) -> dict:
        out = self.card.to_dict()
        out["score"] = round(self.score, 4)
        out["refs"] = [dict(r) for r in self.refs]
        return out


@dataclass(frozen=True)
class SearchResult:
    question: str
    cards: tuple[CardHit, ...]
    hits: tuple[Hit, ...]
    reasons: tuple[str, ...]
    engine_version: str = ENGINE_VERSION
    repealed: tuple[Repeal, ...] = ()  # the laws among the hits that another imported law repeals

    def to_dict(self) -> dict:
        return {
            "engine_version": self.engine_version,
            "question": self.question,
            "cards": [c.to_dict() for c in self.cards],
            "hits": [h.to_dict() for h in self.hits],
            "reasons": list(self.reasons),
            "repealed": [r.to_dict() for r in self.repealed],
        }


@dataclass
class _LawNames:
    """Every name a law is cited by, longest first, mapped to the law's key."""

    names: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_articles(cls, articles: Sequence[Article]) -> _LawNames:
        by_name: dict[str, str] = {}
        for law, short in dict.fromkeys((a.law, a.law_short) for a in articles):
            key = law_key(law)
            for name in (key, normalise(law), normalise(short) if short else ""):
                name = name.replace(" ", "")
                if len(name) >= 2:
                    by_name.setdefault(name, key)
        return cls(sorted(by_name.items(), key=lambda nk: (-len(nk[0]), nk[0])))

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """Return (law key, start, end) of each law named in `text`, longest names winning overlaps."""
        taken = [False] * len(text)
        found = []
        for name, key in self.names:
            start = text.find(name)
            while start != -1:
                end = start + len(name)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * len(name)
                    found.append((key, start, end))
                start = text.find(name, start + 1)
        return found


def rank_scores(scores: np.ndarray, order: Sequence[int]) -> list[float]:
    """Return the scores to show for hits in rank order: never rising down the list.

    Cited articles come first whatever their retrieval score, and the law-spread step
    may lift a slightly lower score past a higher one; a reader expects the numbers to
    fall with the rank, so the first hit shows the best score in the list and each
    later one the lower of its own score and the one above it.
    """
    raw = [float(scores[i]) for i in order]
    shown: list[float] = []
    for s in raw:
        shown.append(max(raw) if not shown else min(s, shown[-1]))
    return shown


class LawIndex:
    """A searchable statute index. Build with `LawIndex.build`, persist with `save`, reopen with `open`."""

    def __init__(
        self,
        articles: list[Article],
        body: BM25Field,
        body_words: BM25Field,
        chars: BM25Field,
        asked: BM25Field,
        bridge: Bridge,
        params: SearchParams,
        cards: list[Card] | None = None,
        reranker: AnyReranker | None | _Default = _DEFAULT,
        word_vectors: WordVectors | None | _Default = _DEFAULT,
    ):
        self.articles = articles
        self.reranker = default_reranker() if reranker is _DEFAULT else reranker
        self.body = body
        self.body_words = body_words
        self.chars = chars
        self.asked = asked
        self.bridge = bridge
        self.params = params
        self.cards = load_cards() if cards is None else cards
        self._law_keys = [law_key(a.law) for a in articles]
        law_ids = {k: i for i, k in enumerate(dict.fromkeys(self._law_keys))}
        self._law_of_doc = np.asarray([law_ids[k] for k in self._law_keys], dtype=np.int32)
        self._law_ids = law_ids
        self._by_key: dict[str, int] = {}
        self._by_label: dict[str, list[int]] = {}
        for i, a in enumerate(articles):
            key = article_key(a.law, a.article)
            self._by_key.setdefault(key, i)
            self._by_label.setdefault(key.split("|", 1)[1], []).append(i)
        self._names = _LawNames.from_articles(articles)
        self.repeals = find_repeals(articles)  # repealed law -> the imported law that says so (repeal.py)
        self._law_prior = _log_share([bridge.law_counts.get(k, 0) for k in self._law_keys])
        self._article_prior = _log_share(
            [bridge.article_counts.get(article_key(a.law, a.article), 0) for a in articles]
        )
        self._body_df = np.diff(body.weights.indptr)
        self._words_df = np.diff(body_words.weights.indptr)
        self._chars_df = np.diff(chars.weights.indptr)
        # Law-level field: every question asked of any article of a law, as one document per law.
        law_terms: dict[str, Counter] = {k: Counter() for k in law_ids}
        for akey, counts in bridge.article_terms.items():
            lk = akey.split("|", 1)[0]
            if lk in law_terms:
                law_terms[lk].update(counts)
        self.law_asked = BM25Field.build(
            [[t for t, c in sorted(law_terms[k].items()) for _ in range(c)] for k in law_ids]
        )
        self._neighbours = BM25Field.build([list(terms) for terms, _ in bridge.asked])
        by_number: dict[tuple[int, int, int], int] = {}
        for i, a in enumerate(articles):
            number = _article_number(a.article)
            if number is not None:
                by_number.setdefault((int(self._law_of_doc[i]), *number), i)
        prev_doc = np.full(len(articles), -1, dtype=np.int64)
        next_doc = np.full(len(articles), -1, dtype=np.int64)
        for (law, num, sub), i in by_number.items():
            if sub == 0:
                prev_doc[i] = by_number.get((law, num - 1, 0), -1)
                next_doc[i] = by_number.get((law, num + 1, 0), -1)
        chapter_ids: dict[tuple[int, str], int] = {}
        chapter_of_doc = np.asarray(
            [
                chapter_ids.setdefault((int(self._law_of_doc[i]), a.chapter), len(chapter_ids)) if a.chapter else -1
                for i, a in enumerate(articles)
            ],
            dtype=np.int64,
        )
        self._class_of_doc = self._classes_of_articles(bridge)
        self._context = CandidateContext(
            self._law_prior, self._article_prior, self._law_of_doc, chapter_of_doc, prev_doc, next_doc
        )
        self._near_docs: list[list[tuple[int, float]]] = []
        for _, keys in bridge.asked:
            votes: dict[int, float] = {}
            for key in keys:
                doc = self._by_key.get(key)
                if doc is None:
                    continue
                number = _article_number(articles[doc].article)
                law = int(self._law_of_doc[doc])
                for delta in range(-NEAR_ARTICLE_SPAN, NEAR_ARTICLE_SPAN + 1):
                    j = doc if delta == 0 else by_number.get((law, number[0] + delta, 0)) if number else None
                    if j is not None:
                        votes[j] = max(votes.get(j, 0.0), NEAR_ARTICLE_DECAY ** abs(delta))
            self._near_docs.append(sorted(votes.items()))
        self._typos: TypoRepair | None = None
        self.word_vectors = default_word_vectors() if word_vectors is _DEFAULT else word_vectors
        self._dense = None
        if self.word_vectors is not None:
            asked_docs = [[self._by_key[k] for k in keys if k in self._by_key] for _, keys in bridge.asked]
            asked_words = bridge.asked_words if len(bridge.asked_words) == len(bridge.asked) else []
            self._dense = DenseSpace(
                self.word_vectors, body_words.vocab, body_words.weights, asked_words, asked_docs if asked_words else []
            )

    @property
    def typos(self) -> TypoRepair:
        """The sound-alike typo repair of questions (typos.py), built on first use from this index."""
        if self._typos is None:
            body_vocab, body_df = self.body.vocab, self._body_df
            self._typos = TypoRepair.for_search(
                lexicon_phrases=self.bridge.lexicon,
                learned_lay_words=self.bridge.term_map,
                question_words=self.bridge.asked_words,
                question_bigrams=(terms for terms, _ in self.bridge.asked),
                statute_word_df={w: int(self._words_df[i]) for w, i in self.body_words.vocab.items()},
                statute_bigram_df=lambda b: int(body_df[body_vocab[b]]) if b in body_vocab else 0,
            )
        return self._typos

    def _question(self, question: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Return the normalised question with its sound-alike typos repaired, and the repairs."""
        return self.typos.repair(normalise(question))

    def _classes_of_articles(self, bridge: Bridge) -> dict[str, np.ndarray]:
        """Per classifier level, each article's class index (-1: its class never answered a question)."""
        clf = bridge.classifier
        if clf is None:
            return {}
        out = {}
        for level in LEVELS:
            if level not in clf.levels:
                continue
            index = {k: i for i, k in enumerate(clf.levels[level].keys)}
            keys = (
                article_key(a.law, a.article)
                if level == "article"
                else f"{law_key(a.law)}|{a.chapter}"
                if level == "chapter" and a.chapter
                else law_key(a.law)
                if level == "law"
                else None
                for a in self.articles
            )
            out[level] = np.fromiter(
                (index.get(k, -1) if k is not None else -1 for k in keys), dtype=np.int64, count=len(self.articles)
            )
        return out

    # -- building and persistence -------------------------------------------------------

    @classmethod
    def build(
        cls,
        articles: Iterable[Article | dict],
        *,
        bridge: Bridge | None = None,
        params: SearchParams | None = None,
        cards: list[Card] | None = None,
        reranker: AnyReranker | None | _Default = _DEFAULT,
        word_vectors: WordVectors | None | _Default = _DEFAULT,
    ) -> LawIndex:
        """Index articles (Article objects or dicts with id, law, article, text, …).

        Raises ValueError naming the record on a bad record or a repeated id. `bridge`
        defaults to the committed one learned from lay questions; `cards` to the package's;
        `reranker` to the committed one (None: first-stage order only); `word_vectors` to the
        committed ones (None: no word-vector parts).
        """
        records: list[Article] = []
        seen: set = set()
        for n, item in enumerate(articles, start=1):
            try:
                art = item if isinstance(item, Article) else article_from_record(item)
            except ValueError as exc:
                raise ValueError(f"article {n}: {exc}") from None
            if art.id in seen:
                raise ValueError(f"article {n}: id {art.id!r} repeats")
            seen.add(art.id)
            records.append(art)
        if not records:
            raise ValueError("no articles to index")
        bridge = default_bridge() if bridge is None else bridge
        texts = [_body_text(a) for a in records]
        body = BM25Field.build([char_bigrams(t) for t in texts])
        body_words = BM25Field.build([index_words(t) for t in texts])
        chars = BM25Field.build([char_unigrams(t) for t in texts])
        asked = cls._asked_field(records, bridge)
        return cls(
            records, body, body_words, chars, asked, bridge, params or SearchParams(), cards, reranker, word_vectors
        )

    @staticmethod
    def _asked_field(records: Sequence[Article], bridge: Bridge) -> BM25Field:
        docs = []
        for a in records:
            counts = bridge.article_terms.get(article_key(a.law, a.article), {})
            docs.append([t for t, c in sorted(counts.items()) for _ in range(c)])
        return BM25Field.build(docs)

    def with_bridge(
        self, bridge: Bridge, params: SearchParams | None = None, reranker: AnyReranker | None | _Default = _DEFAULT
    ) -> LawIndex:
        """Return an index over the same articles and body field with another bridge (for tuning).

        `reranker` defaults to this index's own; pass None for the first-stage order only.
        """
        return LawIndex(
            self.articles,
            self.body,
            self.body_words,
            self.chars,
            self._asked_field(self.articles, bridge),
            bridge,
            params or self.params,
            self.cards,
            self.reranker if reranker is _DEFAULT else reranker,
            self.word_vectors,
        )

    def candidates(self, question: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the n best first-stage article positions and their re-ranker features (for learning)."""
        q, _ = self._question(question)
        parts, _, _, _, q_words, q_chars = self._parts(q, every_part=True)
        score = self.combine(parts)
        cand = top_candidates(score, n)
        return cand, self._features(parts, score, cand, q_words, q_chars, q)

    def _features(
        self,
        parts: dict[str, np.ndarray],
        score: np.ndarray,
        cand: np.ndarray,
        q_words: list[str],
        q_chars: Counter,
        question: str,
    ) -> np.ndarray:
        classes = None
        classifier = self.bridge.classifier
        if self._class_of_doc and classifier is not None:  # classes exist only with a classifier
            decisions = classifier.decisions(question)
            classes = class_features(decisions, {level: of_doc[cand] for level, of_doc in self._class_of_doc.items()})
        soft = None
        if self._dense is not None:
            soft = self._dense.soft_match(q_words, cand)
            if "dense" not in parts:
                parts = {**parts, "dense": self._dense.dense(self._dense.vector(q_words), cand)}
        # The chars part is divided by the best candidate's score, not the best article's.
        chars = np.zeros(len(self.articles), dtype=np.float32)
        chars[cand] = _scaled(self.chars.score(q_chars)[cand])
        parts = {**parts, "chars": chars}
        return candidate_features(parts, score, cand, self._context, soft, classes)

    def save(self, directory: str | Path) -> None:
        """Write the index to `directory`, replacing what was there only once all files are written."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            rows = [[getattr(a, f) for f in ARTICLE_FIELDS] for a in self.articles]
            with gzip.open(tmp / "articles.json.gz", "wt", encoding="utf-8") as fh:
                json.dump({"fields": ARTICLE_FIELDS, "rows": rows}, fh, ensure_ascii=False)
            self.body.save(tmp, "body")
            self.body_words.save(tmp, "words")
            self.chars.save(tmp, "chars")
            self.asked.save(tmp, "asked")
            self.bridge.save(tmp / "bridge.json.gz")
            meta = {
                "format": INDEX_FORMAT,
                "engine_version": ENGINE_VERSION,
                "articles": len(self.articles),
                "laws": len(self._law_ids),
                "params": asdict(self.params),
                "bridge_source": self.bridge.source,
            }
            (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
            old = None
            if directory.exists():
                old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
                directory.rename(old)
            tmp.rename(directory)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @classmethod
    def open(cls, directory: str | Path, *, cards: list[Card] | None = None) -> LawIndex:
        """Open a saved index; raise FileNotFoundError or ValueError with a clear message if unusable."""
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            raise FileNotFoundError(f"no statute index at {directory} (run 'lianxin laws import FILE.jsonl' first)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(
                f"index at {directory} has format {meta.get('format')}, this engine reads "
                f"{INDEX_FORMAT}: re-import with --replace"
            )
        with gzip.open(directory / "articles.json.gz", "rt", encoding="utf-8") as fh:
            stored = json.load(fh)
        articles = [Article(**dict(zip(stored["fields"], row))) for row in stored["rows"]]
        known = {f.name for f in fields(SearchParams)}
        params = SearchParams(**{k: v for k, v in meta.get("params", {}).items() if k in known})
        return cls(
            articles,
            BM25Field.load(directory, "body"),
            BM25Field.load(directory, "words"),
            BM25Field.load(directory, "chars"),
            BM25Field.load(directory, "asked"),
            Bridge.load(directory / "bridge.json.gz"),
            params,
            cards,
        )

    # -- searching ------------------------------------------------------------------------

    def search(self, question: str, k: int = 10) -> SearchResult:
        """Return the k best articles for a question (and the knowledge cards that fit it).

        Raises EmptyQueryError when the question has no letters, digits or CJK characters.
        """
        if not isinstance(question, str) or not strip_symbols(normalise(question)):
            raise EmptyQueryError("empty question: type a few words about the problem")
        if k < 1:
            raise ValueError("k must be at least 1")
        q, repairs = self._question(question)
        order, scores, reasons, terms = self._rank(q, k)
        if repairs:
            reasons = (f"typos repaired: {', '.join(f'{typo} → {word}' for typo, word in repairs)}",) + reasons
        hits = tuple(self._hit(i, shown, terms) for i, shown in zip(order, rank_scores(scores, order), strict=True))
        cards = tuple(self._card_hit(card, score) for card, score in match_cards(self.cards, q))
        if cards:
            reasons = reasons + (f"knowledge cards matched: {', '.join(c.card.id for c in cards)}",)
        # Repealed laws keep their rank (lay questions still cite them) but are named as repealed.
        repealed = tuple(self.repeals[law] for law in dict.fromkeys(h.law for h in hits) if law in self.repeals)
        if repealed:
            reasons = reasons + (
                "repealed laws among the hits: "
                + "; ".join(f"{r.law} (repealed by {r.by_law} {r.by_article})" for r in repealed),
            )
        return SearchResult(question=question, cards=cards, hits=hits, reasons=reasons, repealed=repealed)

    def search_ids(self, question: str, k: int = 10) -> list[str | int]:
        """Return only the ranked article ids (the batch mode's fast path: no cards, no texts)."""
        if not isinstance(question, str) or not strip_symbols(normalise(question)):
            return []
        order, _, _, _ = self._rank(self._question(question)[0], k)
        return [self.articles[i].id for i in order]

    def parts(self, question: str) -> dict[str, np.ndarray]:
        """Return every score part for every article (BM25 parts divided by their best score).

        The combined score is the `SearchParams`-weighted sum of these (see `combine`);
        bench/lawsearch.py uses them to tune the weights.
        """
        return self._parts(self._question(question)[0], every_part=True, dense_everywhere=True)[0]

    def combine(self, parts: dict[str, np.ndarray], params: SearchParams | None = None) -> np.ndarray:
        """Return the weighted sum of score parts (before citations and the diversity re-ordering)."""
        p = params or self.params
        score = np.zeros(len(self.articles), dtype=np.float32)
        for name, param in PART_WEIGHTS.items():
            weight = getattr(p, param)
            if weight and name in parts:
                score += weight * parts[name]
        return score + p.w_law_prior * self._law_prior + p.w_article_prior * self._article_prior

    def _parts(
        self, q: str, every_part: bool = False, dense_everywhere: bool = False
    ) -> tuple[dict[str, np.ndarray], list[str], list[str], list[tuple[str, int, int]], list[str], Counter]:
        """Return the score parts, the words and terms to show as matched, the laws named, the
        question's jieba words and its characters (for the chars part of the re-ranker)."""
        p = self.params
        named = self._names.find(q)
        text = q
        for _, start, end in named:  # a law's name says which law, not what the question is about
            text = text[:start] + " " * (end - start) + text[end:]
        text = strip_fillers(_LABEL_RE.sub(" ", text))
        lexicon_words = self.bridge.lexicon_words(text)
        terms = Counter(char_bigrams(text))
        for word in lexicon_words:
            terms.update(b for b in char_bigrams(word) if b not in terms)
        terms = _rarest(terms, self.body, self._body_df, p.max_query_terms)
        q_words = index_words(text)
        expansions = self.bridge.expand(text, q_words)
        bridge_terms: dict[str, float] = {}
        for word, weight in expansions.items():
            for b in char_bigrams(word):
                if b not in terms:
                    bridge_terms[b] = max(bridge_terms.get(b, 0.0), weight)
        weights = self.bridge.term_weights
        power = p.term_weight_power
        body_terms = {t: n * weights.get(t, 1.0) ** power for t, n in terms.items()} if power else terms
        word_terms = Counter(q_words)
        word_terms.update(w for w in lexicon_words if w not in word_terms)
        word_terms = _rarest(word_terms, self.body_words, self._words_df, p.max_query_terms)
        compute = {
            "body": lambda: _scaled(self.body.score(body_terms)),
            "words": lambda: _scaled(self.body_words.score(word_terms)),
            "bridge": lambda: _scaled(self.body.score(bridge_terms)),
            "asked": lambda: _scaled(self.asked.score(terms)),
            "law_asked": lambda: _scaled(self.law_asked.score(terms))[self._law_of_doc],
            "near": lambda: self._near(terms),
        }
        parts = {name: f() for name, f in compute.items() if every_part or getattr(p, PART_WEIGHTS[name])}
        if self._dense is not None and (every_part or p.w_dense or p.w_dense_near):
            qv = self._dense.vector(q_words)
            if p.w_dense or dense_everywhere:  # else only the re-ranker's candidates need it (_features)
                parts["dense"] = self._dense.dense(qv)
            parts["dense_near"] = self._dense.near(qv, len(self.articles))
        if named:
            law_named = np.zeros(len(self.articles), dtype=np.float32)
            for key, _, _ in named:
                law_named[self._law_of_doc == self._law_ids[key]] = 1.0
            parts["law_named"] = law_named
        q_chars = Counter(char_unigrams(text))
        for word in lexicon_words:  # as for the bigrams: the lexicon's statute words count as asked
            q_chars.update(c for c in char_unigrams(word) if c not in q_chars)
        q_chars = _rarest(q_chars, self.chars, self._chars_df, p.max_query_terms)
        matched_words = list(dict.fromkeys([*q_words, *lexicon_words, *expansions]))
        return parts, matched_words, list(terms), named, q_words, q_chars

    def _near(self, terms: Counter) -> np.ndarray:
        """Votes of the most similar earlier questions for their gold articles and those next to them."""
        votes = np.zeros(len(self.articles), dtype=np.float32)
        if not self._near_docs:
            return votes
        sim = self._neighbours.score(terms)
        n = min(NEIGHBOUR_QUESTIONS, len(sim))
        top = np.argpartition(-sim, n - 1)[:n]
        best = float(sim[top].max()) if n else 0.0
        if best <= 0:
            return votes
        for qi in top[np.lexsort((top, -sim[top]))]:
            weight = float(sim[qi]) / best
            if weight <= 0:
                break
            for i, share in self._near_docs[qi]:
                votes[i] += weight * share
        return _scaled(votes)

    def _rank(self, q: str, k: int) -> tuple[list[int], np.ndarray, tuple[str, ...], list[str]]:
        p = self.params
        parts, matched_words, terms, named, q_words, q_chars = self._parts(q, every_part=self.reranker is not None)
        score = self.combine(parts)
        if self.reranker is not None:
            cand = top_candidates(score, self.reranker.n_candidates)
            prob = self.reranker.probability(self._features(parts, score, cand, q_words, q_chars, q))
            # Re-ranked candidates score their probability (so the diversity factor keeps its
            # meaning); the rest fall below every one of them, in first-stage order.
            best = float(score[cand[0]])
            score = (score / best if best > 0 else score) - 1.0
            score[cand] = prob
        reasons: list[str] = []
        labels = [m.group(0) for m in _LABEL_RE.finditer(q)]
        cited: list[int] = []
        for label in labels:
            docs = self._by_label.get(label, [])
            if named:
                for key, _, _ in named:
                    i = self._by_key.get(f"{key}|{label}")
                    if i is not None and i not in cited:
                        cited.append(i)
            elif docs:
                score[docs] += p.w_label
        if cited:
            reasons.append("cited: " + ", ".join(f"{self.articles[i].law}{self.articles[i].article}" for i in cited))
        elif labels:
            reasons.append(f"article label without a law name: {', '.join(labels)}")
        if named:
            reasons.append("laws named: " + ", ".join(dict.fromkeys(key for key, _, _ in named)))
        order = self.top_order(score, k, cited=cited)
        spread = len({self._law_of_doc[i] for i in order})
        reasons.append(f"{len(order)} articles from {spread} laws")
        return order, score, tuple(reasons), matched_words + terms

    def top_order(
        self, score: np.ndarray, k: int, *, cited: Sequence[int] = (), diversity: float | None = None
    ) -> list[int]:
        """Return the k best article positions: cited ones first, then by score with law diversity.

        The j-th candidate of a law (in score order, counting cited articles of that law)
        has its score multiplied by `diversity` ** min(j, DIVERSITY_MAX_STEPS), so a second law close behind moves up
        past near-copies. This equals picking greedily by the decayed score, since a law's
        candidates are always picked in their score order.
        """
        decay = self.params.diversity if diversity is None else diversity
        n_cand = min(len(score), max(MIN_CANDIDATES, CANDIDATES_PER_HIT * k))
        cand = np.argpartition(-score, n_cand - 1)[:n_cand]
        cited = list(dict.fromkeys(int(i) for i in cited))[:k]
        cand = np.asarray(
            [i for i in cand[np.lexsort((cand, -score[cand]))] if int(i) not in set(cited)], dtype=np.int64
        )
        if decay != 1.0 and cand.size:
            laws = self._law_of_doc[cand]
            seen = Counter(int(self._law_of_doc[i]) for i in cited)
            nth = np.empty(cand.size, dtype=np.float64)
            for j, law in enumerate(laws.tolist()):
                nth[j] = min(seen[law], DIVERSITY_MAX_STEPS)
                seen[law] += 1
            adjusted = score[cand] * np.power(decay, nth)
            cand = cand[np.lexsort((np.arange(cand.size), -adjusted))]
        return cited + [int(i) for i in cand[: k - len(cited)]]

    def _hit(self, i: int, score: float, terms: list[str]) -> Hit:
        a = self.articles[i]
        # Statute texts are already simplified; lower() is enough here (normalise costs ~0.4 ms a hit).
        doc = f"{law_key(a.law)} {a.chapter} {a.text}".lower()
        matched: list[str] = []
        for t in dict.fromkeys(terms):  # words first, then bigrams not already inside a matched word
            if t in doc and not any(t in m for m in matched):
                matched.append(t)
        matched = matched[:MAX_MATCHED_SHOWN]
        return Hit(id=a.id, law=a.law, article=a.article, score=score, text=a.text, matched=tuple(matched))

    def _card_hit(self, card: Card, score: float) -> CardHit:
        refs = []
        for ref in card.refs:
            i = self._by_key.get(article_key(ref.law, ref.article))
            if i is None:
                refs.append({"law": ref.law, "article": ref.article, "resolved": False})
            else:
                a = self.articles[i]
                refs.append({"law": ref.law, "article": ref.article, "resolved": True, "id": a.id, "text": a.text})
        return CardHit(card=card, score=score, refs=tuple(refs))


_NUMBERED_LABEL = re.compile(rf"第([{CN_NUMERAL_CHARS}0-9]+)条(?:之([{CN_NUMERAL_CHARS}0-9]+))?")


def _article_number(label: str) -> tuple[int, int] | None:
    """Return (number, sub-number) of a label such as 第二百九十三条之一 -> (293, 1); None if unreadable."""
    m = _NUMBERED_LABEL.fullmatch(label_key(label))
    if not m:
        return None
    number = chinese_to_int(m.group(1))
    sub = chinese_to_int(m.group(2)) if m.group(2) else 0
    return None if number is None or sub is None else (number, sub)


def _rarest(terms: Counter, field: BM25Field, df: np.ndarray, limit: int) -> Counter:
    """Return `terms` cut to the `limit` rarest in `field` (document frequency `df`), terms the
    field never saw last: a long story keeps the terms that tell its articles apart."""
    if len(terms) <= limit:
        return terms
    freq = {t: int(df[field.vocab[t]]) if t in field.vocab else 0 for t in terms}
    return Counter({t: terms[t] for t in sorted(terms, key=lambda t: (freq[t] == 0, freq[t], t))[:limit]})


def _scaled(part: np.ndarray) -> np.ndarray:
    """Divide a BM25 part by its best score (all zeros stay zeros)."""
    top = float(part.max()) if part.size else 0.0
    return part / top if top > 0 else part


def _body_text(a: Article) -> str:
    return normalise(f"{law_key(a.law)} {a.chapter} {a.text}")


def _log_share(counts: Sequence[int]) -> np.ndarray:
    """Map counts to [0, 1] on a log scale (0 -> 0, the largest -> 1)."""
    arr = np.log1p(np.asarray(counts, dtype=np.float64))
    top = arr.max() if arr.size else 0.0
    return (arr / top if top > 0 else arr).astype(np.float32)
