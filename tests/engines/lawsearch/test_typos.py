"""Sound-alike typo repair of questions (pinyin input that picked the wrong character)."""

import pytest

from lianxin.engines.lawsearch import LawIndex
from lianxin.engines.lawsearch.typos import TypoRepair

from .conftest import TOY_ARTICLES

TARGETS = {
    "工资": 500.0,
    "离婚": 200.0,
    "押金": 60.0,
    "赔偿": 900.0,
    "事故": 300.0,
    "噪音": 80.0,
    "的话": 5000.0,
    "主合同": 60.0,
    "植物": 70.0,
}


@pytest.fixture(scope="module")
def repair():
    return TypoRepair(TARGETS, known={"合同", "解除"})


@pytest.mark.parametrize(
    "question,fixed,pairs",
    [
        ("老板拖欠公资三个月怎么办", "老板拖欠工资三个月怎么办", (("公资", "工资"),)),
        ("离昏后孩子归谁", "离婚后孩子归谁", (("离昏", "离婚"),)),
        ("房东不退压金", "房东不退押金", (("压金", "押金"),)),
        ("交通事古谁陪偿", "交通事故谁赔偿", (("事古", "事故"), ("陪偿", "赔偿"))),
    ],
)
def test_sound_alike_typos_become_the_word_meant(repair, question, fixed, pairs):
    assert repair.repair(question) == (fixed, pairs)


@pytest.mark.parametrize(
    "question",
    [
        "公司要解除合同",  # 除合同 cuts through 解除|合同: never a typo, though it sounds like 主合同
        "我的画被人注册商标了",  # 的话 is a function word, never a target
        "老板拖欠工资三个月",  # nothing wrong
        "拖欠gongzi 3个月",  # no CJK stretch to repair
        "",
    ],
)
def test_words_and_stretches_across_words_are_left_alone(repair, question):
    assert repair.repair(question) == (question, ())


def test_a_stretch_known_as_a_word_is_not_repaired():
    assert TypoRepair(TARGETS, known={"公资"}).repair("拖欠公资") == ("拖欠公资", ())
    statute_bigram = TypoRepair(TARGETS, statute_bigram_df=lambda b: 40 if b == "公资" else 0)
    assert statute_bigram.repair("拖欠公资") == ("拖欠公资", ())


def test_the_most_common_target_of_one_sound_wins():
    repair = TypoRepair({"抚养": 300.0, "扶养": 50.0})
    assert repair.repair("孩子府养归谁")[0] == "孩子抚养归谁"


def test_search_repairs_the_typo_and_says_so():
    idx = LawIndex.build(TOY_ARTICLES, cards=[], reranker=None)
    typo = idx.search("老板拖欠公资怎么办", k=3)
    clean = idx.search("老板拖欠工资怎么办", k=3)
    assert [h.id for h in typo.hits] == [h.id for h in clean.hits]
    assert typo.hits[0].id == "a1"
    assert typo.reasons[0] == "typos repaired: 公资 → 工资"
    assert not any("typos" in r for r in clean.reasons)
    assert idx.search_ids("房东不退压金", k=2) == idx.search_ids("房东不退押金", k=2)
