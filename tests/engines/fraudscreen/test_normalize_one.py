"""The one-message normaliser (used by screen) must give exactly what the batch one gives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.engines.fraudscreen.text import normalize_batch, normalize_one

# Characters that are mapped, dropped, soft separators, spaces, or beyond the lookup table.
ODD = list("安全账户转帳，。.,/\\·:：;；+_-＋➕ａＡ1２３abc \t\u3000\u200b*~“”《》😀\x00\x01") + [
    chr(0x30001),
    "\ud800",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(ODD), st.characters()), max_size=20).map("".join))
def test_normalize_one_equals_the_batch_path(text):
    batch = normalize_batch([text])
    assert normalize_one(text) == (batch.codes.tolist(), batch.origin.tolist())
