"""Which articles, chapters and laws answered questions like this one: linear classifiers.

The nearest-question votes (index.py) let a new question borrow the gold articles of the
few earlier questions most like it. These classifiers learn the same thing discriminatively:
for every article (chapter, law) that answered an earlier question, a linear support-vector
classifier over the question's TF-IDF terms (characters, character bigrams and jieba words)
says how strongly a new question points at it. A class's weights fall on the terms that set
its questions apart from the rest (欠薪 for the wage article, 宅基地 for the homestead
chapter), which votes by overall similarity cannot do. Chapter and law classes also reach
articles no earlier question cited, through their chapter or law.

Learned offline with scikit-learn's LinearSVC (one class against the rest), then kept as each
class's strongest `KEEP_WEIGHTS` term weights and its bias: scoring a question is a sparse
product in numpy, with no scikit-learn and no pickle. The re-ranker (rerank.py) reads, per
candidate and level, the decision value of its class, the class's rank among all classes and
whether the article's class exists at all.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .text import char_bigrams, index_words, normalise, strip_fillers

LEVELS = ("article", "chapter", "law")
SVM_C = 0.5  # chosen by 5-fold CV in bench/lawsearch.py (0.2-1.0 within noise)
KEEP_WEIGHTS = 100  # per class: the strongest term weights kept (CV: no loss against all)
WORD_PREFIX = "\u00b7"  # marks jieba words apart from character bigrams in the vocabulary
UNKNOWN_DECISION = -3.0  # decision value of a candidate whose class was never an answer
RANK_OFFSET = 3.0  # a class's rank r counts 1 / (r + RANK_OFFSET)
FEATURES_PER_LEVEL = 3
N_FEATURES = FEATURES_PER_LEVEL * len(LEVELS)
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def question_terms(text: str) -> list[str]:
    """The classifier's terms of a question: its CJK characters, character bigrams and jieba words."""
    q = strip_fillers(normalise(text))
    return char_bigrams(q) + _CJK_CHAR.findall(q) + [WORD_PREFIX + w for w in index_words(q)]


@dataclass(frozen=True)
class ClassLevel:
    """One level's classes: their keys, biases and pruned weights (terms x classes, CSR)."""

    keys: tuple[str, ...]
    bias: np.ndarray  # (classes,) float32
    weights: sparse.csr_matrix  # (terms, classes) float32

    def to_json(self) -> dict:
        w = self.weights.tocsc()
        return {
            "keys": list(self.keys),
            "bias": [round(float(b), 5) for b in self.bias],
            "weights": [
                [
                    [int(t), round(float(v), 5)]
                    for t, v in zip(w.indices[w.indptr[c] : w.indptr[c + 1]], w.data[w.indptr[c] : w.indptr[c + 1]])
                ]
                for c in range(w.shape[1])
            ],
        }

    @classmethod
    def from_json(cls, data: dict, n_terms: int) -> ClassLevel:
        rows, cols, vals = [], [], []
        for c, pairs in enumerate(data["weights"]):
            for t, v in pairs:
                rows.append(t)
                cols.append(c)
                vals.append(v)
        keys = tuple(data["keys"])
        w = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(n_terms, len(keys)))
        return cls(keys, np.asarray(data["bias"], dtype=np.float32), w)


