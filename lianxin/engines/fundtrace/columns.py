"""String columns stored as Arrow-style offsets + bytes, so an index can memory-map them.

A column of n strings is two arrays: `offsets` (int64, n + 1) and `data` (uint8). Reading
one value slices the bytes; nothing is decoded until asked, which keeps index open time
independent of the number of accounts or transfers.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa


class StringColumn:
    """Read-only column of UTF-8 strings backed by two numpy arrays."""

    def __init__(self, offsets: np.ndarray, data: np.ndarray):
        self.offsets = offsets
        self.data = data

    @classmethod
    def from_series(cls, series: pl.Series) -> StringColumn:
        """Build from a polars string Series (nulls become empty strings)."""
        offsets, data = string_buffers(series)
        start = int(offsets[0]) if len(offsets) else 0
        return cls((offsets - start).copy(), data[start : int(offsets[-1]) if len(offsets) else 0].copy())

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> bytes:
        return self.data[self.offsets[i] : self.offsets[i + 1]].tobytes()

    def __getitem__(self, i: int) -> str:
        return self.raw(int(i)).decode("utf-8")

    def many(self, rows) -> list[str]:
        """Decode the values at `rows` (a batch: one gather of offsets, no numpy scalar per value)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return []
        starts, ends = self.offsets[rows].tolist(), self.offsets[rows + 1].tolist()
        data = self.data.data  # the array's own memoryview: slices without copying
        return [str(data[a:b], "utf-8") for a, b in zip(starts, ends)]

    def hashes(self) -> np.ndarray:
        """Return a stable 64-bit hash of every value (polynomial over the UTF-8 bytes, then mixed)."""
        return string_hashes(self.offsets, self.data)

    def save(self, directory: Path, name: str) -> None:
        np.save(directory / f"{name}.offsets.npy", self.offsets)
        np.save(directory / f"{name}.data.npy", self.data)

    @classmethod
    def load(cls, directory: Path, name: str) -> StringColumn:
        return cls(
            np.load(directory / f"{name}.offsets.npy", mmap_mode="r").view(np.ndarray),
            np.load(directory / f"{name}.data.npy", mmap_mode="r").view(np.ndarray),
        )


