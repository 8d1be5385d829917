"""The compiled index-build loops (kernels.py) agree exactly with straightforward references."""

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from lianxin.engines.fundtrace import kernels
from lianxin.engines.fundtrace.columns import StringColumn, dictionary_encode, string_hash
from lianxin.engines.fundtrace.kernels import account_streams, csr_positions, encode_strings, hash_strings

# short ids collide often; long ones share 40+ byte prefixes (past a table slot's inline copy)
_ids = st.one_of(
    st.sampled_from(["A", "B", "ATM1", "", "账户甲", "6222020200112233445"]),
    st.text(max_size=6),
    st.builds(lambda tail: "X" * 45 + tail, st.text(max_size=3)),
)


def _column(values: list[str]) -> StringColumn:
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return StringColumn(offsets, np.frombuffer(b"".join(encoded), np.uint8).copy())


@settings(max_examples=60, deadline=None)
@given(st.lists(_ids, max_size=60))
def test_compiled_hash_matches_the_plain_python_one(values):
    col = _column(values)
    assert hash_strings(col.offsets, col.data).tolist() == [string_hash(v.encode("utf-8")) for v in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(_ids, max_size=80), st.booleans())
def test_encode_matches_pyarrow_even_when_every_hash_collides(values, collide):
    col = _column(values)
    mask = 0 if collide else (1 << 64) - 1
    codes, dict_offsets, dict_data, dict_hashes = encode_strings(col.offsets, col.data, mask)
    hashes = hash_strings(col.offsets, col.data) & np.uint64(mask)
    expected = pc.dictionary_encode(pa.array(values, pa.string()))
    assert codes.tolist() == expected.indices.to_pylist()
    dictionary = StringColumn(dict_offsets, dict_data)
    assert [dictionary[i] for i in range(len(dictionary))] == expected.dictionary.to_pylist()
    assert dict_hashes.tolist() == [int(hashes[values.index(v)]) for v in expected.dictionary.to_pylist()]


@settings(max_examples=60, deadline=None)
@given(st.lists(_ids, max_size=80), st.sampled_from(["polars", "all equal", "two classes"]))
def test_dictionary_encode_matches_pyarrow_whatever_the_hashes(values, hashes):
    """Equal hashes of different ids (forced here) must fall back to the byte-exact path."""
    forced = {
        "polars": None,
        "all equal": np.zeros(len(values), np.uint64),
        "two classes": np.array([len(v) % 2 for v in values], np.uint64),
    }[hashes]
    codes, dictionary = dictionary_encode(pl.Series(values, dtype=pl.String), forced)
    expected = pc.dictionary_encode(pa.array(values, pa.string()))
    assert codes.tolist() == expected.indices.to_pylist()
    assert dictionary.many(range(len(dictionary))) == expected.dictionary.to_pylist()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=50))
def test_csr_matches_a_stable_sort(codes):
    codes = np.array(codes, np.int32)
    ptr, pos = csr_positions(codes, 7)
    assert pos.tolist() == np.argsort(codes, kind="stable").tolist()
    assert ptr.tolist() == [0, *np.cumsum(np.bincount(codes, minlength=7)).tolist()]


def _add_in_order(values) -> float:
    """Plain left-to-right float sum (Python 3.12's sum() compensates, numpy's bincount does not)."""
    total = 0.0
    for v in values:
        total += float(v)
    return total


