"""Slow: 5-fold cross-validation on the shared 3,600-article corpus, engine against plain BM25.

Uses the real lay questions (STARD training part) whose gold articles all lie in that corpus;
the bridge and the re-ranker are learned on four folds and judged on the fifth, as in bench/lawsearch.py.
"""

import importlib.util
from pathlib import Path

import pytest

from lianxin.engines.lawsearch import LawIndex, read_articles
from lianxin.engines.lawsearch.text import article_key

from .conftest import SHARED_DATA, SMALL_CORPUS

QUESTIONS = SHARED_DATA / "legal" / "stard_train" / "questions.jsonl"
BENCH = Path(__file__).resolve().parents[3] / "bench" / "lawsearch.py"


def _bench():
    spec = importlib.util.spec_from_file_location("lawsearch_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_cross_validated_engine_beats_plain_bm25_on_real_questions():
    if not (SMALL_CORPUS.exists() and QUESTIONS.exists()):
        pytest.skip("shared data not present")
    bench = _bench()
    articles = read_articles(SMALL_CORPUS)
    by_key = {article_key(a.law, a.article): a for a in articles}
    questions = []
    for q in bench.load_questions():
        keys = []
        for name in q["gold_names"]:
            law, _, label = name.rpartition("第")
            keys.append(article_key(law, "第" + label))
        if all(k in by_key for k in keys):
            questions.append({"question": q["question"], "gold_ids": [by_key[k].id for k in keys]})
    assert len(questions) > 500
    by_id = {a.id: a for a in articles}
    golds = [set(q["gold_ids"]) for q in questions]
    folds = bench.folds_of(len(questions))
    base = LawIndex.build(articles, cards=[])
    indexes = bench.fold_indexes(base, questions, by_id, folds, base.params)
    first = bench.metrics(bench.run_engine_cv(indexes, questions, folds), golds)
    feats, labels = bench.oof_features(indexes, questions, folds)
    engine = bench.metrics(bench.run_engine_cv(indexes, questions, folds, feats, labels), golds)
    baseline = bench.metrics(bench.run_baseline(articles, questions), golds)
    assert engine["R@10"] > baseline["R@10"] + 0.05
    assert engine["MRR@10"] > baseline["MRR@10"]
    assert engine["R@100"] >= baseline["R@100"]
    # the re-ranker, learned out of fold, must not lose what the first stage finds
    assert engine["R@10"] + engine["R@100"] >= first["R@10"] + first["R@100"] - 0.01
