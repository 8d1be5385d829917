"""A learned linear re-ranker over the best candidates of the first-stage score.

The first stage (`LawIndex.combine`) scores every article; the re-ranker re-orders its best
`n_candidates` by a logistic-regression score over per-candidate features: each score part,
the priors, the first-stage score relative to the best one, the first-stage score of the
articles numbered just before and after (chapter neighbours of strong hits), the candidate's
rank, whether it shares the law and the chapter of the best hit, how many of the best 20 share
its law and of the best 10 its chapter, a few products, and its rank within each BM25 part
(a learned rank fusion). Weights are learned in bench/lawsearch.py (`--write-rerank`) from
out-of-fold features of the STARD training questions; see learned/README.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DEFAULT_RERANK_PATH = Path(__file__).resolve().parent / "learned" / "rerank.json"
N_CANDIDATES = 400
PART_FEATURES = ("body", "words", "bridge", "asked", "law_asked", "law_named", "near")
RANKED_PARTS = ("body", "words", "bridge", "near", "asked")
RANK_OFFSET = 5.0           # a part's rank r counts 1 / (r + RANK_OFFSET)
LAW_SUPPORT_DEPTH = 20
CHAPTER_SUPPORT_DEPTH = 10


@dataclass(frozen=True)
class CandidateContext:
    """Per-article arrays the features need (from the index)."""

    law_prior: np.ndarray
    article_prior: np.ndarray
    law_of_doc: np.ndarray
    chapter_of_doc: np.ndarray   # int code of (law, chapter); -1 when the article has no chapter
    prev_doc: np.ndarray         # position of the article numbered one less in the same law, or -1
    next_doc: np.ndarray


def top_candidates(score: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n best scores, best first (ties by position)."""
    n = min(n, len(score))
    cand = np.argpartition(-score, n - 1)[:n] if n < len(score) else np.arange(len(score))
    return cand[np.lexsort((cand, -score[cand]))]


def candidate_features(parts: dict[str, np.ndarray], score: np.ndarray, cand: np.ndarray,
                       ctx: CandidateContext) -> np.ndarray:
    """Return the candidates x features matrix (float64); `cand` is best-first."""
    n = len(cand)
    zero = np.zeros(n)
    cols = [parts[name][cand] if name in parts else zero for name in PART_FEATURES]
    cols += [ctx.law_prior[cand], ctx.article_prior[cand]]
    s = score[cand].astype(np.float64)
    top = float(s[0]) if n and s[0] > 0 else 1.0
    rel = s / top
    prev = ctx.prev_doc[cand]
    nxt = ctx.next_doc[cand]
    s_prev = np.where(prev >= 0, score[prev], 0.0) / top
    s_next = np.where(nxt >= 0, score[nxt], 0.0) / top
    laws = ctx.law_of_doc[cand]
    chapters = ctx.chapter_of_doc[cand]
    cols += [rel, s_prev, s_next, np.maximum(s_prev, s_next), np.log1p(np.arange(n)),
             (laws == laws[0]).astype(float) if n else zero,
             ((chapters == chapters[0]) & (chapters >= 0)).astype(float) if n else zero]
    law_count = Counter(laws[:LAW_SUPPORT_DEPTH].tolist())
    cols.append(np.asarray([law_count.get(x, 0) for x in laws.tolist()], dtype=float) / LAW_SUPPORT_DEPTH)
    chap_count = Counter(c for c in chapters[:CHAPTER_SUPPORT_DEPTH].tolist() if c >= 0)
    cols.append(np.asarray([chap_count.get(c, 0) for c in chapters.tolist()], dtype=float)
                / CHAPTER_SUPPORT_DEPTH)
    body = cols[0]
    near = cols[PART_FEATURES.index("near")]
    cols += [near * body, cols[1] * body, near ** 2, rel ** 2]
    for name in RANKED_PARTS:
        v = parts[name][cand] if name in parts else zero
        rank = np.empty(n)
        rank[np.argsort(-v, kind="stable")] = np.arange(n)
        cols.append(np.where(v > 0, 1.0 / (rank + RANK_OFFSET), 0.0))
    return np.column_stack(cols).astype(np.float64)


@dataclass(frozen=True)
class Reranker:
    """Standardisation and logistic-regression weights over `candidate_features`."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    n_candidates: int = N_CANDIDATES
    source: str = ""

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def learn(cls, features: Sequence[np.ndarray], labels: Sequence[np.ndarray], *, source: str = "",
              n_candidates: int = N_CANDIDATES, c: float = 1.0) -> Reranker:
        """Fit on per-question feature matrices and 0/1 labels (1 = a gold article)."""
        from sklearn.linear_model import LogisticRegression

        x = np.vstack(features)
        y = np.concatenate(labels)
        if x.shape[0] == 0 or len(set(y.tolist())) < 2:
            raise ValueError("re-ranker needs candidates with and without gold articles")
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + 1e-9
        model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
        return cls(mean=tuple(map(float, mean)), scale=tuple(map(float, scale)),
                   coef=tuple(map(float, model.coef_[0])), intercept=float(model.intercept_[0]),
                   n_candidates=n_candidates, source=source)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Reranker:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(mean=tuple(data["mean"]), scale=tuple(data["scale"]), coef=tuple(data["coef"]),
                   intercept=float(data["intercept"]), n_candidates=int(data["n_candidates"]),
                   source=str(data.get("source", "")))


def default_reranker() -> Reranker | None:
    """Return the committed re-ranker, or None (first-stage order only) if none is committed."""
    return Reranker.load(DEFAULT_RERANK_PATH) if DEFAULT_RERANK_PATH.exists() else None
