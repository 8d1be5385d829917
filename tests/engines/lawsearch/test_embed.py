"""Word vectors: meaning beyond shared characters, as inputs of the re-ranker."""

import numpy as np
import pytest

from lianxin.engines.lawsearch import Bridge, LawIndex
from lianxin.engines.lawsearch.embed import DEFAULT_WORDVEC_PATH, WordVectors, default_word_vectors

from .conftest import TOY_ARTICLES

# A made-up space: 打架 and 殴打 point the same way, 工资 and 劳动报酬 another, 车辆 a third.
WORDS = ["打架", "殴打", "工资", "劳动报酬", "车辆"]
VECTORS = np.asarray([[1, 0.1, 0], [0.95, 0.2, 0], [0, 1, 0.1], [0.1, 0.9, 0.1], [0, 0, 1]], dtype=np.float32)
ARTICLES = [
    {"id": "fight", "law": "中华人民共和国治安管理处罚法", "article": "第五十一条", "text": "殴打他人的，处拘留。"},
    {"id": "pay", "law": "中华人民共和国劳动合同法", "article": "第三十条", "text": "用人单位应当支付劳动报酬。"},
    {"id": "car", "law": "中华人民共和国道路交通安全法", "article": "第十九条", "text": "驾驶车辆应当依法取得驾驶证。"},
]


@pytest.fixture
def toy_vectors(tmp_path):
    WordVectors.save(tmp_path / "wv.npz", WORDS, VECTORS)
    return WordVectors.load(tmp_path / "wv.npz")


def test_vectors_round_trip_as_unit_int8_rows(toy_vectors):
    assert list(toy_vectors.index) == WORDS and toy_vectors.dim == 3
    np.testing.assert_allclose(np.linalg.norm(toy_vectors.vectors, axis=1), 1.0, atol=1e-6)
    unit = VECTORS / np.linalg.norm(VECTORS, axis=1, keepdims=True)
    np.testing.assert_allclose(toy_vectors.vectors, unit, atol=0.01)


def test_a_question_without_a_shared_character_reaches_the_article_by_meaning(toy_vectors):
    idx = LawIndex.build(ARTICLES, bridge=Bridge(), cards=[], reranker=None, word_vectors=toy_vectors)
    parts = idx.parts("两个人打架")
    assert parts["body"].max() == 0  # no bigram in common with any article
    assert int(np.argmax(parts["dense"])) == 0  # 打架 ~ 殴打
    assert int(np.argmax(idx.parts("工资没有结清")["dense"])) == 1


def test_soft_match_scores_the_share_of_question_words_with_a_close_word(toy_vectors):
    idx = LawIndex.build(ARTICLES, bridge=Bridge(), cards=[], reranker=None, word_vectors=toy_vectors)
    space = idx._dense
    soft = space.soft_match(["打架", "工资"], np.asarray([0, 1, 2]))
    assert soft.shape == (3, 2)
    assert soft[0, 1] == pytest.approx(soft[1, 1]) and 0.3 < soft[0, 1] < 0.7  # one of two words each
    assert soft[2, 1] == 0.0 and soft[2, 0] < soft[0, 0]
    assert not space.soft_match(["未知词"], np.asarray([0, 1])).any()


def test_earlier_questions_close_in_meaning_vote_for_their_gold_articles(toy_vectors):
    pairs = [
        ("他们在门口打架", [("中华人民共和国治安管理处罚法", "第五十一条")]),
        ("车辆被扣了", [("中华人民共和国道路交通安全法", "第十九条")]),
    ]
    texts = {}
    bridge = Bridge.learn(pairs, texts)
    assert bridge.asked_words[0] == ("他们", "打架", "门口")
    idx = LawIndex.build(ARTICLES, bridge=bridge, cards=[], reranker=None, word_vectors=toy_vectors)
    near = idx.parts("有人殴打老人")["dense_near"]
    assert near[0] == 1.0 and near[1] == 0.0


def test_an_index_without_vectors_has_no_dense_parts_and_still_searches():
    idx = LawIndex.build(TOY_ARTICLES, cards=[], reranker=None, word_vectors=None)
    assert "dense" not in idx.parts("老板拖欠工资")
    assert idx.search_ids("老板拖欠工资", k=1) == ["a1"]


def test_committed_vectors_know_lay_and_legal_neighbours():
    assert DEFAULT_WORDVEC_PATH.exists(), "the shipped word vectors (learned/wordvec.npz) are missing"
    wv = default_word_vectors()
    assert len(wv.index) > 50_000 and wv.dim == 75

    def cos(a, b):
        return float(wv.vectors[wv.index[a]] @ wv.vectors[wv.index[b]])

    assert cos("彩礼", "聘礼") > cos("彩礼", "车辆")
    assert cos("噪音", "噪声") > 0.8


def test_an_index_of_an_older_format_asks_to_be_imported_again(tmp_path):
    import json

    idx = LawIndex.build(TOY_ARTICLES, cards=[], reranker=None)
    idx.save(tmp_path / "idx")
    meta = json.loads((tmp_path / "idx" / "meta.json").read_text(encoding="utf-8"))
    meta["format"] = 2
    (tmp_path / "idx" / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="re-import with --replace"):
        LawIndex.open(tmp_path / "idx", cards=[])
