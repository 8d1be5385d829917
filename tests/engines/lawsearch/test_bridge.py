"""The lay->legal bridge is learned from pairs, not written per question."""

from lianxin.engines.lawsearch import Bridge, LawIndex
from lianxin.engines.lawsearch.bridge import default_bridge
from lianxin.engines.lawsearch.text import article_key

from .conftest import TOY_ARTICLES

WAGE_LAW, WAGE_ART = "中华人民共和国劳动合同法", "第三十条"
WAGE_TEXT = TOY_ARTICLES[0]["text"]
NOISE_LAW, NOISE_ART = "中华人民共和国噪声污染防治法", "第六十四条"
NOISE_TEXT = TOY_ARTICLES[2]["text"]

PAIRS = [
    ("厂里老板一直拖着不给钱", [(WAGE_LAW, WAGE_ART)]),
    ("老板跑路了钱找谁要", [(WAGE_LAW, WAGE_ART)]),
    ("干了半年老板不结账", [(WAGE_LAW, WAGE_ART)]),
    ("晚上跳舞的大妈吵得睡不着", [(NOISE_LAW, NOISE_ART)]),
    ("小区跳舞声音太大", [(NOISE_LAW, NOISE_ART)]),
]
# Questions about other articles set the base rate of each statute word.
OTHERS = [(a["law"], a["article"], a["text"]) for a in TOY_ARTICLES[4:]]
PAIRS += [
    (q, [(law, art)])
    for q, (law, art, _) in zip(
        [
            "摔倒了谁负责",
            "邻居挡了我的路",
            "网上转账被人骗了",
            "租的房子到期了",
            "别人弄坏我的东西要赔吗",
            "隔壁装修把墙弄裂了",
            "手机收到中奖短信",
            "房租能不能涨",
        ],
        OTHERS * 2,
    )
]
TEXTS = {article_key(WAGE_LAW, WAGE_ART): WAGE_TEXT, article_key(NOISE_LAW, NOISE_ART): NOISE_TEXT}
TEXTS |= {article_key(law, art): text for law, art, text in OTHERS}


def test_term_map_is_learned_from_pairs():
    bridge = Bridge.learn(PAIRS, TEXTS)
    assert "劳动报酬" in dict(bridge.term_map["老板"])
    assert "劳动报酬" not in dict(bridge.term_map.get("跳舞", []))
    assert "公共场所" in dict(bridge.term_map["跳舞"])


def test_priors_and_question_words_are_counted_by_article_key():
    bridge = Bridge.learn(PAIRS, TEXTS)
    assert bridge.law_counts["劳动合同法"] == 3 and bridge.law_counts["噪声污染防治法"] == 2
    assert bridge.article_counts[article_key("劳动合同法", "第30条")] == 3
    assert bridge.article_terms[article_key(NOISE_LAW, NOISE_ART)]["跳舞"] == 2


def test_learned_bridge_moves_a_new_lay_question_to_its_article():
    without = LawIndex.build(TOY_ARTICLES, bridge=Bridge(), cards=[])
    learned = LawIndex.build(TOY_ARTICLES, bridge=Bridge.learn(PAIRS, TEXTS), cards=[])
    question = "老板一直不给结账"
    assert not any(h.matched for h in without.search(question, k=3).hits)
    top = learned.search(question, k=1).hits[0]
    assert top.id == "a1" and "劳动报酬" in top.matched


def test_bridge_round_trips_through_its_file(tmp_path):
    bridge = Bridge.learn(PAIRS, TEXTS, lexicon={"噪音": ["噪声"]}, source="test")
    bridge.save(tmp_path / "b.json.gz")
    again = Bridge.load(tmp_path / "b.json.gz")
    assert again.to_json() == bridge.to_json()
    assert (tmp_path / "b.json.gz").read_bytes() == (
        bridge.save(tmp_path / "c.json.gz") or (tmp_path / "c.json.gz").read_bytes()
    )


def test_committed_bridge_names_its_source():
    bridge = default_bridge()
    assert bridge.lexicon["噪音"] == ["噪声"]
    if bridge.n_questions:
        assert "MIT" in bridge.source and "STARD" in bridge.source