@dataclass(frozen=True)
class QuestionClassifier:
    """TF-IDF vocabulary plus one ClassLevel per level (see the module docstring)."""

    terms: Mapping[str, int]
    idf: np.ndarray  # (terms,) float32
    levels: Mapping[str, ClassLevel]

    def vector(self, question: str) -> tuple[np.ndarray, np.ndarray]:
        """The question's TF-IDF row as (term indices, values): sublinear counts, unit length."""
        counts = Counter(t for t in question_terms(question) if t in self.terms)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter((self.terms[t] for t in counts), dtype=np.int64, count=len(counts))
        val = np.fromiter(((1.0 + math.log(n)) for n in counts.values()), dtype=np.float32, count=len(counts))
        val *= self.idf[idx]
        return idx, val / np.float32(np.linalg.norm(val))

    def decisions(self, question: str) -> dict[str, np.ndarray]:
        """Each level's decision value for every class (bias alone when no term is known)."""
        idx, val = self.vector(question)
        out = {}
        for name, level in self.levels.items():
            d = level.bias.copy()
            if len(idx):
                d += np.asarray(level.weights[idx].T @ val).ravel()
            out[name] = d
        return out

    @classmethod
    def learn(
        cls,
        questions: Sequence[str],
        labels: Mapping[str, Sequence[Sequence[str]]],
        *,
        c: float = SVM_C,
        keep: int = KEEP_WEIGHTS,
    ) -> QuestionClassifier | None:
        """Learn from questions and, per level, each question's class keys (empty: no class).

        Returns None when there is nothing to learn (no questions or no class).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        if not questions:
            return None
        # the same weighting as `vector`: sublinear counts times smoothed IDF, unit rows
        tfidf = TfidfVectorizer(analyzer=question_terms, sublinear_tf=True, dtype=np.float64)
        try:
            x = tfidf.fit_transform(questions)
        except ValueError:  # not one term in any question
            return None
        vocab = {t: int(i) for t, i in tfidf.vocabulary_.items()}
        idf = tfidf.idf_.astype(np.float32)
        n = len(questions)
        levels = {}
        for name in LEVELS:
            per_question = [sorted(set(k)) for k in labels.get(name, [[]] * n)]
            keys = sorted({k for ks in per_question for k in ks})
            if not keys:
                continue
            w_rows, w_cols, w_vals, bias = [], [], [], []
            for ci, key in enumerate(keys):
                y = np.asarray([key in ks for ks in per_question], dtype=np.int8)
                if y.all():
                    coef, b = np.zeros(len(vocab)), 1.0
                else:
                    model = LinearSVC(C=c, random_state=0).fit(x, y)
                    coef, b = model.coef_.ravel(), float(model.intercept_[0])
                top = np.argsort(-np.abs(coef), kind="stable")[:keep]
                top = np.sort(top[coef[top] != 0])
                w_rows += top.tolist()
                w_cols += [ci] * len(top)
                w_vals += coef[top].tolist()
                bias.append(b)
            weights = sparse.csr_matrix(
                (np.asarray(w_vals, dtype=np.float32), (w_rows, w_cols)), shape=(len(vocab), len(keys))
            )
            levels[name] = ClassLevel(tuple(keys), np.asarray(bias, dtype=np.float32), weights)
        if not levels:
            return None
        return cls(vocab, idf, levels)

    def to_json(self) -> dict:
        ordered = sorted(self.terms, key=self.terms.__getitem__)
        return {
            "terms": ordered,
            "idf": [round(float(v), 5) for v in self.idf],
            "levels": {name: level.to_json() for name, level in self.levels.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> QuestionClassifier:
        terms = {t: i for i, t in enumerate(data["terms"])}
        return cls(
            terms,
            np.asarray(data["idf"], dtype=np.float32),
            {name: ClassLevel.from_json(level, len(terms)) for name, level in data["levels"].items()},
        )


def class_features(decisions: Mapping[str, np.ndarray], class_of_candidate: Mapping[str, np.ndarray]) -> np.ndarray:
    """Per candidate and level: decision value of its class, 1 / (class rank + RANK_OFFSET), known flag.

    `class_of_candidate[level]` holds each candidate's class index at that level, -1 for none.
    Levels the classifier lacks give the values of an unknown class.
    """
    n = len(next(iter(class_of_candidate.values()))) if class_of_candidate else 0
    cols = []
    for name in LEVELS:
        cls_idx = class_of_candidate.get(name)
        d = decisions.get(name)
        if cls_idx is None or d is None or not len(d):
            cols += list(no_class_features(n, levels=1).T)
            continue
        rank = np.empty(len(d))
        rank[np.argsort(-d, kind="stable")] = np.arange(len(d))
        known = cls_idx >= 0
        safe = np.where(known, cls_idx, 0)
        cols += [
            np.where(known, d[safe], UNKNOWN_DECISION),
            np.where(known, 1.0 / (rank[safe] + RANK_OFFSET), 0.0),
            known.astype(float),
        ]
    return np.column_stack(cols)


def no_class_features(n: int, levels: int = len(LEVELS)) -> np.ndarray:
    """The columns of `n` candidates whose class is unknown at every one of `levels` levels."""
    return np.tile([UNKNOWN_DECISION, 0.0, 0.0], (n, levels))
