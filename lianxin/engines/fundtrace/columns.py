"""String columns stored as Arrow-style offsets + bytes, so an index can memory-map them.

A column of n strings is two arrays: `offsets` (int64, n + 1) and `data` (uint8). Reading
one value slices the bytes; nothing is decoded until asked, which keeps index open time
independent of the number of accounts or transfers.
"""

from __future__ import annotations

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
        arr = series.fill_null("").cast(pl.String).to_arrow()
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        arr = arr.cast(pa.large_string())
        _, offsets_buf, data_buf = arr.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
        data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        start = int(offsets[0]) if len(offsets) else 0
        return cls((offsets - start).copy(), data[start: int(offsets[-1]) if len(offsets) else 0].copy())

    @classmethod
    def from_list(cls, values: list[str]) -> StringColumn:
        return cls.from_series(pl.Series(values, dtype=pl.String))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def raw(self, i: int) -> bytes:
        return self.data[self.offsets[i]: self.offsets[i + 1]].tobytes()

    def __getitem__(self, i: int) -> str:
        return self.raw(int(i)).decode("utf-8")

    def to_list(self) -> list[str]:
        blob = self.data.tobytes()
        offs = self.offsets.tolist()
        return [blob[offs[i]: offs[i + 1]].decode("utf-8") for i in range(len(offs) - 1)]

    def search(self, value: str, order: np.ndarray | None = None) -> int:
        """Return the position of `value` (via `order` if the column is sorted through it), or -1.

        The column (or column[order]) must be sorted by raw UTF-8 bytes.
        """
        key = value.encode("utf-8")
        lo, hi = 0, len(self)
        while lo < hi:
            mid = (lo + hi) // 2
            pos = int(order[mid]) if order is not None else mid
            if self.raw(pos) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self):
            pos = int(order[lo]) if order is not None else lo
            if self.raw(pos) == key:
                return pos
        return -1

    def save(self, directory: Path, name: str) -> None:
        np.save(directory / f"{name}.offsets.npy", self.offsets)
        np.save(directory / f"{name}.data.npy", self.data)

    @classmethod
    def load(cls, directory: Path, name: str) -> StringColumn:
        return cls(np.load(directory / f"{name}.offsets.npy", mmap_mode="r").view(np.ndarray),
                   np.load(directory / f"{name}.data.npy", mmap_mode="r").view(np.ndarray))
