"""The hashed vocabulary lookup of the batch path must agree with a binary search."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.engines.fraudscreen.model import VocabTable

KEYS = st.integers(min_value=0, max_value=(1 << 63) - 1)


@settings(max_examples=60, deadline=None)
@given(vocab=st.sets(KEYS, max_size=300), extra=st.lists(KEYS, max_size=300))
def test_lookup_equals_searchsorted(vocab, extra):
    vocab = np.array(sorted(vocab), dtype=np.int64)
    table = VocabTable(vocab)
    keys = np.array(vocab.tolist() + extra, dtype=np.int64)
    expected = np.searchsorted(vocab, keys)
    expected = np.where(
        (expected < len(vocab)) & (vocab[np.minimum(expected, max(len(vocab) - 1, 0))] == keys)
        if len(vocab)
        else np.zeros(len(keys), dtype=bool),
        expected,
        -1,
    )
    assert table.lookup(keys).tolist() == expected.tolist()


def test_shipped_vocabulary_round_trips(screener):
    vocab = screener.model.vocab
    assert screener._table.lookup(vocab).tolist() == list(range(len(vocab)))
    assert screener._table.lookup(vocab + 1)[np.isin(vocab + 1, vocab, invert=True)].max() == -1
