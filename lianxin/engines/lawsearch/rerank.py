"""A learned re-ranker over the best candidates of the first-stage score.

The first stage (`LawIndex.combine`) scores every article; the re-ranker re-orders its best
`n_candidates` by the probability, from two kinds of boosted trees averaged (`TreeEnsemble`,
shipped: trees that classify one candidate at a time, `TreeReranker.learn`, and trees that learn
the order of a question's candidates, `TreeReranker.learn_ranking`), or from one kind alone or a
logistic regression (`Reranker`), kept for comparison in the bench, over per-candidate features: each score part,
the priors, the single-character BM25 of the candidates (index.py, "chars"), the first-stage
score relative to the best one, the first-stage score of the
articles numbered just before and after (chapter neighbours of strong hits), the candidate's
rank, whether it shares the law and the chapter of the best hit, how many of the best 20 share
its law and of the best 10 its chapter, a few products, and its rank within each BM25 part
(a learned rank fusion), the word-vector soft match (embed.py), the question classifiers'
decision for the candidate's article, chapter and law (classify.py), and, for the main signals,
how far the candidate stands behind the best candidate of its own law and its rank within that
law (most misses are the right law and a neighbouring article, so "best of its law" is a signal
of its own). Both are learned in bench/lawsearch.py (`--write-rerank`) from out-of-fold features
of the STARD training questions; see learned/README.md.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .classify import no_class_features
from .embed import SOFT_FEATURES

DEFAULT_RERANK_PATH = Path(__file__).resolve().parent / "learned" / "rerank.json"
N_CANDIDATES = 400
PART_FEATURES = ("body", "words", "bridge", "asked", "law_asked", "law_named", "near", "dense", "dense_near", "chars")
RANKED_PARTS = ("body", "words", "bridge", "near", "asked", "dense", "chars")
RANK_OFFSET = 5.0  # a part's rank r counts 1 / (r + RANK_OFFSET)
LAW_SUPPORT_DEPTH = 20
CHAPTER_SUPPORT_DEPTH = 10
# Signals compared within each law's candidates (see `within_law`): named score parts, and the
# columns "rel" (first-stage score / best), "soft" (word-vector soft match) and "article class"
# (the article classifier's decision). Chosen by 5-fold CV on three fold seeds (NOTES.md).
WITHIN_LAW_PARTS = ("body", "words", "bridge", "near", "dense", "chars")
WITHIN_LAW_FEATURES = 2 * (len(WITHIN_LAW_PARTS) + 3)  # the last columns: (gap, rank) per signal


@dataclass(frozen=True)
class CandidateContext:
    """Per-article arrays the features need (from the index)."""

    law_prior: np.ndarray
    article_prior: np.ndarray
    law_of_doc: np.ndarray
    chapter_of_doc: np.ndarray  # int code of (law, chapter); -1 when the article has no chapter
    prev_doc: np.ndarray  # position of the article numbered one less in the same law, or -1
    next_doc: np.ndarray


def top_candidates(score: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n best scores, best first (ties by position)."""
    n = min(n, len(score))
    cand = np.argpartition(-score, n - 1)[:n] if n < len(score) else np.arange(len(score))
    return cand[np.lexsort((cand, -score[cand]))]


