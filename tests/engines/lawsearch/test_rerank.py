"""The learned re-ranker: fitting, persistence, features, and its place in search."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianxin.engines.lawsearch import LawIndex
from lianxin.engines.lawsearch.rerank import (
    N_CANDIDATES,
    PART_FEATURES,
    Reranker,
    TreeEnsemble,
    TreeReranker,
    default_reranker,
    load_reranker,
    top_candidates,
    within_law,
)

from .conftest import TOY_ARTICLES


def _separable(seed: int, n_questions: int = 30, n_cand: int = 20, n_feat: int = 5):
    rng = np.random.default_rng(seed)
    feats, labels = [], []
    for _ in range(n_questions):
        x = rng.normal(size=(n_cand, n_feat))
        y = np.zeros(n_cand, dtype=int)
        y[rng.integers(n_cand)] = 1
        x[y == 1, 2] += 4.0  # feature 2 tells the gold article apart
        feats.append(x)
        labels.append(y)
    return feats, labels


def test_learned_weights_rank_gold_first_on_unseen_questions_and_survive_save(tmp_path):
    feats, labels = _separable(1)
    rr = Reranker.learn(feats, labels, source="synthetic")
    assert int(np.argmax(np.abs(rr.coef))) == 2 and rr.coef[2] > 0
    test_x, test_y = _separable(2)
    hits = [int(np.argmax(rr.probability(x)) == int(np.argmax(y))) for x, y in zip(test_x, test_y)]
    assert np.mean(hits) > 0.8
    rr.save(tmp_path / "rr.json")
    again = load_reranker(tmp_path / "rr.json")
    assert again == rr
    np.testing.assert_allclose(again.probability(test_x[0]), rr.probability(test_x[0]))


def test_learning_without_any_gold_candidate_is_a_clear_error():
    feats, labels = _separable(3)
    with pytest.raises(ValueError, match="gold"):
        Reranker.learn(feats, [np.zeros_like(y) for y in labels])


def test_boosted_trees_rank_gold_first_and_survive_save(tmp_path):
    feats, labels = _separable(11, n_questions=300)
    rr = TreeReranker.learn(feats, labels, source="synthetic")
    test_x, test_y = _separable(12)
    hits = [int(np.argmax(rr.probability(x)) == int(np.argmax(y))) for x, y in zip(test_x, test_y)]
    assert np.mean(hits) > 0.8
    rr.save(tmp_path / "trees.json")
    again = load_reranker(tmp_path / "trees.json")
    assert isinstance(again, TreeReranker) and again.n_features == 5 and again.source == "synthetic"
    np.testing.assert_array_equal(again.probability(test_x[0]), rr.probability(test_x[0]))


def test_numpy_tree_walk_gives_scikit_learns_probabilities():
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(7)
    x = rng.normal(size=(3000, 6))
    y = ((x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=3000)) > 0.5).astype(int)
    model = HistGradientBoostingClassifier(max_iter=40, max_depth=4, early_stopping=False, random_state=0).fit(x, y)
    rr = TreeReranker.from_model(model)
    probe = rng.normal(size=(500, 6)) * 2
    np.testing.assert_allclose(rr.probability(probe), model.predict_proba(probe)[:, 1], rtol=1e-9, atol=1e-12)


def test_numpy_tree_walk_gives_lightgbms_ranking_scores():
    import lightgbm

    rng = np.random.default_rng(8)
    x = rng.normal(size=(3000, 6))
    y = ((x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(scale=0.5, size=3000)) > 0.5).astype(int)
    params = {"objective": "lambdarank", "max_depth": 3, "num_leaves": 8, "min_data_in_leaf": 20, "verbose": -1}
    booster = lightgbm.train(params, lightgbm.Dataset(x, y, group=[30] * 100), num_boost_round=40)
    rr = TreeReranker.from_lightgbm(booster)
    probe = rng.normal(size=(500, 6)) * 2
    np.testing.assert_allclose(rr.raw_score(probe), booster.predict(probe), rtol=1e-9, atol=1e-12)


def test_ensemble_of_classifying_and_ranking_trees_ranks_gold_first_and_survives_save(tmp_path):
    feats, labels = _separable(21, n_questions=300)
    ens = TreeEnsemble.learn(feats, labels, source="synthetic")
    assert len(ens.members) == 2 and ens.scale[0] == 1.0 and ens.scale[1] > 0
    test_x, test_y = _separable(22)
    for model in (ens, *ens.members):
        hits = [int(np.argmax(model.raw_score(x)) == int(np.argmax(y))) for x, y in zip(test_x, test_y)]
        assert np.mean(hits) > 0.8
    prob = ens.probability(test_x[0])
    assert ((prob > 0) & (prob < 1)).all()
    # the mean of the members' log-odds, the ranking trees' mapped by their fitted scale and offset
    expected = (
        ens.members[0].raw_score(test_x[0]) + ens.scale[1] * ens.members[1].raw_score(test_x[0]) + ens.offset[1]
    ) / 2
    np.testing.assert_allclose(ens.raw_score(test_x[0]), expected)
    ens.save(tmp_path / "ens.json")
    again = load_reranker(tmp_path / "ens.json")
    assert isinstance(again, TreeEnsemble) and again.source == "synthetic" and again.n_features == 5
    np.testing.assert_array_equal(again.probability(test_x[0]), prob)


def test_a_reranker_file_of_unknown_kind_is_a_clear_error(tmp_path):
    (tmp_path / "rr.json").write_text('{"kind": "forest"}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown re-ranker kind 'forest'"):
        load_reranker(tmp_path / "rr.json")


def test_ensemble_members_must_read_the_same_features():
    a = TreeReranker.learn(*_separable(23, n_questions=100))
    b = TreeReranker.learn(*_separable(24, n_questions=100, n_feat=6))
    with pytest.raises(ValueError, match="feature counts"):
        TreeEnsemble(members=(a, b), scale=(1.0, 1.0), offset=(0.0, 0.0))


def test_learning_trees_without_any_gold_candidate_is_a_clear_error():
    feats, labels = _separable(13)
    with pytest.raises(ValueError, match="gold"):
        TreeReranker.learn(feats, [np.zeros_like(y) for y in labels])
    with pytest.raises(ValueError, match="gold"):
        TreeEnsemble.learn(feats, [np.zeros_like(y) for y in labels])


def test_top_candidates_are_best_first_with_ties_by_position():
    score = np.asarray([0.5, 2.0, 0.5, 3.0, 0.0], dtype=np.float32)
    assert top_candidates(score, 3).tolist() == [3, 1, 0]
    assert top_candidates(score, 10).tolist() == [3, 1, 0, 2, 4]


def test_committed_reranker_matches_the_feature_count_and_names_its_source():
    rr = default_reranker()
    assert rr is not None, "the shipped re-ranker (learned/rerank.json) is missing"
    idx = LawIndex.build(TOY_ARTICLES, cards=[], reranker=None)
    cand, x = idx.candidates("老板拖欠工资怎么办", N_CANDIDATES)
    assert x.shape == (len(TOY_ARTICLES), rr.n_features)
    assert sorted(cand.tolist()) == list(range(len(TOY_ARTICLES)))
    assert "STARD" in rr.source and "MIT" in rr.source


def test_reranked_search_keeps_every_article_once_and_citations_first():
    idx = LawIndex.build(TOY_ARTICLES, cards=[], reranker=None)
    _, x = idx.candidates("噪音", N_CANDIDATES)
    rng = np.random.default_rng(5)
    rr = Reranker(
        mean=tuple([0.0] * x.shape[1]),
        scale=tuple([1.0] * x.shape[1]),
        coef=tuple(rng.normal(size=x.shape[1])),
        intercept=0.0,
    )
    reranked = idx.with_bridge(idx.bridge, reranker=rr)
    ids = reranked.search_ids("楼上广场舞音响太吵", k=len(TOY_ARTICLES))
    assert sorted(map(str, ids)) == sorted(str(a["id"]) for a in TOY_ARTICLES)
    assert reranked.search_ids("民法典1165条", k=3)[0] == "c1165"


def test_shown_scores_never_rise_down_the_list():
    import numpy as np

    from lianxin.engines.lawsearch.index import rank_scores

    scores = np.array([0.002, 0.9, 0.5, 0.7], dtype=np.float32)
    # A cited article (position 0) leads with a low retrieval score; a spread step put 2 before 3.
    shown = rank_scores(scores, [0, 1, 2, 3])
    assert shown == sorted(shown, reverse=True)
    assert shown[0] == pytest.approx(0.9) and shown[2] == pytest.approx(0.5) and shown[3] == pytest.approx(0.5)


def _within_law_by_hand(values, laws):
    gap, inv_rank = [], []
    for j, (v, law) in enumerate(zip(values, laws)):
        same = [(-values[i], i) for i in range(len(values)) if laws[i] == law]
        gap.append(v - max(values[i] for i in range(len(values)) if laws[i] == law))
        inv_rank.append(1.0 / (1 + sorted(same).index((-v, j))))
    return gap, inv_rank


def test_within_law_gives_the_gap_to_the_best_of_the_law_and_the_rank_in_it():
    values = np.asarray([0.9, 0.4, 0.7, 0.7, 0.1])
    laws = np.asarray([1, 1, 2, 1, 2])
    gap, inv_rank = within_law(values, laws)
    np.testing.assert_allclose(gap, [0.0, -0.5, 0.0, -0.2, -0.6])
    np.testing.assert_allclose(inv_rank, [1.0, 1 / 3, 1.0, 1 / 2, 1 / 2])
    assert [len(c) for c in within_law(np.zeros(0), np.zeros(0, dtype=int))] == [0, 0]


@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([0.0, 0.25, 0.5, 1.0, -1.0])), min_size=1, max_size=25))
def test_within_law_matches_a_plain_reference(rows):
    laws = np.asarray([law for law, _ in rows])
    values = np.asarray([v for _, v in rows])
    gap, inv_rank = within_law(values, laws)
    want_gap, want_rank = _within_law_by_hand(values.tolist(), laws.tolist())
    np.testing.assert_allclose(gap, want_gap)
    np.testing.assert_allclose(inv_rank, want_rank)


def test_the_chars_part_sees_a_one_character_lay_word(tmp_path):
    # 找谁赔 shares no bigram with 赔偿, but its character 赔 is in the compensation article.
    rows = [
        {
            "id": "pay",
            "law": "中华人民共和国民法典",
            "article": "第一千一百七十九条",
            "text": "侵害他人造成人身损害的，应当赔偿医疗费、护理费。",
        },
        {
            "id": "lease",
            "law": "中华人民共和国民法典",
            "article": "第七百零三条",
            "text": "租赁合同是出租人将租赁物交付承租人使用的合同。",
        },
    ]
    idx = LawIndex.build(rows, cards=[], reranker=None, word_vectors=None)
    idx.save(tmp_path / "idx")
    again = LawIndex.open(tmp_path / "idx", cards=[])
    for index in (idx, again):
        cand, x = index.candidates("摔伤了找谁赔", N_CANDIDATES)
        chars = x[:, PART_FEATURES.index("chars")]
        by_id = {index.articles[c].id: v for c, v in zip(cand, chars)}
        assert by_id["pay"] == 1.0 and by_id["pay"] > by_id["lease"]
