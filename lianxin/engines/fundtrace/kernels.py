"""Compiled (numba) loops of the index build: string hashing, dictionary encoding, CSR, account streams.

Why numba: on the 10M-transfer ledger the numpy versions of these steps took 20 of the 29 s of
an index build (issue 5 asks for <= 10 s); each is one pass over an array that numpy can only
express through many full-size temporaries and sorts. The loops here give bit-identical
results to the numpy code they replaced: integer arithmetic is exact, and floating-point sums
are added in the same order as the numpy `bincount` they stand for (no fastmath, so nothing
is reassociated).

Compiled functions are cached on disk (numba's `cache=True`: next to the sources, else the
user's cache directory or NUMBA_CACHE_DIR). Where no cache location is writable (a read-only
install) they still work and are compiled once per process.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit


def _jit(fn=None, **options):
    """Compile `fn` with numba, caching the machine code when a cache location is writable."""
    if fn is None:
        return lambda f: _jit(f, **options)
    try:
        return njit(cache=True, nogil=True, **options)(fn)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return njit(nogil=True, **options)(fn)


_HASH_BASE = np.uint64(1_099_511_628_211)  # FNV prime, as a polynomial base (as in columns.string_hashes)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_INLINE_BYTES = 40  # a table slot holds the first 40 bytes of its string: most ids fit whole
_SLOT_BYTES = 24 + _INLINE_BYTES  # (hash, code + 1, length) as int64, then the bytes: one cache line
_ALL_BITS = np.uint64(0xFFFFFFFFFFFFFFFF)


@_jit
def hash_strings(offsets, data):
    """Hash each string data[offsets[i]:offsets[i+1]]: Horner over bytes + 1, plus length, then splitmix64.

    uint64 arithmetic wraps; equal strings give equal hashes on any machine.
    """
    n = len(offsets) - 1
    out = np.empty(n, np.uint64)
    for i in range(n):
        out[i] = _hash_one(data, offsets[i], offsets[i + 1])
    return out


def encode_strings(offsets, data, hash_mask=_ALL_BITS):
    """Dictionary-encode strings in order of first appearance (as pyarrow's dictionary_encode).

    Returns (codes int32 per string, dictionary offsets, dictionary bytes, hash of each code as
    in `hash_strings`). Each string is hashed while it is read; an open-addressing table finds
    the candidate by hash, and equal hashes are confirmed byte for byte against the slot's
    inline copy of the string (so a lookup touches one cache line; bytes past the inline 40
    against the dictionary): a hash collision never merges two different strings.
    `hash_mask` (tests only) keeps fewer hash bits, to make collisions common.

    The table is allocated here by numpy, which asks the kernel for huge pages: its random
    probes then stay within the TLB's reach (allocated inside numba, the same encode ran 2x
    slower on the 10M ledger). It starts with room for one distinct string in 16 rows and is
    rebuilt twice the size whenever it would pass half full.
    """
    capacity = 1 << max(10, (len(offsets) // 8).bit_length())
    while True:
        result = _encode(offsets, data, np.uint64(hash_mask), np.zeros((capacity, _SLOT_BYTES), np.uint8))
        if result[0] is not None:
            return result
        capacity *= 4


@_jit
def _encode(offsets, data, hash_mask, slots):
    """Encode with the table `slots`; all four results are None when it would pass half full."""
    n = len(offsets) - 1
    codes = np.empty(n, np.int32)
    dict_off = np.zeros(1 << 12, np.int64)
    dict_hash = np.empty(1 << 12, np.uint64)
    dict_data = np.empty(1 << 16, np.uint8)
    words = slots.view(np.int64)  # words[:, 0:3] = hash, code + 1 (0 = empty), length
    mask = len(slots) - 1
    n_codes = 0
    for i in range(n):
        lo, hi = offsets[i], offsets[i + 1]
        length = hi - lo
        h = _hash_one(data, lo, hi) & hash_mask
        slot = np.int64(h & np.uint64(mask))
        found = -1
        while words[slot, 1] != 0:
            if words[slot, 0] == np.int64(h) and words[slot, 2] == length:
                c = words[slot, 1] - 1
                same = True
                for k in range(min(length, _INLINE_BYTES)):
                    if slots[slot, 24 + k] != data[lo + k]:
                        same = False
                        break
                if same and length > _INLINE_BYTES:
                    start = dict_off[c]
                    for k in range(_INLINE_BYTES, length):
                        if dict_data[start + k] != data[lo + k]:
                            same = False
                            break
                if same:
                    found = c
                    break
            slot = (slot + 1) & mask
        if found >= 0:
            codes[i] = found
            continue
        # a new string: append it to the dictionary (arrays grow by doubling)
        if n_codes + 1 >= len(dict_off):
            dict_off = _grown(dict_off, n_codes + 1)
            dict_hash = _grown(dict_hash, n_codes)
        end = dict_off[n_codes] + length
        if end > len(dict_data):
            dict_data = _grown(dict_data, dict_off[n_codes], end)
        dict_data[dict_off[n_codes] : end] = data[lo:hi]
        dict_off[n_codes + 1] = end
        dict_hash[n_codes] = h
        if 2 * (n_codes + 1) > len(slots):  # the caller retries with a larger table
            return None, None, None, None
        _fill(slots, slot, h, n_codes, data, lo, hi)
        codes[i] = n_codes
        n_codes += 1
    return codes, dict_off[: n_codes + 1].copy(), dict_data[: dict_off[n_codes]].copy(), dict_hash[:n_codes].copy()


@_jit(inline="always")
def _hash_one(data, lo, hi):
    h = np.uint64(0)
    for j in range(lo, hi):
        h = h * _HASH_BASE + (np.uint64(data[j]) + np.uint64(1))
    h = h + np.uint64(hi - lo)
    h = h ^ (h >> np.uint64(30))
    h = h * _MIX_1
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX_2
    return h ^ (h >> np.uint64(31))


@_jit
def _grown(arr, keep, need=0):
    """Return a copy of arr[:keep] in an array at least twice as long (and at least `need`)."""
    out = np.empty(max(2 * len(arr), need), arr.dtype)
    out[:keep] = arr[:keep]
    return out


@_jit
def _fill(slots, slot, h, code, data, lo, hi):
    words = slots.view(np.int64)
    words[slot, 0] = np.int64(h)
    words[slot, 1] = code + 1
    words[slot, 2] = hi - lo
    for k in range(min(hi - lo, _INLINE_BYTES)):
        slots[slot, 24 + k] = data[lo + k]


def encode_hashes(hashes):
    """Number 64-bit values in order of first appearance; return (codes int32, row of each code's first).

    Equal values get equal codes; `columns.dictionary_encode` checks that equal values were
    equal strings. The table is allocated by numpy (huge pages, see `encode_strings`).
    """
    capacity = 1 << max(10, (len(hashes) // 8).bit_length())
    while True:
        codes, first = _encode_hashes(hashes, np.zeros((capacity, 2), np.int64))
        if codes is not None:
            return codes, first
        capacity *= 4


@_jit
def _encode_hashes(hashes, table):
    """Fill codes with the table (hash, code + 1); both results are None when it would pass half full."""
    n = len(hashes)
    codes = np.empty(n, np.int32)
    first = np.empty(len(table) // 2, np.int64)
    mask = len(table) - 1
    n_codes = 0
    for i in range(n):
        h = np.int64(hashes[i])
        slot = h & mask
        while table[slot, 1] != 0 and table[slot, 0] != h:
            slot = (slot + 1) & mask
        if table[slot, 1] != 0:
            codes[i] = table[slot, 1] - 1
            continue
        if n_codes == len(first):
            return None, None
        table[slot, 0] = h
        table[slot, 1] = n_codes + 1
        first[n_codes] = i
        codes[i] = n_codes
        n_codes += 1
    return codes, first[:n_codes].copy()


@_jit
def gather_strings(offsets, data, rows):
    """Return (offsets, data) of the strings at `rows`, rebased to start at 0."""
    m = len(rows)
    out_off = np.zeros(m + 1, np.int64)
    for k in range(m):
        r = rows[k]
        out_off[k + 1] = out_off[k] + offsets[r + 1] - offsets[r]
    out = np.empty(out_off[m], np.uint8)
    for k in range(m):
        r = rows[k]
        lo = offsets[r]
        base = out_off[k]
        for j in range(offsets[r + 1] - lo):
            out[base + j] = data[lo + j]
    return out_off, out


@_jit
def csr_positions(codes, n_codes):
    """Return (ptr, pos): pos[ptr[a]:ptr[a+1]] are the indices i with codes[i] == a, ascending.

    A counting sort: the same result as sorting code * n + index, in two linear passes.
    """
    ptr = np.zeros(n_codes + 1, np.int64)
    for i in range(len(codes)):
        ptr[codes[i] + 1] += 1
    for a in range(n_codes):
        ptr[a + 1] += ptr[a]
    fill = ptr[:-1].copy()
    pos = np.empty(len(codes), np.int32)
    for i in range(len(codes)):
        a = codes[i]
        pos[fill[a]] = i
        fill[a] += 1
    return ptr, pos


@_jit
def csr_gather(pos, amount, ts, partner):
    """Return amount[pos], ts[pos], partner[pos] in one pass (three independent loads per row)."""
    m = len(pos)
    amt_out = np.empty(m, amount.dtype)
    ts_out = np.empty(m, ts.dtype)
    partner_out = np.empty(m, partner.dtype)
    for k in range(m):
        p = pos[k]
        amt_out[k] = amount[p]
        ts_out[k] = ts[p]
        partner_out[k] = partner[p]
    return amt_out, ts_out, partner_out


@_jit
def position_keys(ts, txn_hash, ts_min, hash_bits):
    """Return ((ts - ts_min) << hash_bits) | top hash_bits of txn_hash, per row (one pass, no temporaries)."""
    out = np.empty(len(ts), np.int64)
    shift = np.uint64(64 - hash_bits)
    for i in range(len(ts)):
        out[i] = ((ts[i] - ts_min) << hash_bits) | np.int64(txn_hash[i] >> shift)
    return out


@_jit
def lookup_keys(hashes, rows, row_bits):
    """Return (top 63 - row_bits bits of hashes[rows[k]]) << row_bits | k, per k (see columns.HashLookup)."""
    out = np.empty(len(rows), np.int64)
    shift = np.uint64(64 - (63 - row_bits))
    for k in range(len(rows)):
        out[k] = (np.int64(hashes[rows[k]] >> shift) << row_bits) | k
    return out


_SHORT_RUN = 32  # numba's quicksort costs more than insertion below this length


@_jit
def _distinct(values, scratch):
    """Count distinct values (sorted in a scratch copy; insertion sort for the usual short runs)."""
    m = len(values)
    if m == 0:
        return 0.0
    buf = scratch[:m]
    if m <= _SHORT_RUN:
        for k in range(m):
            v = values[k]
            j = k
            while j > 0 and buf[j - 1] > v:
                buf[j] = buf[j - 1]
                j -= 1
            buf[j] = v
    else:
        buf[:] = values
        buf.sort()
    count = 1
    for k in range(1, m):
        if buf[k] != buf[k - 1]:
            count += 1
    return np.float64(count)


def account_streams(
    out_ptr,
    out_pos,
    in_ptr,
    in_pos,
    amt_out,
    amt_in,
    ts_out,
    ts_in,
    log_out,
    log_in,
    payee,
    payer,
    as_of_acct,
    under_lo,
    under_hi,
    rapid_seconds,
    utc_offset_seconds,
    night_end_hour,
    log_unusual,
):
    """Walk every account's transfers (out and in merged in position order, out first on a tie).

    Inputs other than the CSR are gathered in CSR order (amt_out = amount[out_pos], payee =
    dst[out_pos], payer = src[in_pos], ...), so the walk reads memory in sequence.
    Returns per-account sums and counts for `mules.account_statistics`:
    (opening, before_as_of, rapid, n_rapid, n_under, n_night, max_gap, n_unusual_out, n_unusual_in,
    sum_in, sum_out, first_ts, last_ts, payers, payees). Float sums add in stream order, as numpy's
    bincount over the stream does; sum_in and sum_out add in position order, as bincount over
    dst and src does.
    """
    n_acct = len(out_ptr) - 1
    outputs = tuple(np.zeros(n_acct, dtype) for dtype in _STREAM_DTYPES)
    args = (
        out_ptr,
        out_pos,
        in_ptr,
        in_pos,
        amt_out,
        amt_in,
        ts_out,
        ts_in,
        log_out,
        log_in,
        payee,
        payer,
        as_of_acct,
        under_lo,
        under_hi,
        rapid_seconds,
        utc_offset_seconds,
        night_end_hour,
        log_unusual,
    )
    events = len(out_pos) + len(in_pos)
    if events < _PARALLEL_EVENTS:
        _account_streams_range(*args, 0, n_acct, *outputs)
        return outputs
    # two ranges of accounts with about as many events each, one per thread (the kernel releases
    # the GIL; an account's results depend on its own stream only, so they are the same bits)
    middle = int(np.searchsorted(np.asarray(out_ptr) + np.asarray(in_ptr), events // 2))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda bounds: _account_streams_range(*args, *bounds, *outputs), [(0, middle), (middle, n_acct)]))
    return outputs


_PARALLEL_EVENTS = 1 << 20
# opening, before, rapid, n_rapid, n_under, n_night, max_gap, n_unusual_out, n_unusual_in, sum_in, sum_out,
# first_ts, last_ts, payers, payees
_STREAM_DTYPES = (
    np.int64,
    np.float64,
    np.float64,
    np.float64,
    np.float64,
    np.float64,
    np.int64,
    np.float64,
    np.float64,
    np.float64,
    np.float64,
    np.int64,
    np.int64,
    np.float64,
    np.float64,
)


@_jit
def _account_streams_range(
    out_ptr,
    out_pos,
    in_ptr,
    in_pos,
    amt_out,
    amt_in,
    ts_out,
    ts_in,
    log_out,
    log_in,
    payee,
    payer,
    as_of_acct,
    under_lo,
    under_hi,
    rapid_seconds,
    utc_offset_seconds,
    night_end_hour,
    log_unusual,
    lo,
    hi,
    opening,
    before,
    rapid,
    n_rapid,
    n_under,
    n_night,
    max_gap,
    n_unusual_out,
    n_unusual_in,
    sum_in,
    sum_out,
    first_ts,
    last_ts,
    payers,
    payees,
):
    """`account_streams` for accounts lo..hi-1, into the given (zeroed) output arrays."""
    longest = 0
    for a in range(lo, hi):
        longest = max(longest, out_ptr[a + 1] - out_ptr[a], in_ptr[a + 1] - in_ptr[a])
    scratch = np.empty(longest, payer.dtype)
    for a in range(lo, hi):
        o, o_end, i, i_end = out_ptr[a], out_ptr[a + 1], in_ptr[a], in_ptr[a + 1]
        if o == o_end and i == i_end:
            continue
        n_o, n_i = o_end - o, i_end - i
        payees[a] = _distinct(payee[o:o_end], scratch)
        payers[a] = _distinct(payer[i:i_end], scratch)
        typical_out = 0.0
        for k in range(o, o_end):
            typical_out += log_out[k]
        typical_in = 0.0
        for k in range(i, i_end):
            typical_in += log_in[k]
        typical_out /= np.float64(max(n_o, 1))
        typical_in /= np.float64(max(n_i, 1))
        # one pass over the two ascending runs, merged
        run = 0
        low = 0
        last_in_t = 0
        has_in = False
        first = True
        prev_t = 0
        while o < o_end or i < i_end:
            if i >= i_end or (o < o_end and out_pos[o] <= in_pos[i]):
                amt, t = amt_out[o], ts_out[o]
                run -= amt
                if t <= as_of_acct[a]:
                    before[a] += np.float64(-amt)
                if has_in and t - last_in_t <= rapid_seconds:
                    rapid[a] += np.float64(amt)
                    n_rapid[a] += 1.0
                for b in range(len(under_lo)):
                    if amt >= under_lo[b] and amt < under_hi[b]:
                        n_under[a] += 1.0
                        break
                if abs(log_out[o] - typical_out) > log_unusual:
                    n_unusual_out[a] += 1.0
                sum_out[a] += np.float64(amt)
                o += 1
            else:
                amt, t = amt_in[i], ts_in[i]
                run += amt
                if t <= as_of_acct[a]:
                    before[a] += np.float64(amt)
                has_in = True
                last_in_t = t
                if abs(log_in[i] - typical_in) > log_unusual:
                    n_unusual_in[a] += 1.0
                sum_in[a] += np.float64(amt)
                i += 1
            if first:
                low = run
                first_ts[a] = t
                first = False
            else:
                low = min(low, run)
                max_gap[a] = max(max_gap[a], t - prev_t)
            if ((t + utc_offset_seconds) % 86_400) // 3600 < night_end_hour:
                n_night[a] += 1.0
            prev_t = t
        opening[a] = -min(0, low)
        last_ts[a] = prev_t


def warm_up() -> None:
    """Load every kernel of an index build from numba's cache (or compile it) on tiny inputs.

    The first call of a cached kernel in a process costs 0.4-0.9 s here (numba and LLVM start
    up, then each function is read from disk); `Ledger.open` runs this on a second thread while
    polars reads the ledger. The argument types match the build's own calls, read-only flags
    included (arrays numpy wraps around Arrow or polars buffers are read-only), so the build
    finds each kernel ready; a type that differs only costs one more load at first use.
    """

    def frozen(arr):
        arr.flags.writeable = False
        return arr

    offsets, data = np.array([0, 1, 2], np.int64), np.array([97, 98], np.uint8)
    hash_strings(frozen(offsets.copy()), frozen(data.copy()))
    hashes = hash_strings(offsets, data)
    encode_hashes(frozen(hashes.copy()))
    rows = np.arange(2, dtype=np.int64)
    lookup_keys(hashes, rows, 2)
    lookup_keys(frozen(hashes.copy()), rows, 2)
    position_keys(rows, frozen(hashes.copy()), 0, 40)
    gather_strings(frozen(offsets.copy()), frozen(data.copy()), rows)
    codes = np.array([0, 1], np.int32)
    ptr, pos = csr_positions(codes, 2)
    csr_gather(pos, rows, rows, codes)
    logs = np.zeros(2, np.float64)
    account_streams(
        ptr,
        pos,
        ptr,
        pos,
        rows,
        rows,
        rows,
        rows,
        logs,
        logs,
        codes,
        codes,
        np.zeros(2, np.int64),
        rows,
        rows,
        1,
        0,
        6,
        1.0,
    )