def candidate_features(
    parts: dict[str, np.ndarray],
    score: np.ndarray,
    cand: np.ndarray,
    ctx: CandidateContext,
    soft: np.ndarray | None = None,
    classes: np.ndarray | None = None,
) -> np.ndarray:
    """Return the candidates x features matrix (float64); `cand` is best-first.

    `soft` holds the word-vector soft-match columns of the candidates (embed.DenseSpace.soft_match);
    zeros when the index has no word vectors. `classes` holds the question-classifier columns
    (classify.class_features); "no class known" when the bridge has no classifier.
    """
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
    cols += [
        rel,
        s_prev,
        s_next,
        np.maximum(s_prev, s_next),
        np.log1p(np.arange(n)),
        (laws == laws[0]).astype(float) if n else zero,
        ((chapters == chapters[0]) & (chapters >= 0)).astype(float) if n else zero,
    ]
    law_count = Counter(laws[:LAW_SUPPORT_DEPTH].tolist())
    cols.append(np.asarray([law_count.get(x, 0) for x in laws.tolist()], dtype=float) / LAW_SUPPORT_DEPTH)
    chap_count = Counter(c for c in chapters[:CHAPTER_SUPPORT_DEPTH].tolist() if c >= 0)
    cols.append(np.asarray([chap_count.get(c, 0) for c in chapters.tolist()], dtype=float) / CHAPTER_SUPPORT_DEPTH)
    body = cols[0]
    near = cols[PART_FEATURES.index("near")]
    cols += [near * body, cols[1] * body, near**2, rel**2, cols[PART_FEATURES.index("dense_near")] * body]
    soft_cols = (soft if soft is not None else np.zeros((n, SOFT_FEATURES))).T
    cols += list(soft_cols)
    for name in RANKED_PARTS:
        v = parts[name][cand] if name in parts else zero
        rank = np.empty(n)
        rank[np.argsort(-v, kind="stable")] = np.arange(n)
        cols.append(np.where(v > 0, 1.0 / (rank + RANK_OFFSET), 0.0))
    class_cols = (no_class_features(n) if classes is None else classes).T
    cols += list(class_cols)
    signals = [cols[PART_FEATURES.index(name)] for name in WITHIN_LAW_PARTS] + [rel, soft_cols[0], class_cols[0]]
    for v in signals:
        cols += list(within_law(v, laws))
    return np.column_stack(cols).astype(np.float64)


