"""Benchmark of the statute search on real lay questions (STARD training part, 5-fold CV).

Prints Recall@5/10/100 and MRR@10 of the engine and of a plain BM25 (bm25s) over character
bigrams of law name + chapter + text, in the same run and on the same folds; per-question
latency (p50/p95); index build time and size. The engine's bridge is learned on each fold's
training questions only and judged on its held-out questions.

    taskset -c 0 .venv/bin/python bench/lawsearch.py                 # national corpus (58k)
    taskset -c 0 .venv/bin/python bench/lawsearch.py --tune          # also search the weights
    .venv/bin/python bench/lawsearch.py --write-bridge               # learn on all questions, commit
    .venv/bin/python bench/lawsearch.py --write-rerank               # re-ranker from out-of-fold features
    .venv/bin/python bench/lawsearch.py --seed 7 --no-baseline       # other folds: the figures' spread
    .venv/bin/python bench/lawsearch.py --write-wordvec PATH/words_tree_mini.m   # see learned/README.md

The re-ranker is trained, for each fold, on the candidate features of the other folds' questions,
each computed with the bridge of its own fold (so a question never sees itself); the committed one
is trained on all of these out-of-fold features.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lianxin.engines.lawsearch import Article, Bridge, LawIndex, SearchParams  # noqa: E402
from lianxin.engines.lawsearch.bridge import DEFAULT_BRIDGE_PATH, load_lexicon  # noqa: E402
from lianxin.engines.lawsearch.embed import DEFAULT_WORDVEC_PATH, WordVectors  # noqa: E402
from lianxin.engines.lawsearch.index import PART_WEIGHTS  # noqa: E402
from lianxin.engines.lawsearch.rerank import DEFAULT_RERANK_PATH, N_CANDIDATES, Reranker, TreeEnsemble, TreeReranker  # noqa: E402
from lianxin.engines.lawsearch.text import article_key, char_bigrams, law_key, normalise  # noqa: E402

DATA = next(
    (p for p in (ROOT / ".." / "shared" / "data", ROOT / ".." / ".." / "shared" / "data") if p.exists()),
    ROOT / ".." / "shared" / "data",
)
NATIONAL = DATA / "legal" / "national_corpus.jsonl"
QUESTIONS = DATA / "legal" / "stard_train" / "questions.jsonl"
FOLDS = 5
SEED = 20241
RERANK_SOURCE = (
    "STARD training questions (github.com/oneal2000/STARD, MIT licence, Copyright (c) 2024 "
    "THUIR), 1,235 questions; out-of-fold candidate features, 5 folds (seed 20241)"
)
BRIDGE_SOURCE = (
    "STARD training questions (github.com/oneal2000/STARD, MIT licence, "
    "Copyright (c) 2024 THUIR), 1,235 questions, with the reviewed lexicon"
)


def load_corpus(path: Path) -> list[Article]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(
                Article(id=r["id"], law=r["law"], article=r["article"], text=r["text"], chapter=r.get("chapter") or "")
            )
    return out


def load_questions() -> list[dict]:
    with QUESTIONS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def folds_of(n: int, seed: int = SEED) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[f::FOLDS] for f in range(FOLDS)]


def learn_bridge(questions: list[dict], by_id: dict, source: str) -> Bridge:
    texts, chapters = {}, {}
    pairs = []
    for q in questions:
        golds = []
        for g in q["gold_ids"]:
            a = by_id[g]
            texts[article_key(a.law, a.article)] = a.text
            if a.chapter:
                chapters[article_key(a.law, a.article)] = a.chapter
            golds.append((a.law, a.article))
        pairs.append((q["question"], golds))
    return Bridge.learn(pairs, texts, lexicon=load_lexicon(), source=source, article_chapters=chapters)


def write_wordvec(tree_file: Path) -> None:
    """Derive learned/wordvec.npz from the cnsyn 1.2.0 word-vector tree (Apache-2.0; learned/README.md).

    Keeps the words jieba can cut (two characters or more, in its dictionary), as int8 unit vectors.
    The tree is a scikit-learn BallTree pickled in 2022; its distance class has since been renamed.
    """
    import jieba
    import joblib
    import sklearn.metrics._dist_metrics as dist_metrics

    if not hasattr(dist_metrics, "EuclideanDistance"):
        dist_metrics.EuclideanDistance = dist_metrics.EuclideanDistance64
    data = joblib.load(tree_file)
    words = list(data["words"])
    vectors = np.asarray(data["model"].get_arrays()[0], dtype=np.float32)
    jieba.initialize()
    keep = [i for i, w in enumerate(words) if len(w) > 1 and jieba.dt.FREQ.get(w, 0) > 0 and "\n" not in w]
    WordVectors.save(DEFAULT_WORDVEC_PATH, [words[i] for i in keep], vectors[keep])
    print(
        f"wrote {DEFAULT_WORDVEC_PATH} ({DEFAULT_WORDVEC_PATH.stat().st_size} bytes, {len(keep)} of "
        f"{len(words)} words, {vectors.shape[1]} dimensions)"
    )


def metrics(ranked: list[list], golds: list[set]) -> dict:
    out = {}
    for k in (5, 10, 100):
        out[f"R@{k}"] = float(np.mean([len(set(r[:k]) & g) / len(g) for r, g in zip(ranked, golds)]))
    mrr = []
    for r, g in zip(ranked, golds):
        rank = next((i + 1 for i, x in enumerate(r[:10]) if x in g), None)
        mrr.append(1.0 / rank if rank else 0.0)
    out["MRR@10"] = float(np.mean(mrr))
    return out


def fmt(m: dict) -> str:
    return "  ".join(f"{k} {v:.3f}" for k, v in m.items())


def fold_indexes(base: LawIndex, questions, by_id, folds, params: SearchParams) -> list[LawIndex]:
    """One index per fold, its bridge learned on the other folds, without a re-ranker."""
    out = []
    for f in range(len(folds)):
        train = [questions[i] for j, fold in enumerate(folds) if j != f for i in fold]
        out.append(base.with_bridge(learn_bridge(train, by_id, f"fold {f}"), params, reranker=None))
    return out


def oof_features(indexes: list[LawIndex], questions, folds):
    """Per question: re-ranker features of its first-stage candidates (own fold's bridge) and gold labels."""
    feats, labels = [None] * len(questions), [None] * len(questions)
    for f, test in enumerate(folds):
        idx = indexes[f]
        for i in test:
            cand, x = idx.candidates(questions[i]["question"], N_CANDIDATES)
            gold = set(questions[i]["gold_ids"])
            feats[i] = x
            labels[i] = np.asarray([int(idx.articles[c].id in gold) for c in cand])
    return feats, labels


def run_engine_cv(indexes: list[LawIndex], questions, folds, feats=None, labels=None, k: int = 100, kind=TreeEnsemble):
    """Rank each fold's questions; with features, a re-ranker learned on the other folds re-orders them."""
    ranked = [None] * len(questions)
    for f, test in enumerate(folds):
        idx = indexes[f]
        if feats is not None:
            train = [i for j, fold in enumerate(folds) if j != f for i in fold]
            rr = kind.learn([feats[i] for i in train], [labels[i] for i in train], source=f"fold {f}")
            idx = idx.with_bridge(idx.bridge, idx.params, reranker=rr)
        for i in test:
            ranked[i] = idx.search_ids(questions[i]["question"], k=k)
    return ranked


def run_baseline(articles, questions, k=100):
    import bm25s

    corpus = [char_bigrams(normalise(f"{law_key(a.law)} {a.chapter} {a.text}")) for a in articles]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    ranked = []
    for q in questions:
        toks = [t for t in char_bigrams(normalise(q["question"])) if t in retriever.vocab_dict] or ["的"]
        docs, _ = retriever.retrieve([toks], k=k, show_progress=False, n_threads=1)
        ranked.append([articles[int(d)].id for d in docs[0]])
    return ranked


CACHE_TOP = 3000  # per part, the best articles kept for tuning (the rest count as 0)


def cache_parts(base: LawIndex, questions, by_id, folds):
    """Per held-out question: its fold, and each score part as (indices, values) of its best articles."""
    cache = [None] * len(questions)
    fold_index = []
    for f, test in enumerate(folds):
        train = [questions[i] for j, fold in enumerate(folds) if j != f for i in fold]
        idx = base.with_bridge(learn_bridge(train, by_id, f"fold {f}"))
        fold_index.append(idx)
        for i in test:
            parts = idx.parts(questions[i]["question"])
            kept = {}
            for name, vec in parts.items():
                top = np.argpartition(-vec, CACHE_TOP)[:CACHE_TOP]
                top = top[vec[top] > 0]
                kept[name] = (top, vec[top])
            cache[i] = (f, kept)
    return cache, fold_index


def cached_ranking(cache, fold_index, params: SearchParams, k: int = 100):
    ranked = []
    empty = {}
    for f, kept in cache:
        idx = fold_index[f]
        score = idx.combine(empty, params)
        for name, (ids, vals) in kept.items():
            w = getattr(params, PART_WEIGHTS[name])
            if w:
                np.add.at(score, ids, w * vals)
        order = idx.top_order(score, k, diversity=params.diversity)
        ranked.append([idx.articles[i].id for i in order])
    return ranked


def tune(base, questions, by_id, folds, golds, params: SearchParams) -> SearchParams:
    """Coordinate search of the weights on the CV folds; the objective is R@10 + R@100 + MRR@10 / 2."""
    grid = {
        "w_words": [0.0, 0.25, 0.5, 0.75, 1.0, 1.5],
        "w_bridge": [0.0, 0.1, 0.2, 0.3, 0.5],
        "w_asked": [0.0, 0.2, 0.4, 0.6, 1.0, 1.5],
        "w_law_asked": [0.0, 0.1, 0.2, 0.3, 0.5, 0.8],
        "w_near": [0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2],
        "w_law_prior": [0.0, 0.2, 0.35, 0.5, 0.7, 1.0],
        "w_article_prior": [0.0, 0.1, 0.2, 0.4, 0.6, 0.9],
        "diversity": [0.8, 0.9, 0.95, 1.0],
        "term_weight_power": [0.0, 0.5, 1.0, 1.5],
    }
    t0 = time.perf_counter()
    cache, fold_index = cache_parts(base, questions, by_id, folds)
    print(f"cached parts in {time.perf_counter() - t0:.0f} s", flush=True)

    def objective(p):
        m = metrics(cached_ranking(cache, fold_index, p), golds)
        return m["R@10"] + m["R@100"] + m["MRR@10"] / 2, m

    best_val, best_m = objective(params)
    print(f"tune start {fmt(best_m)}", flush=True)
    for _round in range(3):
        improved = False
        for name, values in grid.items():
            for v in values:
                if getattr(params, name) == v:
                    continue
                cand = replace(params, **{name: v})
                val, m = objective(cand)
                if val > best_val + 1e-4:
                    best_val, best_m, params, improved = val, m, cand, True
                    print(f"  {name}={v}: {fmt(m)}", flush=True)
        if not improved:
            break
    print(f"tuned params: {asdict(params)}")
    return params


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(NATIONAL))
    ap.add_argument("--tune", action="store_true")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--write-bridge", action="store_true", help="learn on all questions into the package")
    ap.add_argument("--write-rerank", action="store_true", help="learn the re-ranker into the package")
    ap.add_argument("--write-wordvec", metavar="TREE_FILE", help="derive learned/wordvec.npz from cnsyn's tree")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N questions (quick look)")
    ap.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="another assignment of questions to folds, to see how much the figures move",
    )
    args = ap.parse_args()
    if args.write_wordvec:
        write_wordvec(Path(args.write_wordvec))
        return 0
    if not NATIONAL.exists():
        print("shared data missing: ../shared/data/legal", file=sys.stderr)
        return 1
    articles = load_corpus(Path(args.corpus))
    by_id = {a.id: a for a in articles}
    questions = [q for q in load_questions() if all(g in by_id for g in q["gold_ids"])]
    if args.limit:
        questions = questions[: args.limit]
    if args.write_bridge:
        bridge = learn_bridge(questions, by_id, BRIDGE_SOURCE)
        DEFAULT_BRIDGE_PATH.parent.mkdir(exist_ok=True)
        bridge.save(DEFAULT_BRIDGE_PATH)
        print(
            f"wrote {DEFAULT_BRIDGE_PATH} ({DEFAULT_BRIDGE_PATH.stat().st_size} bytes, "
            f"{len(bridge.term_map)} learned lay words, {len(bridge.article_terms)} articles)"
        )
        return 0
    golds = [set(q["gold_ids"]) for q in questions]
    if args.seed != SEED and args.write_rerank:
        print(f"--write-rerank learns from the folds of seed {SEED}; drop --seed", file=sys.stderr)
        return 2
    folds = folds_of(len(questions), args.seed)
    print(f"corpus {len(articles)} articles; {len(questions)} questions; {FOLDS}-fold CV (seed {args.seed})")

    t0 = time.perf_counter()
    bridge = learn_bridge(questions, by_id, BRIDGE_SOURCE)
    print(f"bridge learned in {time.perf_counter() - t0:.1f} s (offline; an import reads the committed one)")
    t0 = time.perf_counter()
    full = LawIndex.build(articles, bridge=bridge, cards=[], reranker=None)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        full.save(Path(tmp) / "idx")
        save_s = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "idx").iterdir())
        t0 = time.perf_counter()
        LawIndex.open(Path(tmp) / "idx", cards=[])
        open_s = time.perf_counter() - t0
    print(f"index build {build_s:.1f} s, save {save_s:.1f} s, open {open_s:.1f} s, size {size / 2**20:.1f} MiB")

    params = full.params
    if args.tune:
        params = tune(full, questions, by_id, folds, golds, params)
    t0 = time.perf_counter()
    indexes = fold_indexes(full, questions, by_id, folds, params)
    first = run_engine_cv(indexes, questions, folds)
    print(f"first stage only  {fmt(metrics(first, golds))}   ({time.perf_counter() - t0:.0f} s)")
    t0 = time.perf_counter()
    feats, labels = oof_features(indexes, questions, folds)
    if args.write_rerank:
        rr = TreeEnsemble.learn(feats, labels, source=RERANK_SOURCE)
        rr.save(DEFAULT_RERANK_PATH)
        print(
            f"wrote {DEFAULT_RERANK_PATH} ("
            + " + ".join(f"{m.feature.shape[0]} trees of depth {m.depth}" for m in rr.members)
            + f"; scales {rr.scale})"
        )
    ranked = run_engine_cv(indexes, questions, folds, feats, labels)
    print(f"engine   {fmt(metrics(ranked, golds))}   (re-ranked, out of fold; {time.perf_counter() - t0:.0f} s)")
    single = run_engine_cv(indexes, questions, folds, feats, labels, kind=TreeReranker)
    print(f"  with the classifying trees alone: {fmt(metrics(single, golds))}")
    linear = run_engine_cv(indexes, questions, folds, feats, labels, kind=Reranker)
    print(f"  with the linear re-ranker instead of the trees: {fmt(metrics(linear, golds))}")
    if params.diversity != 1.0:
        plain_idx = [i.with_bridge(i.bridge, replace(params, diversity=1.0), reranker=None) for i in indexes]
        plain = run_engine_cv(plain_idx, questions, folds, feats, labels)
        print(f"  without the law-diversity re-ordering: {fmt(metrics(plain, golds))}")
    if not args.no_baseline:
        t0 = time.perf_counter()
        base_ranked = run_baseline(articles, questions)
        print(f"baseline {fmt(metrics(base_ranked, golds))}   (bm25s, char bigrams; {time.perf_counter() - t0:.0f} s)")

    lat = []
    probe = full.with_bridge(full.bridge, params, reranker=TreeEnsemble.learn(feats, labels))
    for q in questions:
        t0 = time.perf_counter()
        probe.search(q["question"], k=10)
        lat.append((time.perf_counter() - t0) * 1000)
    long_q = "".join(q["question"] for q in questions[:80])[:2000]
    long_lat = []
    for _ in range(20):
        t0 = time.perf_counter()
        probe.search(long_q, k=10)
        long_lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    print(
        f"latency per question (search, k=10): p50 {statistics.median(lat):.1f} ms, "
        f"p95 {lat[int(0.95 * len(lat)) - 1]:.1f} ms; 2,000-char story p50 {statistics.median(long_lat):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
