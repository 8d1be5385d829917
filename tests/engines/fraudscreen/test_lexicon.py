"""The cue lexicon: trigger-gated batch search finds exactly what a full scan finds."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.engines.fraudscreen.lexicon import ADVICE, CUES, TYPOLOGIES, find_cues, find_cues_batch
from lianxin.engines.fraudscreen.text import normalize_batch

WORDS = [
    "安全账户",
    "屏幕共享",
    "验证码告诉我",
    "刷单",
    "日结",
    "理赔",
    "航班取消",
    "稳赚不赔",
    "无抵押",
    "校园贷",
    "征信修复",
    "保健品",
    "礼盒",
    "公安局民警说你涉嫌洗钱",
    "老师收款码",
    "我是王总",
    "换号了",
    "王者荣耀账号出售",
    "亲爱的投资平台",
    "网赌",
    "部队采购",
    "我是淘宝客服",
    "好的",
    "晚上吃饭",
    "，",
    "v",
    "😊",
]


def test_every_cue_names_a_known_typology_and_has_a_reason():
    names = [cue.name for cue in CUES]
    assert len(names) == len(set(names))
    for cue in CUES:
        assert cue.why and (cue.typology is None or cue.typology in TYPOLOGIES)
    assert set(ADVICE) == set(TYPOLOGIES) | {None}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=8).map("".join), min_size=1, max_size=6))
def test_batch_search_equals_full_scan(texts):
    batch = normalize_batch(texts)
    normal = [batch.text(i) for i in range(len(texts))]
    found = find_cues_batch(batch.codes, batch.starts, normal, range(len(texts)))
    for i, text in enumerate(normal):
        assert found[i] == find_cues(text)