def string_buffers(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return (offsets, data) of a string Series as Arrow large_string buffers (nulls are empty).

    Offsets are not rebased: string i is data[offsets[i]:offsets[i+1]].
    """
    arr = series.fill_null("").cast(pl.String).to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets, data


def dictionary_encode(values: pl.Series, hashes: np.ndarray | None = None) -> tuple[np.ndarray, StringColumn]:
    """Return (code per value, dictionary): codes in order of first appearance, as pyarrow's.

    Steps: 1. number the values' polars hashes (`hashes` in tests) by first appearance;
    2. check every value equals its code's dictionary entry (exact, vectorised by polars);
    3. only if two different ids shared a hash, encode again comparing bytes (slower).
    Polars' hash is only used in memory here (it is not stable across versions; the index
    stores `string_hash`es). Nulls are read as empty strings.
    """
    codes, dictionary, exact = dictionary_encode_unchecked(values, hashes)
    return (codes, dictionary) if exact() else dictionary_encode_exact(values)


def dictionary_encode_unchecked(
    values: pl.Series, hashes: np.ndarray | None = None
) -> tuple[np.ndarray, StringColumn, Callable[[], bool]]:
    """Return (codes, dictionary, exact) of steps 1-2 of `dictionary_encode`, the check not yet run.

    `exact()` runs the check (True when no two different values shared a hash); an index
    build runs it on another thread beside the steps that use the codes, and encodes with
    `dictionary_encode_exact` and starts over in the rare case it fails.
    """
    from .kernels import encode_hashes  # noqa: PLC0415 - numba loads only for index builds

    values = values.cast(pl.String).fill_null("")
    codes, first = encode_hashes(values.hash(seed=0).to_numpy() if hashes is None else hashes)
    dictionary = values.gather(first)

    def exact() -> bool:
        return not len(values) or bool((dictionary.gather(codes) == values).all())

    return codes, StringColumn.from_series(dictionary), exact


def dictionary_encode_exact(values: pl.Series) -> tuple[np.ndarray, StringColumn]:
    """Encode comparing bytes (kernels.encode_strings): right whatever the hashes, slower."""
    from .kernels import encode_strings  # noqa: PLC0415 - numba loads only for index builds

    codes, offsets, data, _ = encode_strings(*string_buffers(values.cast(pl.String).fill_null("")))
    return codes, StringColumn(offsets, data)


def string_hashes(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Hash each string data[offsets[i]:offsets[i+1]] as `string_hash` does (compiled: kernels.hash_strings)."""
    from .kernels import hash_strings  # noqa: PLC0415 - numba loads only where many strings are hashed

    offsets, data = np.asarray(offsets, dtype=np.int64), np.asarray(data, dtype=np.uint8)
    n = len(offsets) - 1
    if n < _PARALLEL_ROWS:
        return hash_strings(offsets, data)
    # two halves on two threads (the kernel releases the GIL; each hash depends on its string only)
    with ThreadPoolExecutor(2) as pool:
        halves = list(
            pool.map(lambda bounds: hash_strings(offsets[bounds[0] : bounds[1] + 1], data), [(0, n // 2), (n // 2, n)])
        )
    return np.concatenate(halves)


_PARALLEL_ROWS = 1 << 20


_MASK_64 = (1 << 64) - 1


def string_hash(raw: bytes) -> int:
    """Return the stable 64-bit hash of one UTF-8 string; equal strings hash equal on any machine.

    Horner's rule over the bytes (+1 each) with base 1099511628211 (the FNV prime), plus the
    length, then the splitmix64 finaliser; all modulo 2^64. Plain Python, so a lookup needs
    neither numpy per byte nor a compiled kernel (no JIT in the tracing process).
    """
    h = 0
    for b in raw:
        h = (h * 1_099_511_628_211 + b + 1) & _MASK_64
    h = (h + len(raw)) & _MASK_64
    h ^= h >> 30
    h = (h * 0xBF58476D1CE4E5B9) & _MASK_64
    h ^= h >> 27
    h = (h * 0x94D049BB133111EB) & _MASK_64
    return h ^ (h >> 31)


class HashLookup:
    """Find a string's row in a StringColumn through one sorted int64 array of (hash prefix, row).

    Each key packs the top bits of the value's hash above its row number, so a plain (SIMD)
    sort builds the table and rows sharing a hash prefix are checked byte for byte.
    """

    def __init__(self, column: StringColumn, keys: np.ndarray):
        self.column, self.keys = column, keys
        self.row_bits = max(1, len(column).bit_length())
        self.hash_bits = 63 - self.row_bits

    @staticmethod
    def build_keys(hashes: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Return the sorted keys of the values whose hashes are hashes[rows] (default: all, in order)."""
        from .kernels import lookup_keys  # noqa: PLC0415 - numba loads only for index builds

        rows = np.arange(len(hashes), dtype=np.int64) if rows is None else rows
        return np.sort(lookup_keys(hashes, rows, max(1, len(rows).bit_length())))

    def _rows(self, h: int):
        prefix = h >> (64 - self.hash_bits)
        i = int(self.keys.searchsorted(prefix << self.row_bits))
        mask = (1 << self.row_bits) - 1
        while i < len(self.keys) and (int(self.keys[i]) >> self.row_bits) == prefix:
            yield int(self.keys[i]) & mask
            i += 1

    def find(self, value: str) -> int:
        """Return the row holding `value`, or -1."""
        raw = value.encode("utf-8")
        h = string_hash(raw)
        for row in self._rows(h):
            if self.column.raw(row) == raw:
                return row
        return -1

    def find_many(self, values: pl.Series) -> np.ndarray:
        """Return the row of each value (-1 where absent)."""
        col = StringColumn.from_series(values)
        out = np.full(len(col), -1, np.int64)
        for i, h in enumerate(col.hashes().tolist()):
            raw = col.raw(i)
            for row in self._rows(h):
                if self.column.raw(row) == raw:
                    out[i] = row
                    break
        return out
