import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.engines.lawsearch import ENGINE_VERSION, EmptyQueryError, LawIndex
from lianxin.engines.lawsearch.cli import main

from .conftest import TOY_ARTICLES, cli_import


def _ids(result):
    return [h.id for h in result.hits]


@pytest.mark.parametrize(
    "question",
    [
        "民法典1165条",
        "民法典第一千一百六十五条",
        "《民法典》第1165條",
        "民法典第１１６５条规定了什么",
        "中华人民共和国民法典 第1165条",
    ],
)
def test_citation_returns_the_article_first(toy_index, question):
    assert _ids(toy_index.search(question, k=3))[0] == "c1165"


def test_citation_without_law_prefers_that_label(toy_index):
    assert _ids(toy_index.search("第七百零三条", k=1)) == ["r703"]


@pytest.mark.parametrize(
    "question,expected",
    [
        ("老板不发工资", "a1"),  # 老板 -> 用人单位, 工资 -> 劳动报酬
        ("被骗了钱", "f2"),  # 被骗 -> 诈骗
        ("房东是什么意思", "r703"),  # 房东 -> 出租人
    ],
)
def test_lay_words_reach_statute_words(toy_index, question, expected):
    assert _ids(toy_index.search(question, k=1)) == [expected]


def test_noise_question_spreads_over_laws(toy_index):
    result = toy_index.search("楼上广场舞音响噪音太吵", k=3)
    laws = [h.law for h in result.hits]
    assert "中华人民共和国噪声污染防治法" in laws and "中华人民共和国治安管理处罚法" in laws


def test_hits_have_the_contract_fields(toy_index):
    hit = toy_index.search("拖欠工资", k=1).hits[0].to_dict()
    assert list(hit) == ["id", "law", "article", "score", "text", "matched"]
    assert hit["id"] == "a1" and "劳动报酬" in hit["matched"]


@pytest.mark.parametrize("question", ["", "   ", "？！…", "😡😡", "\u3000\t"])
def test_empty_question_is_a_clear_error(toy_index, question):
    with pytest.raises(EmptyQueryError, match="empty question"):
        toy_index.search(question)


@pytest.mark.parametrize(
    "question", ["老闆不發工資", "老板不发工资😭😭", "ＬＡＯＢＡＮ老板不发工资！！", "老板\n不发工资"]
)
def test_unicode_variants_find_the_same_article(toy_index, question):
    assert _ids(toy_index.search(question, k=1)) == ["a1"]


def test_long_story_still_finds_the_point(toy_index):
    story = "我在一家小厂上班，" + "每天早出晚归，家里老人孩子都要照顾，" * 120 + "老板已经三个月没发工资了。"
    assert len(story) > 2000
    assert "a1" in _ids(toy_index.search(story, k=3))


def test_search_is_deterministic(toy_index):
    first = toy_index.search("邻居噪音扰民还骗了我的钱", k=8).to_dict()
    for _ in range(3):
        assert toy_index.search("邻居噪音扰民还骗了我的钱", k=8).to_dict() == first
    assert first["engine_version"] == ENGINE_VERSION


def test_k_bounds_the_hits(toy_index):
    assert len(toy_index.search("法", k=2).hits) == 2
    assert len(toy_index.search("法", k=100).hits) == len(TOY_ARTICLES)


def test_matching_card_comes_first_with_refs_resolved(toy_index):
    result = toy_index.search("老板拖欠工资三个月怎么办")
    assert result.cards and result.cards[0].card.id == "unpaid-wages"
    refs = result.cards[0].refs
    assert refs[0] == {
        "law": "中华人民共和国劳动合同法",
        "article": "第三十条",
        "resolved": True,
        "id": "a1",
        "text": TOY_ARTICLES[0]["text"],
    }
    assert refs[1]["resolved"] is False and "id" not in refs[1]  # that law is not in the toy index


def test_card_refs_list_unresolved_articles(toy_index):
    card = toy_index.search("广场舞太吵了").cards[0]
    assert card.card.id == "square-dance-noise"
    assert [r["resolved"] for r in card.refs] == [True, True, False]


def test_unrelated_question_matches_no_card(toy_index):
    assert toy_index.search("商标注册的期限").cards == ()


def test_saved_index_answers_the_same(toy_index, tmp_path, cards):
    toy_index.save(tmp_path / "idx")
    reopened = LawIndex.open(tmp_path / "idx", cards=cards)
    for q in ["民法典1165条", "老板不发工资", "广场舞噪音"]:
        assert reopened.search(q, k=5).to_dict() == toy_index.search(q, k=5).to_dict()


def test_cli_search_json_and_batch(tmp_path, capsys):
    idx = cli_import(tmp_path, TOY_ARTICLES)
    capsys.readouterr()
    assert main(["laws", "search", "民法典1165条", "--index", idx, "--k", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["hits"][0]["id"] == "c1165" and len(out["hits"]) == 2 and "cards" in out
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": 7, "text": "民法典1165条"}\n{"id": "b", "text": "被骗了钱"}\n', encoding="utf-8")
    assert main(["laws", "search", "--jsonl", str(queries), "--index", idx, "--k", "3"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == [7, "b"]
    assert lines[0]["hits"][0] == "c1165" and lines[1]["hits"][0] == "f2" and len(lines[1]["hits"]) == 3


def test_cli_batch_with_a_bad_line_writes_nothing(tmp_path, capsys):
    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in TOY_ARTICLES), encoding="utf-8")
    idx = str(tmp_path / "idx")
    main(["laws", "import", str(src), "--index", idx])
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": 1, "text": "工资"}\n{"text": 5}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    capsys.readouterr()
    assert main(["laws", "search", "--jsonl", str(queries), "--index", idx, "--out", str(out)]) == 1
    assert "line 2" in capsys.readouterr().err and not out.exists()


def test_cli_empty_question_is_a_clear_error(tmp_path, capsys):
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps(TOY_ARTICLES[0], ensure_ascii=False) + "\n", encoding="utf-8")
    idx = str(tmp_path / "idx")
    main(["laws", "import", str(src), "--index", idx])
    assert main(["laws", "search", "  ", "--index", idx]) == 1
    assert "empty question" in capsys.readouterr().err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=st.text(
        alphabet=st.sampled_from("老板工资噪音被骗房东押金第条十一0123456789民法典，。！😀 ａ\n"), max_size=60
    ),
    k=st.integers(min_value=1, max_value=12),
)
def test_any_question_gives_distinct_hits_or_a_clear_error(toy_index, question, k):
    try:
        result = toy_index.search(question, k=k)
    except EmptyQueryError:
        return
    ids = [h.id for h in result.hits]
    assert len(ids) == min(k, len(TOY_ARTICLES)) and len(set(ids)) == len(ids)
    assert all(h.score >= 0 for h in result.hits)