def _reference_streams(src, dst, amount, ts, log_amount, as_of, n_acct, under, rapid_s, offset_s, night_h, log_unusual):
    """Per account, in plain Python: events sorted by (position, out before in)."""
    rows = []
    for a in range(n_acct):
        events = sorted(
            [(p, 0) for p in range(len(src)) if src[p] == a] + [(p, 1) for p in range(len(dst)) if dst[p] == a]
        )
        ins = [p for p, is_in in events if is_in]
        outs = [p for p, is_in in events if not is_in]
        typical = {
            1: _add_in_order(log_amount[p] for p in ins) / max(len(ins), 1),
            0: _add_in_order(log_amount[p] for p in outs) / max(len(outs), 1),
        }
        run, low, before, rapid, n_rapid, n_under, n_night, gap = 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0
        unusual = {0: 0.0, 1: 0.0}
        sums = {0: 0.0, 1: 0.0}
        last_in = None
        for k, (p, is_in) in enumerate(events):
            amt, t = int(amount[p]), int(ts[p])
            run += amt if is_in else -amt
            low = run if k == 0 else min(low, run)
            if t <= as_of[a]:
                before += float(amt if is_in else -amt)
            if is_in:
                last_in = t
            else:
                if last_in is not None and t - last_in <= rapid_s:
                    rapid += float(amt)
                    n_rapid += 1.0
                n_under += 1.0 if any(lo <= amt < hi for lo, hi in under) else 0.0
            unusual[is_in] += 1.0 if abs(log_amount[p] - typical[is_in]) > log_unusual else 0.0
            sums[is_in] += float(amt)
            n_night += 1.0 if ((t + offset_s) % 86_400) // 3600 < night_h else 0.0
            if k:
                gap = max(gap, t - int(ts[events[k - 1][0]]))
        times = [int(ts[p]) for p, _ in events]
        rows.append(
            (
                -min(0, low),
                before,
                rapid,
                n_rapid,
                n_under,
                n_night,
                gap,
                unusual[0],
                unusual[1],
                sums[1],
                sums[0],
                times[0] if times else 0,
                times[-1] if times else 0,
                float(len({int(src[p]) for p in ins})),
                float(len({int(dst[p]) for p in outs})),
            )
        )
    return rows


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(1, 6_000_000), st.integers(0, 20_000)),
        min_size=1,
        max_size=60,
    ),
    st.lists(st.integers(0, 100_000_000), min_size=6, max_size=6),
)
def test_account_streams_match_a_plain_loop(rows, as_of_list):
    rows = sorted(rows, key=lambda r: r[3])  # positions are time-sorted
    src = np.array([r[0] for r in rows], np.int32)
    dst = np.array([r[1] for r in rows], np.int32)
    amount = np.array([r[2] for r in rows], np.int64)
    ts = np.array([1_772_330_400 + 30 * r[3] for r in rows], np.int64)
    as_of = np.array([1_772_330_400 + 6 * x for x in as_of_list], np.int64)
    log_amount = np.log(np.maximum(amount, 1))
    under = [(450_000, 500_000), (900_000, 1_000_000)]
    out_ptr, out_pos = csr_positions(src, 6)
    in_ptr, in_pos = csr_positions(dst, 6)
    got = account_streams(
        out_ptr,
        out_pos,
        in_ptr,
        in_pos,
        amount[out_pos],
        amount[in_pos],
        ts[out_pos],
        ts[in_pos],
        log_amount[out_pos],
        log_amount[in_pos],
        dst[out_pos],
        src[in_pos],
        as_of,
        np.array([lo for lo, _ in under]),
        np.array([hi for _, hi in under]),
        7200,
        28_800,
        6,
        float(np.log(5)),
    )
    expected = _reference_streams(src, dst, amount, ts, log_amount, as_of, 6, under, 7200, 28_800, 6, float(np.log(5)))
    for a in range(6):
        if out_ptr[a + 1] == out_ptr[a] and in_ptr[a + 1] == in_ptr[a]:
            continue  # an account with no transfer has no stream (never built: codes come from transfers)
        assert tuple(column[a].item() for column in got) == expected[a]
    # large ledgers walk two ranges of accounts on two threads: the same bits
    threshold, kernels._PARALLEL_EVENTS = kernels._PARALLEL_EVENTS, 0
    try:
        split = account_streams(
            out_ptr,
            out_pos,
            in_ptr,
            in_pos,
            amount[out_pos],
            amount[in_pos],
            ts[out_pos],
            ts[in_pos],
            log_amount[out_pos],
            log_amount[in_pos],
            dst[out_pos],
            src[in_pos],
            as_of,
            np.array([lo for lo, _ in under]),
            np.array([hi for _, hi in under]),
            7200,
            28_800,
            6,
            float(np.log(5)),
        )
    finally:
        kernels._PARALLEL_EVENTS = threshold
    for column, split_column in zip(got, split):
        assert column.tobytes() == split_column.tobytes()


def test_kernels_still_compile_where_no_cache_location_is_writable(monkeypatch):
    """numba refuses cache=True when it finds no writable cache directory (a read-only install)."""
    from numba import njit

    from lianxin.engines.fundtrace import kernels

    def strict_njit(**options):
        if options.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'f.py'")
        return njit(**options)

    monkeypatch.setattr(kernels, "njit", strict_njit)

    def add_one(x):
        return x + 1

    assert kernels._jit(add_one)(41) == 42


def test_index_build_starts_over_exactly_when_account_hashes_collide(monkeypatch):
    from lianxin.engines.fundtrace import columns, kernels
    from lianxin.engines.fundtrace import ledger as ledger_module

    from .helpers import hand_example

    expected = hand_example()
    real = kernels.encode_hashes
    monkeypatch.setattr(kernels, "encode_hashes", lambda hashes: real(np.asarray(hashes) & np.uint64(1)))
    exact_calls = []
    monkeypatch.setattr(
        ledger_module,
        "dictionary_encode_exact",
        lambda values: exact_calls.append(1) or columns.dictionary_encode_exact(values),
    )
    got = hand_example()
    assert exact_calls == [1]
    for name in ("src", "dst", "out_ptr", "out_pos", "in_ptr", "in_pos", "opening_fen", "acct_keys", "txn_keys"):
        assert np.array_equal(getattr(got, name), getattr(expected, name)), name
    assert got.accounts.many(range(got.n_accounts)) == expected.accounts.many(range(expected.n_accounts))
    for name, column in expected.mule.items():
        assert np.array_equal(got.mule[name], column), name
