from hypothesis import given
from hypothesis import strategies as st

from lianxin.engines.lawsearch.text import (
    article_key,
    char_bigrams,
    char_unigrams,
    chinese_to_int,
    int_to_chinese,
    law_key,
    normalise,
    strip_fillers,
)


def test_statute_numeral_forms():
    assert int_to_chinese(1165) == "一千一百六十五"
    assert int_to_chinese(10) == "十"
    assert int_to_chinese(15) == "十五"
    assert int_to_chinese(110) == "一百一十"
    assert int_to_chinese(1023) == "一千零二十三"
    assert int_to_chinese(1010) == "一千零一十"
    assert int_to_chinese(703) == "七百零三"


@given(st.integers(min_value=1, max_value=9999))
def test_numerals_round_trip(n):
    assert chinese_to_int(int_to_chinese(n)) == n


def test_chinese_to_int_reads_digit_forms_and_rejects_words():
    assert chinese_to_int("一〇二") == 102
    assert chinese_to_int("1165") == 1165
    assert chinese_to_int("两百") == 200
    assert chinese_to_int("工资") is None


def test_normalise_unifies_script_width_and_citation_numerals():
    assert normalise("老闆拖欠工資") == "老板拖欠工资"
    assert normalise("民法典第１１６５條") == "民法典第一千一百六十五条"
    assert normalise("民法典1165条") == "民法典第一千一百六十五条"
    assert normalise("劳动合同法第 30 条") == "劳动合同法第三十条"
    # a count of things is not an article citation
    assert "第" not in normalise("发了500条短信")


def test_bigrams_skip_punctuation_and_emoji():
    assert char_bigrams(normalise("噪音😡太吵！")) == ["噪音", "太吵"]
    assert char_bigrams("a1 工资") == ["a1", "工资"]
    assert char_bigrams("吵") == ["吵"]


def test_fillers_removed_from_questions_only_as_gaps():
    assert char_bigrams(strip_fillers("请问押金怎么办")) == ["押金"]


def test_keys_ignore_the_prc_prefix_and_numeral_style():
    assert law_key("中华人民共和国劳动合同法") == law_key("劳动合同法") == "劳动合同法"
    assert article_key("中华人民共和国民法典", "第1165条") == article_key("民法典", "第一千一百六十五条")


def test_char_unigrams_split_cjk_runs_and_keep_latin_and_digit_runs_whole():
    assert char_unigrams(normalise("被騙了５０００元，找誰賠ABC")) == [
        "被",
        "骗",
        "了",
        "5000",
        "元",
        "找",
        "谁",
        "赔",
        "abc",
    ]
    assert char_unigrams(normalise("🙂！？")) == []
