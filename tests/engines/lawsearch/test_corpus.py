"""Golden cases on the shared 3,600-article corpus (skipped when the data is absent)."""

import pytest


def _laws(result, n):
    return [h.law for h in result.hits[:n]]


@pytest.mark.parametrize(
    "question,law,article",
    [
        ("民法典1165条", "中华人民共和国民法典", "第一千一百六十五条"),
        ("劳动合同法第30条规定了什么", "中华人民共和国劳动合同法", "第三十条"),
        ("刑法第266條", "中华人民共和国刑法", "第二百六十六条"),
        ("刑法第二百九十三条之一", "中华人民共和国刑法", "第二百九十三条之一"),
    ],
)
def test_citations_on_the_real_corpus(small_index, question, law, article):
    top = small_index.search(question, k=3).hits[0]
    assert (top.law, top.article) == (law, article)


@pytest.mark.parametrize(
    "question,expected_laws",
    [
        (
            "老板拖欠工资三个月怎么办",
            {
                "中华人民共和国劳动合同法",
                "中华人民共和国劳动法",
                "保障农民工工资支付条例",
                "中华人民共和国劳动争议调解仲裁法",
            },
        ),
        (
            "被骗的钱能追回吗",
            {
                "中华人民共和国刑法",
                "中华人民共和国反电信网络诈骗法",
                "最高人民法院、最高人民检察院关于办理诈骗刑事案件具体应用法律若干问题的解释",
            },
        ),
        ("房东不退押金", {"中华人民共和国民法典"}),
        ("子女不赡养老人怎么办", {"中华人民共和国老年人权益保障法", "中华人民共和国民法典"}),
    ],
)
def test_lay_questions_reach_the_right_laws(small_index, question, expected_laws):
    assert expected_laws & set(_laws(small_index.search(question, k=5), 5))


@pytest.mark.parametrize(
    "question,law,article",
    [
        ("狗咬人谁负责", "中华人民共和国民法典", "第一千二百四十五条"),
        ("被狗咬了找谁赔", "中华人民共和国民法典", "第一千二百四十五条"),
    ],
)
def test_lay_question_finds_the_article(small_index, question, law, article):
    assert (law, article) in {(h.law, h.article) for h in small_index.search(question, k=3).hits}


def test_noise_complaint_spreads_over_laws(small_index):
    laws = set(_laws(small_index.search("楼上广场舞音响噪音太吵，晚上睡不着", k=10), 10))
    assert "中华人民共和国噪声污染防治法" in laws
    assert len(laws) >= 2


def test_traditional_and_simplified_agree(small_index):
    simplified = [h.id for h in small_index.search("老板拖欠工资怎么办", k=10).hits]
    traditional = [h.id for h in small_index.search("老闆拖欠工資怎麼辦", k=10).hits]
    assert simplified == traditional


def test_fixture_cards_resolve_against_the_real_corpus(small_index):
    result = small_index.search("老板拖欠工资三个月怎么办")
    card = result.cards[0]
    assert card.card.id == "unpaid-wages"
    assert all(ref["resolved"] for ref in card.refs)
    assert card.refs[0]["id"] == "labor_contract_law:30"


@pytest.mark.parametrize(
    "typo,clean",
    [
        ("老板拖欠公资三个月怎么办", "老板拖欠工资三个月怎么办"),
        ("房东不退压金", "房东不退押金"),
        ("被狗要了找谁陪偿", "被狗咬了找谁赔偿"),
    ],
)
def test_sound_alike_typos_find_what_the_right_words_find(small_index, typo, clean):
    assert [h.id for h in small_index.search(typo, k=10).hits] == [h.id for h in small_index.search(clean, k=10).hits]
