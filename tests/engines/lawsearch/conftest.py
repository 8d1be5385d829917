"""Shared fixtures: a small synthetic statute set, the shared corpus when present, fixture cards."""

from __future__ import annotations

from pathlib import Path

import pytest

from lianxin.engines.lawsearch import Bridge, LawIndex, load_cards
from tests.shared_data import SHARED_DATA

HERE = Path(__file__).resolve().parent
SMALL_CORPUS = SHARED_DATA / "laws" / "articles.jsonl"
FIXTURE_CARDS = HERE / "fixture_cards.jsonl"

# Made-up articles in statute style (our own words), enough to exercise every path without data.
TOY_ARTICLES = [
    {
        "id": "a1",
        "law": "中华人民共和国劳动合同法",
        "article": "第三十条",
        "text": "用人单位应当按照劳动合同约定和国家规定，向劳动者及时足额支付劳动报酬。",
    },
    {
        "id": "a2",
        "law": "中华人民共和国劳动合同法",
        "article": "第三十一条",
        "text": "用人单位应当严格执行劳动定额标准，安排加班的，应当支付加班费。",
    },
    {
        "id": 3,
        "law": "中华人民共和国噪声污染防治法",
        "article": "第六十四条",
        "text": "在街道、广场、公园等公共场所组织娱乐活动，应当控制音量，不得使用音响器材产生过大音量。",
    },
    {
        "id": 4,
        "law": "中华人民共和国治安管理处罚法",
        "article": "第五十八条",
        "text": "违反关于社会生活噪声污染防治的法律规定，制造噪声干扰他人正常生活的，处警告。",
    },
    {
        "id": "c1165",
        "law": "中华人民共和国民法典",
        "article": "第一千一百六十五条",
        "law_short": "民法典",
        "text": "行为人因过错侵害他人民事权益造成损害的，应当承担侵权责任。",
    },
    {
        "id": "c288",
        "law": "中华人民共和国民法典",
        "article": "第二百八十八条",
        "law_short": "民法典",
        "text": "不动产的相邻权利人应当按照有利生产、方便生活、团结互助、公平合理的原则，正确处理相邻关系。",
    },
    {
        "id": "f2",
        "law": "中华人民共和国反电信网络诈骗法",
        "article": "第二条",
        "text": "本法所称电信网络诈骗，是指以非法占有为目的，利用电信网络技术手段，通过远程、非接触等方式，诈骗公私财物的行为。",
    },
    {
        "id": "r703",
        "law": "中华人民共和国民法典",
        "article": "第七百零三条",
        "law_short": "民法典",
        "text": "租赁合同是出租人将租赁物交付承租人使用、收益，承租人支付租金的合同。",
    },
]


@pytest.fixture(scope="session")
def cards():
    return load_cards(FIXTURE_CARDS)


def cli_import(tmp_path: Path, rows: list[dict]) -> str:
    """Write `rows` as an import file, run `lianxin laws import` into tmp_path/idx, return that path."""
    import json

    from lianxin.engines.lawsearch.cli import main

    src = tmp_path / "articles.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in rows), encoding="utf-8")
    idx = str(tmp_path / "idx")
    assert main(["laws", "import", str(src), "--index", idx]) == 0
    return idx


@pytest.fixture(scope="session")
def lexicon_bridge():
    from lianxin.engines.lawsearch.bridge import load_lexicon

    return Bridge.learn([], {}, lexicon=load_lexicon(), source="lexicon only (tests)")


@pytest.fixture(scope="session")
def toy_index(cards, lexicon_bridge):
    return LawIndex.build(TOY_ARTICLES, bridge=lexicon_bridge, cards=cards)


@pytest.fixture(scope="session")
def small_index(cards):
    """The 3,600-article shared corpus with the committed bridge; skipped when the data is absent."""
    if not SMALL_CORPUS.exists():
        pytest.skip("shared data not present (../shared/data/laws/articles.jsonl)")
    from lianxin.engines.lawsearch import read_articles

    return LawIndex.build(read_articles(SMALL_CORPUS), cards=cards)
