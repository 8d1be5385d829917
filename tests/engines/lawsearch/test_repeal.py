"""Repealed laws: read from the imported texts (本法施行…《…》同时废止), named in results, never dropped."""

import pytest

from lianxin.cli import main
from lianxin.engines.lawsearch import LawIndex, read_articles
from lianxin.engines.lawsearch.repeal import find_repeals, repealed_titles
from tests.shared_data import SHARED_DATA

from .conftest import cli_import

NATIONAL = SHARED_DATA / "legal" / "national_corpus.jsonl"

# Statute-style texts in our own words: a new noise law that repeals an old one.
NOISE_LAWS = [
    {
        "id": "old45",
        "law": "中华人民共和国环境噪声污染防治法",
        "article": "第四十五条",
        "text": "禁止任何单位、个人在城市市区噪声敏感建筑物集中区域内使用高音广播喇叭。",
    },
    {
        "id": "old64",
        "law": "中华人民共和国环境噪声污染防治法",
        "article": "第六十四条",
        "text": "本法自1997年3月1日起施行。",
    },
    {
        "id": "new64",
        "law": "中华人民共和国噪声污染防治法",
        "article": "第六十四条",
        "text": "在广场、公园等公共场所组织娱乐活动，应当控制音量，防止噪声干扰周围居民。",
    },
    {
        "id": "new90",
        "law": "中华人民共和国噪声污染防治法",
        "article": "第九十条",
        "text": "本法自2022年6月5日起施行。《中华人民共和国环境噪声污染防治法》同时废止。",
    },
]


def _articles(rows):
    return LawIndex.build(rows, cards=[], reranker=None).articles


@pytest.mark.parametrize(
    "sentence,titles",
    [
        (
            "本法自2022年6月5日起施行。《中华人民共和国环境噪声污染防治法》同时废止",
            ["中华人民共和国环境噪声污染防治法"],
        ),
        ("1994年2月1日民政部发布的《婚姻登记管理条例》同时废止", ["婚姻登记管理条例"]),
        ("《甲条例》（法释〔2015〕16号）、《乙办法》和《丙规定》同时废止", ["甲条例", "乙办法", "丙规定"]),
        # a part of a law is not the law
        ("《会计人员职权条例》中有关总会计师的规定同时废止", []),
        ("《甲法》第十条同时废止", []),
        # no repeal at all
        ("依照《中华人民共和国民法典》的规定处理", []),
    ],
)
def test_only_whole_laws_named_before_feizhi_are_repealed(sentence, titles):
    assert repealed_titles(sentence) == titles


def test_a_later_law_repeals_the_older_one_it_names():
    found = find_repeals(_articles(NOISE_LAWS))
    assert set(found) == {"中华人民共和国环境噪声污染防治法"}
    r = found["中华人民共和国环境噪声污染防治法"]
    assert (r.by_law, r.by_article) == ("中华人民共和国噪声污染防治法", "第九十条")


def test_a_newer_version_under_the_repealed_title_is_not_repealed():
    rows = [
        {
            "id": 1,
            "law": "检察规则（试行）",
            "article": "第七百条",
            "text": "本规则自2013年1月1日起施行。1999年发布的《检察规则》同时废止。",
        },
        {
            "id": 2,
            "law": "检察规则",
            "article": "第六百条",
            "text": "本规则自2019年12月30日起施行。《检察规则（试行）》同时废止。",
        },
    ]
    found = find_repeals(_articles(rows))
    assert set(found) == {"检察规则（试行）"}
    assert found["检察规则（试行）"].by_law == "检察规则"


def test_a_law_that_names_itself_or_an_absent_law_marks_nothing():
    rows = [
        {
            "id": 1,
            "law": "某某条例",
            "article": "第三十条",
            "text": "本条例自2001年1月1日起施行。1990年发布的《某某条例》和《不在库中的办法》同时废止。",
        }
    ]
    assert find_repeals(_articles(rows)) == {}


def test_search_keeps_a_repealed_law_in_rank_and_names_its_replacement():
    idx = LawIndex.build(NOISE_LAWS, cards=[], reranker=None)
    result = idx.search("小区里用高音喇叭太吵", k=4)
    assert "old45" in [h.id for h in result.hits]  # still found: lay questions cite it
    assert [r.law for r in result.repealed] == ["中华人民共和国环境噪声污染防治法"]
    assert any("repealed by 中华人民共和国噪声污染防治法 第九十条" in r for r in result.reasons)
    out = result.to_dict()
    assert out["repealed"] == [
        {"law": "中华人民共和国环境噪声污染防治法", "by_law": "中华人民共和国噪声污染防治法", "by_article": "第九十条"}
    ]
    assert set(out["hits"][0]) == {"id", "law", "article", "score", "text", "matched"}  # hit format unchanged
    only_new = idx.search("噪声污染防治法第六十四条", k=1)
    assert only_new.hits[0].id == "new64" and only_new.repealed == ()


def test_cli_marks_a_repealed_hit(tmp_path, capsys):
    idx = cli_import(tmp_path, NOISE_LAWS)
    capsys.readouterr()
    assert main(["laws", "search", "环境噪声污染防治法第四十五条", "--index", idx, "--k", "2"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "环境噪声污染防治法第四十五条" in first and "【已废止，见中华人民共和国噪声污染防治法第九十条】" in first


def test_repeals_in_the_national_corpus():
    if not NATIONAL.exists():
        pytest.skip("shared data not present")
    found = find_repeals(read_articles(NATIONAL))
    assert found["环境噪声污染防治法"].by_law == "噪声污染防治法"
    assert found["人民检察院刑事诉讼规则（试行）"].by_law == "人民检察院刑事诉讼规则"
    assert "人民检察院刑事诉讼规则" not in found  # the 2019 rules, not the 1999 ones of that name
    assert "中华人民共和国民法典" not in found and "民法典" not in found
