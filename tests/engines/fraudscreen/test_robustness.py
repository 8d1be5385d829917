"""Odd input never crashes; the same input always gives the same output."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.engines.fraudscreen import ENGINE_VERSION, Verdict
from lianxin.engines.fraudscreen.lexicon import TYPOLOGIES

BANDS = ("low", "medium", "high")


def _check_shape(verdict: Verdict, text: str) -> None:
    data = verdict.to_dict()
    assert list(data) == [
        "is_fraud",
        "risk",
        "band",
        "typology",
        "subtype",
        "cues",
        "entities",
        "advice",
        "engine_version",
    ]
    assert 0.0 <= data["risk"] <= 1.0 and data["band"] in BANDS
    assert data["is_fraud"] == (data["band"] != "low")
    assert (data["typology"] is None) == (not data["is_fraud"])
    assert data["typology"] is None or data["typology"] in TYPOLOGIES
    assert data["engine_version"] == ENGINE_VERSION
    for items in data["entities"].values():
        for item in items:
            assert text[item["start"] : item["end"]] == item["text"]
    for cue in data["cues"]:
        assert text[cue["start"] : cue["end"]] == cue["text"]
    json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("text", ["", " ", "\n\t  \u3000", "😊😊😊", "\x00\x01\x02\ufffd", "\ud800abc", "a" * 5])
def test_empty_whitespace_and_garbage_give_low(screener, text):
    verdict = screener.screen(text)
    _check_shape(verdict, text)
    assert verdict.band == "low"


def test_binary_garbage_decoded_leniently_does_not_crash(screener):
    garbage = bytes(range(256)).decode("latin-1") * 40
    _check_shape(screener.screen(garbage), garbage)


def test_very_long_message(screener):
    text = ("您好，我是市公安局民警，你涉嫌洗钱，请把钱转入安全账户。" * 3500)[:100_000]
    verdict = screener.screen(text)
    _check_shape(verdict, text)
    assert verdict.is_fraud


def test_non_string_input_is_a_clear_type_error(screener):
    with pytest.raises(TypeError, match="message 1 is int"):
        screener.screen_many(["好的", 3])
    with pytest.raises(TypeError, match="list of str"):
        screener.screen_many("一条消息")


def test_same_input_same_output(screener):
    texts = ["你涉嫌洗钱，请转入安全账户", "晚上吃饭吗", "刷单日结，加vx abc12345", ""]
    first = [v.to_dict() for v in screener.screen_many(texts)]
    again = [v.to_dict() for v in screener.screen_many(texts)]
    one_by_one = [screener.screen(t).to_dict() for t in texts]
    assert first == again == one_by_one


def test_batch_equals_single_calls_in_any_order(screener):
    texts = ["你涉嫌洗钱，请转入安全账户", "【京东】您的订单已发货", "宝贝帮我付一下路费", "妈我换号了急需5000"]
    batch = [v.to_dict() for v in screener.screen_many(list(reversed(texts)))]
    assert batch == [screener.screen(t).to_dict() for t in reversed(texts)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=5))
def test_any_text_gives_a_well_formed_verdict(screener, texts):
    verdicts = screener.screen_many(texts)
    assert len(verdicts) == len(texts)
    for text, verdict in zip(texts, verdicts):
        _check_shape(verdict, text)
        assert verdict.to_dict() == screener.screen(text).to_dict()


def test_verdict_is_read_only_and_its_lazy_parts_are_stable(screener):
    text = "您好，我是市公安局民警，您的银行卡涉嫌洗钱，请把钱转入安全账户，联系13800138000"
    verdict = screener.screen(text)
    with pytest.raises(AttributeError, match="read-only"):
        verdict.band = "low"
    assert verdict.cues is verdict.cues and verdict.entities is verdict.entities
    assert [p["value"] for p in verdict.entities["phones"]] == ["13800138000"]
    assert verdict == screener.screen_many([text])[0]
    assert verdict != screener.screen("晚上吃饭吗")
