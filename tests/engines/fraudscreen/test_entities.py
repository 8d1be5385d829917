"""Entity extraction with offsets into the original text."""

from lianxin.engines.fraudscreen.entities import extract
from lianxin.engines.fraudscreen.text import normalize_batch


def _entities(text):
    batch = normalize_batch([text])
    return extract(batch.text(0), batch.origin, text, 0)


def test_phone_url_account_im_and_amounts_with_offsets():
    text = "请加微信：abc_123x 或QQ 12345678，转5,000元到6222 0212 3456 7890 123，详情 http://safe-pay.top/x ，拨打１３８-００１３-８０００，另付三千元"
    found = _entities(text)
    for kind, items in found.items():
        for item in items:
            assert text[item["start"] : item["end"]] == item["text"], kind
    assert [p["value"] for p in found["phones"]] == ["13800138000"]
    assert [u["value"] for u in found["urls"]] == ["http://safe-pay.top/x"]
    assert [a["value"] for a in found["accounts"]] == ["6222021234567890123"]
    assert {(i["kind"], i["value"]) for i in found["im_ids"]} == {("wechat", "abc_123x"), ("qq", "12345678")}
    assert [a["value"] for a in found["amounts_fen"]] == [500_000, 300_000]


def test_amount_units_in_fen():
    found = _entities("借2.5万元，再付¥199，另外八百块和1200元")
    assert [a["value"] for a in found["amounts_fen"]] == [2_500_000, 19_900, 80_000, 120_000]


def test_obfuscated_phone_and_wechat_hint():
    text = "加 薇 信 kf20240 或打 1 3 9 1 2 3 4 5 6 7 8"
    found = _entities(text)
    assert [i["value"] for i in found["im_ids"]] == ["kf20240"]
    assert [p["value"] for p in found["phones"]] == ["13912345678"]
    phone = found["phones"][0]
    assert text[phone["start"] : phone["end"]] == "1 3 9 1 2 3 4 5 6 7 8"


def test_official_numbers_and_domains():
    found = _entities("请拨打96110或95588，或登录 www.icbc.com.cn 查询")
    assert [p["value"] for p in found["phones"]] == ["96110", "95588"]
    assert [u["value"] for u in found["urls"]] == ["www.icbc.com.cn"]


def test_no_entities_in_plain_chat():
    assert all(v == [] for v in _entities("晚上一起吃饭吗").values())