def within_law(values: np.ndarray, laws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, per candidate, its value minus the best value among its law's candidates (<= 0)
    and 1 / (1 + its rank among them), ties ranked by candidate position."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if not n:
        return np.zeros(0), np.zeros(0)
    order = np.lexsort((np.arange(n), -values, laws))
    sorted_laws = laws[order]
    starts = np.flatnonzero(np.r_[True, sorted_laws[1:] != sorted_laws[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, n]))  # position in `order` of the law's best
    gap, rank = np.empty(n), np.empty(n)
    gap[order] = values[order] - values[order[first]]
    rank[order] = np.arange(n) - first
    return gap, 1.0 / (rank + 1.0)


def _training_rows(
    features: Sequence[np.ndarray], labels: Sequence[np.ndarray], depth: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack each question's best `depth` candidates (all when None); raise if no class is left to learn."""
    x = np.vstack([f[:depth] for f in features])
    y = np.concatenate([lab[:depth] for lab in labels])
    if x.shape[0] == 0 or len(set(y.tolist())) < 2:
        raise ValueError("re-ranker needs candidates with and without gold articles")
    return x, y


@dataclass(frozen=True)
class Reranker:
    """Standardisation and logistic-regression weights over `candidate_features`."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    n_candidates: int = N_CANDIDATES
    source: str = ""

    @property
    def n_features(self) -> int:
        return len(self.coef)

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale) @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    @classmethod
    def learn(
        cls,
        features: Sequence[np.ndarray],
        labels: Sequence[np.ndarray],
        *,
        source: str = "",
        n_candidates: int = N_CANDIDATES,
        c: float = 1.0,
    ) -> Reranker:
        """Fit on per-question feature matrices and 0/1 labels (1 = a gold article)."""
        from sklearn.linear_model import LogisticRegression

        x, y = _training_rows(features, labels)
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + 1e-9
        model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
        return cls(
            mean=tuple(map(float, mean)),
            scale=tuple(map(float, scale)),
            coef=tuple(map(float, model.coef_[0])),
            intercept=float(model.intercept_[0]),
            n_candidates=n_candidates,
            source=source,
        )

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps({"kind": "linear", **asdict(self)}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )

    @classmethod
    def from_json(cls, data: dict) -> Reranker:
        return cls(
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            coef=tuple(data["coef"]),
            intercept=float(data["intercept"]),
            n_candidates=int(data["n_candidates"]),
            source=str(data.get("source", "")),
        )


# The boosted trees' settings, chosen by 5-fold CV in bench/lawsearch.py (depth 3 beat 2 and 5;
# learning on the best 100 candidates of each question matched learning on all 400).
TREE_ITERATIONS = 300
TREE_LEARNING_RATE = 0.03
TREE_MAX_DEPTH = 3
TREE_MIN_SAMPLES_LEAF = 200
TREE_TRAIN_CANDIDATES = 100
TREE_RANDOM_STATE = 20241
TREE_WALK_CHUNK = 64
# The ranking trees (LightGBM's lambdarank, which learns from the order within each question, not
# from each candidate alone), chosen the same way; LightGBM is needed only to learn them.
RANK_ITERATIONS = 600
RANK_LEARNING_RATE = 0.03
RANK_MAX_DEPTH = 3
RANK_MIN_DATA_IN_LEAF = 50
RANK_TRUNCATION = 20  # the pairs it weighs involve one of a question's best 20


@dataclass(frozen=True)
class TreeReranker:
    """Gradient-boosted regression trees over `candidate_features`, evaluated with numpy.

    Learned with scikit-learn's HistGradientBoostingClassifier (`learn`), then kept as complete
    binary trees of one depth, in level order (node i has children 2i+1 and 2i+2): a sample goes
    left when feature <= threshold. A leaf above the full depth becomes a node that always goes
    left (threshold +inf) over copies of its value. Scoring needs no scikit-learn and does not
    depend on its pickle format.
    """

    feature: np.ndarray  # (trees, 2**depth - 1) int64
    threshold: np.ndarray  # (trees, 2**depth - 1) float64
    value: np.ndarray  # (trees, 2**depth) float64: leaf values with the learning rate applied
    baseline: float
    depth: int
    n_features: int
    n_candidates: int = N_CANDIDATES
    source: str = ""

    def raw_score(self, features: np.ndarray) -> np.ndarray:
        n, (trees, inner) = len(features), self.feature.shape
        # Flat views: node (tree t, position p) is t * inner + p; the feature f of sample s sits
        # at f * n + s in the transposed features, so each level is two gathers and a compare
        # over (samples, trees), not a test of every split for every sample. The trees are
        # walked TREE_WALK_CHUNK at a time, which keeps the working arrays in cache (3x faster
        # for 900 trees over 400 candidates than all at once).
        x = np.ascontiguousarray(np.asarray(features, dtype=np.float64).T).ravel()
        sample = np.arange(n)[:, None]
        total = np.full(n, self.baseline)
        for first in range(0, trees, TREE_WALK_CHUNK):
            count = min(TREE_WALK_CHUNK, trees - first)
            feature = self.feature[first : first + count].ravel()
            threshold = self.threshold[first : first + count].ravel()
            tree_node = (np.arange(count) * inner)[None, :]
            pos = np.zeros((n, count), dtype=np.intp)
            # 1. walk down one level at a time: left when feature <= threshold
            for _ in range(self.depth):
                node = tree_node + pos
                goes_left = x[feature[node] * n + sample] <= threshold[node]
                pos = 2 * pos + 2 - goes_left
            # 2. add the leaves reached (leaf j of tree t sits at position inner + j)
            leaf = (np.arange(count) * (inner + 1))[None, :] + pos - inner
            total += self.value[first : first + count].ravel()[leaf].sum(axis=1)
        return total

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw_score(features)))

    @classmethod
    def learn(
        cls,
        features: Sequence[np.ndarray],
        labels: Sequence[np.ndarray],
        *,
        source: str = "",
        n_candidates: int = N_CANDIDATES,
    ) -> TreeReranker:
        """Fit on per-question feature matrices (best-first rows) and 0/1 labels (1 = a gold article)."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        x, y = _training_rows(features, labels, TREE_TRAIN_CANDIDATES)
        model = HistGradientBoostingClassifier(
            max_iter=TREE_ITERATIONS,
            learning_rate=TREE_LEARNING_RATE,
            max_depth=TREE_MAX_DEPTH,
            min_samples_leaf=TREE_MIN_SAMPLES_LEAF,
            early_stopping=False,
            random_state=TREE_RANDOM_STATE,
        ).fit(x, y)
        return cls.from_model(model, source=source, n_candidates=n_candidates)

    @classmethod
    def learn_ranking(
        cls,
        features: Sequence[np.ndarray],
        labels: Sequence[np.ndarray],
        *,
        source: str = "",
        n_candidates: int = N_CANDIDATES,
    ) -> TreeReranker:
        """Fit ranking trees (LightGBM lambdarank) on per-question feature matrices and 0/1 labels.

        Their raw score orders one question's candidates but is no probability: `TreeEnsemble.learn`
        maps it onto the probability scale before it is averaged with the classifying trees.
        """
        import lightgbm

        x, y = _training_rows(features, labels, TREE_TRAIN_CANDIDATES)
        group = [len(f[:TREE_TRAIN_CANDIDATES]) for f in features]
        params = {
            "objective": "lambdarank",
            "learning_rate": RANK_LEARNING_RATE,
            "max_depth": RANK_MAX_DEPTH,
            "num_leaves": 2**RANK_MAX_DEPTH,
            "min_data_in_leaf": RANK_MIN_DATA_IN_LEAF,
            "lambdarank_truncation_level": RANK_TRUNCATION,
            "seed": TREE_RANDOM_STATE,
            "num_threads": 1,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }
        booster = lightgbm.train(params, lightgbm.Dataset(x, y, group=group), num_boost_round=RANK_ITERATIONS)
        return cls.from_lightgbm(booster, source=source, n_candidates=n_candidates)

    @classmethod
    def from_model(cls, model, *, source: str = "", n_candidates: int = N_CANDIDATES) -> TreeReranker:
        """Copy the trees of a fitted binary HistGradientBoostingClassifier (numeric features only)."""

        def split(tree_node):
            nodes, i = tree_node
            if nodes["is_leaf"][i]:
                return None
            return (
                int(nodes["feature_idx"][i]),
                float(nodes["num_threshold"][i]),
                (nodes, int(nodes["left"][i])),
                (nodes, int(nodes["right"][i])),
            )

        trees = [predictors[0].nodes for predictors in model._predictors]
        depth = max(int(t["depth"].max()) for t in trees)
        return cls._from_roots(
            [(t, 0) for t in trees],
            split,
            lambda tn: float(tn[0]["value"][tn[1]]),
            depth,
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            n_features=int(model.n_features_in_),
            n_candidates=n_candidates,
            source=source,
        )

    @classmethod
    def from_lightgbm(cls, booster, *, source: str = "", n_candidates: int = N_CANDIDATES) -> TreeReranker:
        """Copy the trees of a LightGBM booster learned on numeric features without missing values."""

        def split(node):
            if "leaf_value" in node:
                return None
            if node["decision_type"] != "<=":
                raise ValueError(f"LightGBM split {node['decision_type']!r} is not a numeric '<=' split")
            return int(node["split_feature"]), float(node["threshold"]), node["left_child"], node["right_child"]

        def depth_of(node):
            return 0 if "leaf_value" in node else 1 + max(depth_of(node["left_child"]), depth_of(node["right_child"]))

        dump = booster.dump_model()
        roots = [t["tree_structure"] for t in dump["tree_info"]]
        return cls._from_roots(
            roots,
            split,
            lambda node: float(node["leaf_value"]),
            max(1, max(depth_of(r) for r in roots)),
            baseline=0.0,
            n_features=int(dump["max_feature_idx"]) + 1,
            n_candidates=n_candidates,
            source=source,
        )

    @classmethod
    def _from_roots(
        cls,
        roots: list,
        split,
        leaf_value,
        depth: int,
        *,
        baseline: float,
        n_features: int,
        n_candidates: int,
        source: str,
    ) -> TreeReranker:
        """Lay trees out as complete level-order arrays. `split(node)` is None for a leaf, else
        (feature, threshold, left, right) with left taken when feature <= threshold."""
        inner = 2**depth - 1
        feature = np.zeros((len(roots), inner), dtype=np.int64)
        threshold = np.full((len(roots), inner), np.inf)
        value = np.zeros((len(roots), inner + 1))
        for i, root in enumerate(roots):
            stack = [(root, 0, 0)]  # (node, level-order position, level)
            while stack:
                node, pos, level = stack.pop()
                parts = split(node)
                if level == depth:
                    if parts is not None:
                        raise ValueError(f"tree {i} is deeper than {depth}")
                    value[i, pos - inner] = leaf_value(node)
                elif parts is None:
                    stack += [(node, 2 * pos + 1, level + 1), (node, 2 * pos + 2, level + 1)]
                else:
                    feature[i, pos], threshold[i, pos] = parts[0], parts[1]
                    stack += [(parts[2], 2 * pos + 1, level + 1), (parts[3], 2 * pos + 2, level + 1)]
        return cls(
            feature=feature,
            threshold=threshold,
            value=value,
            baseline=baseline,
            depth=depth,
            n_features=n_features,
            n_candidates=n_candidates,
            source=source,
        )

    def to_json(self) -> dict:
        return {
            "kind": "trees",
            "source": self.source,
            "n_candidates": self.n_candidates,
            "baseline": self.baseline,
            "depth": self.depth,
            "n_features": self.n_features,
            "feature": self.feature.tolist(),
            "threshold": [[t if np.isfinite(t) else None for t in row] for row in self.threshold.tolist()],
            "value": self.value.tolist(),
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict) -> TreeReranker:
        threshold = np.asarray(
            [[np.inf if t is None else t for t in row] for row in data["threshold"]], dtype=np.float64
        )
        return cls(
            feature=np.asarray(data["feature"], dtype=np.int64),
            threshold=threshold,
            value=np.asarray(data["value"], dtype=np.float64),
            baseline=float(data["baseline"]),
            depth=int(data["depth"]),
            n_features=int(data["n_features"]),
            n_candidates=int(data["n_candidates"]),
            source=str(data.get("source", "")),
        )


@dataclass(frozen=True)
class TreeEnsemble:
    """The mean over member trees of their raw scores, each first mapped onto the log-odds scale
    (scale * raw + offset): the classifying trees' raw score already is log-odds (1, 0); the
    ranking trees' is fitted to it on the training candidates (Platt scaling). In 5-fold CV on
    three fold seeds the mean beat either kind alone (NOTES.md)."""

    members: tuple[TreeReranker, ...]
    scale: tuple[float, ...]
    offset: tuple[float, ...]
    n_candidates: int = N_CANDIDATES
    source: str = ""

    def __post_init__(self):
        if not self.members or not len(self.members) == len(self.scale) == len(self.offset):
            raise ValueError("an ensemble needs one scale and one offset per member, and a member")
        if len({m.n_features for m in self.members}) != 1:
            raise ValueError("ensemble members read different feature counts")

    @property
    def n_features(self) -> int:
        return self.members[0].n_features

    def raw_score(self, features: np.ndarray) -> np.ndarray:
        scores = [a * m.raw_score(features) + b for m, a, b in zip(self.members, self.scale, self.offset)]
        total = scores[0]
        for more in scores[1:]:  # left to right, as sum() added them: the same bits
            total = total + more
        return total / len(self.members)

    def probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw_score(features)))

    @classmethod
    def learn(
        cls,
        features: Sequence[np.ndarray],
        labels: Sequence[np.ndarray],
        *,
        source: str = "",
        n_candidates: int = N_CANDIDATES,
    ) -> TreeEnsemble:
        """Learn the classifying and the ranking trees on the same candidates, and the ranking
        trees' mapping onto log-odds."""
        from sklearn.linear_model import LogisticRegression

        classify = TreeReranker.learn(features, labels, source=source, n_candidates=n_candidates)
        rank = TreeReranker.learn_ranking(features, labels, source=source, n_candidates=n_candidates)
        x, y = _training_rows(features, labels, TREE_TRAIN_CANDIDATES)
        platt = LogisticRegression(C=1e4, max_iter=1000).fit(rank.raw_score(x)[:, None], y)
        return cls(
            members=(classify, rank),
            scale=(1.0, float(platt.coef_[0, 0])),
            offset=(0.0, float(platt.intercept_[0])),
            n_candidates=n_candidates,
            source=source,
        )

    def save(self, path: Path) -> None:
        data = {
            "kind": "ensemble",
            "source": self.source,
            "n_candidates": self.n_candidates,
            "scale": list(self.scale),
            "offset": list(self.offset),
            "members": [m.to_json() for m in self.members],
        }
        path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, data: dict) -> TreeEnsemble:
        return cls(
            members=tuple(TreeReranker.from_json(m) for m in data["members"]),
            scale=tuple(map(float, data["scale"])),
            offset=tuple(map(float, data["offset"])),
            n_candidates=int(data["n_candidates"]),
            source=str(data.get("source", "")),
        )


AnyReranker = Reranker | TreeReranker | TreeEnsemble
_KINDS: dict[str, Callable[[dict], AnyReranker]] = {
    "trees": TreeReranker.from_json,
    "ensemble": TreeEnsemble.from_json,
    "linear": Reranker.from_json,
}


def load_reranker(path: Path) -> AnyReranker:
    """Read a re-ranker file written by any kind's `save`."""
    data = json.loads(path.read_text(encoding="utf-8"))
    kind = data.get("kind", "linear")
    if kind not in _KINDS:
        raise ValueError(f"{path}: unknown re-ranker kind {kind!r}")
    return _KINDS[kind](data)


def default_reranker() -> AnyReranker | None:
    """Return the committed re-ranker, or None (first-stage order only) if none is committed."""
    return load_reranker(DEFAULT_RERANK_PATH) if DEFAULT_RERANK_PATH.exists() else None
