"""The lay->legal bridge, learned from question-article pairs and a reviewed lexicon.

What is learned from pairs of (lay question, gold articles):

1. question words per article: the bigrams of the questions that cite an article, kept as
   counts under the article's key (law + label), and per question with its gold keys. They let
   a new question reach an article through how people asked about it before: as a second
   field (document expansion) and as votes of the most similar earlier questions, spread to
   the neighbouring articles of the same law (statutes group articles by topic).
2. a term map: for each lay word, the statute words that appear in the gold articles of
   questions containing it far more often than in gold articles generally (老板 -> 用人单位).
3. priors: how often each law and each article is the answer, smoothed.
4. term weights: how often a question bigram also occurs in the gold articles, against the
   average (question-style bigrams such as 是否 or 怎样 fall, statute terms rise).
5. question classifiers (classify.py): for each article, chapter and law that answered a
   question, which question terms point at it.

Keys are law titles and article labels, not corpus ids, so a bridge learned on one corpus
applies to any imported corpus that uses the official titles.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .classify import QuestionClassifier
from .text import article_key, char_bigrams, index_words, law_key, normalise, strip_fillers

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_BRIDGE_PATH = PACKAGE_DIR / "learned" / "bridge.json.gz"
LEXICON_PATH = PACKAGE_DIR / "lexicon.json"

MIN_WORD_QUESTIONS = 2  # a lay word must occur in this many training questions to be mapped
MIN_PAIR_COUNT = 2  # ... and co-occur with the statute word in this many pairs
MIN_CONDITIONAL = 0.25  # P(statute word in gold | lay word in question)
MIN_LIFT = 3.0  # that probability over the statute word's base rate
MAX_TARGETS_PER_WORD = 4
# Learned weight of a question bigram: its rate of occurring in the gold articles, shrunk
# towards the average rate as if seen in TERM_PRIOR_QUESTIONS more questions, over that average.
MIN_TERM_QUESTIONS = 2
TERM_PRIOR_QUESTIONS = 3.0
MIN_TERM_WEIGHT, MAX_TERM_WEIGHT = 0.1, 2.5


@dataclass
class Bridge:
    """What the engine learned; see the module docstring. Empty means "nothing learned"."""

    article_terms: dict[str, dict[str, int]] = field(default_factory=dict)
    # one entry per training question: its bigrams (sorted, with repeats) and its gold article keys
    asked: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    # the jieba words of the same questions (sorted, with repeats), for the word-vector neighbours
    asked_words: list[tuple[str, ...]] = field(default_factory=list)
    # question bigram -> how much more (or less) often than usual it occurs in the gold articles
    term_weights: dict[str, float] = field(default_factory=dict)
    term_map: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    law_counts: dict[str, int] = field(default_factory=dict)
    article_counts: dict[str, int] = field(default_factory=dict)
    classifier: QuestionClassifier | None = None
    n_questions: int = 0
    source: str = ""
    lexicon: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def learn(
        cls,
        pairs: Iterable[tuple[str, list[tuple[str, str]]]],
        article_texts: Mapping[str, str],
        *,
        lexicon: Mapping[str, list[str]] | None = None,
        source: str = "",
        article_chapters: Mapping[str, str] | None = None,
    ) -> Bridge:
        """Learn from (question, [(law, article label), …]) pairs; `article_texts` maps article keys to text.

        Gold articles missing from `article_texts` still count for the priors and the
        question-words field; they just teach no statute words. `article_chapters` (article
        key -> chapter title) gives the chapter classes; without it only articles and laws
        are learned as classes.
        """
        article_terms: dict[str, Counter] = defaultdict(Counter)
        law_counts: Counter = Counter()
        article_counts: Counter = Counter()
        word_questions: Counter = Counter()
        pair_counts: dict[str, Counter] = defaultdict(Counter)
        target_base: Counter = Counter()
        n_gold = 0
        n_questions = 0
        asked: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        asked_words: list[tuple[str, ...]] = []
        article_words_cache: dict[str, frozenset[str]] = {}
        term_asked: Counter = Counter()
        term_found: Counter = Counter()
        questions: list[str] = []
        class_labels: dict[str, list[list[str]]] = {"article": [], "chapter": [], "law": []}
        for question, golds in pairs:
            n_questions += 1
            questions.append(question)
            keys = [article_key(law, label) for law, label in golds]
            class_labels["article"].append(keys)
            class_labels["law"].append([law_key(law) for law, _ in golds])
            class_labels["chapter"].append(
                [
                    f"{law_key(law)}|{chapter}"
                    for (law, _), key in zip(golds, keys)
                    if (chapter := (article_chapters or {}).get(key))
                ]
            )
            q_norm = strip_fillers(normalise(question))
            q_bigrams = char_bigrams(q_norm)
            q_word_list = index_words(q_norm)
            q_words = set(q_word_list)
            asked_words.append(tuple(sorted(q_word_list)))
            for w in q_words:
                word_questions[w] += 1
            asked.append((tuple(sorted(q_bigrams)), tuple(article_key(law, label) for law, label in golds)))
            gold_bigrams: set[str] = set()
            for law, label in golds:
                text = article_texts.get(article_key(law, label))
                if text is not None:
                    gold_bigrams.update(char_bigrams(normalise(f"{law_key(law)} {text}")))
            if gold_bigrams:
                for t in set(q_bigrams):
                    term_asked[t] += 1
                    term_found[t] += t in gold_bigrams
            for law, label in golds:
                key = article_key(law, label)
                article_terms[key].update(q_bigrams)
                article_counts[key] += 1
                law_counts[law_key(law)] += 1
                text = article_texts.get(key)
                if text is None:
                    continue
                if key not in article_words_cache:
                    article_words_cache[key] = frozenset(index_words(normalise(text)))
                a_words = article_words_cache[key]
                n_gold += 1
                target_base.update(a_words)
                for w in q_words:
                    pair_counts[w].update(a_words - q_words)
        term_map: dict[str, list[tuple[str, float]]] = {}
        for w, targets in pair_counts.items():
            n_w = word_questions[w]
            if n_w < MIN_WORD_QUESTIONS:
                continue
            scored = []
            for v, c in targets.items():
                if c < MIN_PAIR_COUNT:
                    continue
                conditional = c / n_w
                lift = conditional / (target_base[v] / max(n_gold, 1))
                if conditional >= MIN_CONDITIONAL and lift >= MIN_LIFT:
                    scored.append((v, round(min(conditional, 1.0), 3), lift))
            scored.sort(key=lambda vwl: (-vwl[1], -vwl[2], vwl[0]))
            if scored:
                term_map[w] = [(v, weight) for v, weight, _ in scored[:MAX_TARGETS_PER_WORD]]
        base_rate = sum(term_found.values()) / max(sum(term_asked.values()), 1)
        term_weights = {}
        for t, n in term_asked.items():
            if n >= MIN_TERM_QUESTIONS and base_rate > 0:
                rate = (term_found[t] + TERM_PRIOR_QUESTIONS * base_rate) / (n + TERM_PRIOR_QUESTIONS)
                term_weights[t] = round(min(max(rate / base_rate, MIN_TERM_WEIGHT), MAX_TERM_WEIGHT), 3)
        return cls(
            term_weights=term_weights,
            article_terms={k: dict(c) for k, c in article_terms.items()},
            asked=asked,
            asked_words=asked_words,
            term_map=term_map,
            law_counts=dict(law_counts),
            article_counts=dict(article_counts),
            n_questions=n_questions,
            source=source,
            lexicon={normalise(k): [normalise(v) for v in vs] for k, vs in (lexicon or {}).items()},
            classifier=QuestionClassifier.learn(questions, class_labels) if questions else None,
        )

    def expand(self, question: str, question_words: Iterable[str]) -> dict[str, float]:
        """Return statute words (with weights) that the learned term map gives a normalised question."""
        out: dict[str, float] = {}
        for w in dict.fromkeys(question_words):
            for v, weight in self.term_map.get(w, ()):
                if v not in question:
                    out[v] = max(out.get(v, 0.0), weight)
        # Ordered by weight then word: the same question gives the same expansion in any process.
        return dict(sorted(out.items(), key=lambda vw: (-vw[1], vw[0])))

    def lexicon_words(self, question: str) -> list[str]:
        """Return the statute words the reviewed lexicon gives for a normalised question.

        Lexicon entries apply wherever their lay phrase occurs in the text (jieba may cut a
        phrase apart). Reviewed synonyms count like the question's own words.
        """
        out: list[str] = []
        for lay, legal in sorted(self.lexicon.items()):
            if lay in question:
                out.extend(v for v in legal if v not in question)
        return list(dict.fromkeys(out))

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "n_questions": self.n_questions,
            "lexicon": self.lexicon,
            "law_counts": self.law_counts,
            "article_counts": self.article_counts,
            "term_map": {w: [[v, x] for v, x in vs] for w, vs in sorted(self.term_map.items())},
            "article_terms": {k: self.article_terms[k] for k in sorted(self.article_terms)},
            "asked": [[" ".join(terms), list(keys)] for terms, keys in self.asked],
            "asked_words": [" ".join(words) for words in self.asked_words],
            "term_weights": dict(sorted(self.term_weights.items())),
            "classifier": self.classifier.to_json() if self.classifier is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> Bridge:
        return cls(
            article_terms={k: dict(v) for k, v in data.get("article_terms", {}).items()},
            asked=[(tuple(terms.split()), tuple(keys)) for terms, keys in data.get("asked", [])],
            asked_words=[tuple(words.split()) for words in data.get("asked_words", [])],
            term_weights={k: float(v) for k, v in data.get("term_weights", {}).items()},
            term_map={w: [(v, float(x)) for v, x in vs] for w, vs in data.get("term_map", {}).items()},
            law_counts=dict(data.get("law_counts", {})),
            article_counts=dict(data.get("article_counts", {})),
            n_questions=int(data.get("n_questions", 0)),
            source=str(data.get("source", "")),
            lexicon={k: list(v) for k, v in data.get("lexicon", {}).items()},
            classifier=QuestionClassifier.from_json(data["classifier"]) if data.get("classifier") else None,
        )

    def save(self, path: Path) -> None:
        payload = json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")
        # mtime=0 keeps the file byte-identical across rebuilds of the same data.
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as fh:
            fh.write(payload)

    @classmethod
    def load(cls, path: Path) -> Bridge:
        with gzip.open(path, "rb") as fh:
            return cls.from_json(json.loads(fh.read().decode("utf-8")))


def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, list[str]]:
    """Read the reviewed lay->statute lexicon ({"lay word": ["statute word", …]}; "_" keys are notes)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.items() if not k.startswith("_")}


def default_bridge() -> Bridge:
    """Return the committed bridge, or a lexicon-only one if none has been learned yet."""
    if DEFAULT_BRIDGE_PATH.exists():
        return Bridge.load(DEFAULT_BRIDGE_PATH)
    return Bridge.learn([], {}, lexicon=load_lexicon(), source="reviewed lexicon only")
