"""Obfuscated scam messages must still be caught, with cues pointing at the original characters."""

import pytest

from lianxin.engines.fraudscreen.text import normalize_batch

OBFUSCATED = [
    ("冒充公检法及政府机关类", "你涉嫌洗钱，请把钱转入安.全.账.户接受调查，不要告诉家人"),
    ("冒充公检法及政府机关类", "你涉嫌洗钱，请把钱转入 安 全 账 户 接受调查，不要告诉家人"),
    ("冒充公检法及政府机关类", "你涉嫌洗钱，请把钱转入安😊全💰账🔥户接受调查，不要告诉家人"),
    ("刷单返利类", "兼职刷單，一单返佣金２０元，日结，➕薇信ａｂｃ１２３４５"),
    ("刷单返利类", "宝妈在家做任务，点*赞*刷*单，日入三五百，加V信 kk56789x"),
]


@pytest.mark.parametrize("typology,text", OBFUSCATED)
def test_obfuscated_scam_is_caught(screener, typology, text):
    verdict = screener.screen(text)
    assert verdict.is_fraud and verdict.typology == typology
    assert verdict.cues
    for cue in verdict.cues:
        assert text[cue["start"] : cue["end"]] == cue["text"]


def test_separators_between_chinese_characters_are_removed():
    batch = normalize_batch(["安.全.账.户", "安 全 账 户", "安*全~账|户", "ＡＢＣ１２３", "轉帳"])
    assert [batch.text(i) for i in range(5)] == ["安全账户", "安全账户", "安全账户", "abc123", "转账"]


def test_normalisation_keeps_urls_and_spaces_between_latin_words():
    batch = normalize_batch(["访问 http://a-b.cn/x 或 www.x.com", "vx abc123 138 0013 8000"])
    assert batch.text(0) == "访问http://a-b.cn/x或www.x.com"
    assert batch.text(1) == "vx abc123 138 0013 8000"


def test_origin_maps_every_kept_character_back():
    text = "安😊全 账*户ＶＸ"
    batch = normalize_batch([text])
    kept = "".join(text[i] for i in batch.origin)
    assert kept == "安全账户ＶＸ"
