"""The question classifiers: learned from pairs, pruned, scored with numpy, fed to the re-ranker."""

import numpy as np
import pytest
from scipy import sparse

from lianxin.engines.lawsearch import Bridge, LawIndex
from lianxin.engines.lawsearch.classify import (
    LEVELS,
    N_FEATURES,
    UNKNOWN_DECISION,
    WORD_PREFIX,
    QuestionClassifier,
    class_features,
    question_terms,
)
from lianxin.engines.lawsearch.rerank import WITHIN_LAW_FEATURES
from lianxin.engines.lawsearch.text import article_key

from .conftest import TOY_ARTICLES
from .test_bridge import PAIRS, TEXTS

WAGE = article_key("中华人民共和国劳动合同法", "第三十条")
NOISE = article_key("中华人民共和国噪声污染防治法", "第六十四条")
CHAPTERS = {WAGE: "第四章 劳动合同的履行和变更", NOISE: "第五章 社会生活噪声污染防治"}


def _learn(**kw) -> QuestionClassifier:
    questions = [q for q, _ in PAIRS]
    labels = {
        "article": [[article_key(law, art) for law, art in golds] for _, golds in PAIRS],
        "law": [[article_key(law, art).split("|")[0] for law, art in golds] for _, golds in PAIRS],
    }
    return QuestionClassifier.learn(questions, labels, **kw)


def test_terms_are_characters_bigrams_and_marked_words():
    terms = question_terms("请问老板拖欠工资怎么办？")
    assert "请" not in terms and "办" not in terms  # asking words are not the matter
    assert {"老板", "拖欠", "老", "资", WORD_PREFIX + "老板"} <= set(terms)
    assert question_terms("老闆拖欠工資") == question_terms("老板拖欠工资")  # traditional = simplified


def test_a_new_question_points_at_the_class_whose_questions_it_resembles():
    clf = _learn()
    article = clf.levels["article"]
    for question, key in [("老板拖着工钱不给", WAGE), ("广场上跳舞的声音太大了", NOISE)]:
        d = clf.decisions(question)["article"]
        assert article.keys[int(np.argmax(d))] == key, question
    law = clf.levels["law"]
    assert law.keys[int(np.argmax(clf.decisions("老板不结账")["law"]))] == "劳动合同法"


def test_numpy_scoring_equals_the_learned_linear_models():
    """With every weight kept, decisions are exactly w.x + b of scikit-learn's LinearSVC."""
    from sklearn.svm import LinearSVC

    clf = _learn(keep=10**6)
    rows = [clf.vector(q) for q, _ in PAIRS]
    x = sparse.csr_matrix(
        (
            np.concatenate([v for _, v in rows]),
            (np.repeat(np.arange(len(rows)), [len(i) for i, _ in rows]), np.concatenate([i for i, _ in rows])),
        ),
        shape=(len(rows), len(clf.terms)),
    )
    level = clf.levels["article"]
    y = np.asarray([WAGE in [article_key(law, art) for law, art in golds] for _, golds in PAIRS])
    model = LinearSVC(C=0.5, random_state=0).fit(x.astype(np.float64), y)
    question = "老板跑了工钱找谁"
    expected = model.decision_function(
        sparse.csr_matrix(
            (clf.vector(question)[1], ([0] * len(clf.vector(question)[0]), clf.vector(question)[0])),
            shape=(1, len(clf.terms)),
        )
    )[0]
    got = clf.decisions(question)["article"][level.keys.index(WAGE)]
    assert got == pytest.approx(expected, abs=1e-4)


def test_pruning_keeps_each_class_strongest_weights():
    full, pruned = _learn(keep=10**6), _learn(keep=3)
    for name, level in pruned.levels.items():
        per_class = np.diff(level.weights.tocsc().indptr)
        assert per_class.max() <= 3
        whole = full.levels[name].weights.tocsc()
        for c in range(len(level.keys)):
            kept = np.sort(np.abs(level.weights.tocsc()[:, c].data))
            strongest = np.sort(np.abs(whole[:, c].toarray().ravel()))[::-1][: len(kept)]
            assert kept == pytest.approx(np.sort(strongest), rel=1e-5)


def test_unknown_words_give_the_bias_alone_and_json_round_trips():
    clf = _learn()
    blank = clf.decisions("zzz")
    for name, level in clf.levels.items():
        assert np.array_equal(blank[name], level.bias)
    again = QuestionClassifier.from_json(clf.to_json())
    for question in ("老板不给工资", "跳舞太吵", "zzz"):
        a, b = clf.decisions(question), again.decisions(question)
        for name in clf.levels:
            assert a[name] == pytest.approx(b[name], abs=1e-4)


def test_nothing_to_learn_gives_no_classifier():
    assert QuestionClassifier.learn([], {}) is None
    assert QuestionClassifier.learn(["老板不给工资"], {"article": [[]]}) is None
    assert Bridge.learn([], {}).classifier is None


def test_class_features_mark_unknown_classes():
    decisions = {"article": np.asarray([2.0, -1.0, 0.5])}
    cols = class_features(decisions, {"article": np.asarray([1, -1, 0]), "law": np.asarray([0, 0, 0])})
    assert cols.shape == (3, N_FEATURES)
    assert cols[:, 0].tolist() == [-1.0, UNKNOWN_DECISION, 2.0]  # decision of the candidate's class
    assert cols[:, 1].tolist() == pytest.approx([1 / 5, 0.0, 1 / 3])  # its rank 2, none, rank 0
    assert cols[:, 2].tolist() == [1.0, 0.0, 1.0]
    # the law level has no decisions here: every candidate reads as unknown
    law = 3 * LEVELS.index("law")
    assert cols[:, law].tolist() == [UNKNOWN_DECISION] * 3 and not cols[:, law + 2].any()


def test_index_maps_classes_to_articles_and_chapters():
    articles = [dict(a, chapter=CHAPTERS.get(article_key(a["law"], a["article"]), "")) for a in TOY_ARTICLES]
    # an article no question cited, in the same chapter as the wage article
    articles.append(
        {
            "id": "a32",
            "law": "中华人民共和国劳动合同法",
            "article": "第三十二条",
            "chapter": CHAPTERS[WAGE],
            "text": "劳动者拒绝用人单位管理人员违章指挥的，不视为违反劳动合同。",
        }
    )
    bridge = Bridge.learn(PAIRS, TEXTS, article_chapters=CHAPTERS)
    assert set(bridge.classifier.levels) == set(LEVELS)
    idx = LawIndex.build(articles, bridge=bridge, cards=[], reranker=None)
    cand, x = idx.candidates("老板拖着工钱不给", 12)
    ids = [idx.articles[c].id for c in cand]
    cls = x[:, -(N_FEATURES + WITHIN_LAW_FEATURES) : -WITHIN_LAW_FEATURES]  # the classifier's columns
    known = {name: cls[:, 3 * i + 2] for i, name in enumerate(LEVELS)}
    assert known["article"][ids.index("a1")] == 1 and known["article"][ids.index("a32")] == 0
    assert known["chapter"][ids.index("a32")] == 1 and known["law"][ids.index("a32")] == 1
    assert known["chapter"][ids.index("a2")] == 0  # the same law, another (no) chapter
    art_rank = cls[:, 1]
    assert art_rank[ids.index("a1")] == art_rank.max()  # the wage article is the top class
