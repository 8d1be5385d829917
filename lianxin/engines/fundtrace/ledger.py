"""The ledger as numpy columns, its on-disk index, and `Ledger.open`.

Layout (all arrays memory-mapped when opened from an index directory):
1. Transfers are stored in *position* order: sorted by timestamp, same-second ties by a stable
   hash of txn_id, so a position is a total order consistent with time that does not depend
   on row order in the file (AMLSim steps keep the file's order: see ingest.read_amlsim).
2. Accounts are dictionary-encoded; ids and txn ids are found through sorted 64-bit hashes.
3. Out- and in-adjacency are CSR: `out_pos[out_ptr[a]:out_ptr[a+1]]` are the positions of
   account a's outgoing transfers, ascending (so also time-sorted); likewise `in_*`.
4. `opening_fen[a]` is the balance before the ledger's first transfer: from an opening
   balances file when given, else the least balance that keeps the account non-negative.
5. Mule features and scores for every account are computed once at build time, in the
   station's UTC offset (night-time is local): the offset is part of the index (`meta`).
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .columns import HashLookup, StringColumn, dictionary_encode_exact, dictionary_encode_unchecked, string_buffers
from .constants import ENGINE_VERSION
from .ingest import LedgerError, RowProblems, detect_format, read_amlsim_nodes, read_balances, read_transfers
from .mules import account_statistics, amount_logs
from .zone import check_utc_offset, offset_label

INDEX_FORMAT_VERSION = 6  # 6: meta records utc_offset_minutes
_ARRAYS = (
    "src",
    "dst",
    "amount_fen",
    "ts",
    "channel",
    "txn_keys",
    "acct_keys",
    "out_ptr",
    "out_pos",
    "in_ptr",
    "in_pos",
    "out_csum",
    "in_csum",
    "opening_fen",
    "label",
)
_STRINGS = ("txn_id", "accounts", "holder_name", "bank")


@dataclass
class Ledger:
    """Columns of a ledger plus adjacency; build with `Ledger.open` or `Ledger.from_frame`."""

    src: np.ndarray
    dst: np.ndarray
    amount_fen: np.ndarray
    ts: np.ndarray
    channel: np.ndarray
    txn_id: StringColumn
    txn_keys: np.ndarray  # sorted (hash prefix, position) keys: see columns.HashLookup
    accounts: StringColumn
    acct_keys: np.ndarray
    holder_name: StringColumn
    bank: StringColumn
    out_ptr: np.ndarray
    out_pos: np.ndarray
    in_ptr: np.ndarray
    in_pos: np.ndarray
    out_csum: np.ndarray  # running sum of amounts in out_pos order (n + 1): slice sums in O(1)
    in_csum: np.ndarray
    opening_fen: np.ndarray
    label: np.ndarray  # 1 = known mule (AMLSim isFraud), 0 = not, -1 = no label
    meta: dict
    mule: dict[str, np.ndarray] = field(default_factory=dict)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        utc_offset_minutes: int,
        fmt: str | None = None,
        balances: str | Path | None = None,
    ) -> Ledger:
        """Open an index directory, a CSV/Parquet ledger or an AMLSim output directory.

        `utc_offset_minutes` is the station's offset east of UTC (480 for Asia/Shanghai): local
        night-time for the mule scores and the times shown in traces. An index keeps the offset
        it was built with; opening it with another raises LedgerError (rebuild it instead).
        Raises LedgerError with a message naming the problem.
        """
        path = Path(path)
        fmt = fmt or detect_format(path)
        if fmt == "index":
            return cls.load(path, utc_offset_minutes=utc_offset_minutes)
        warm = threading.Thread(target=_warm_kernels, name="numba-warm-up", daemon=True)
        warm.start()  # numba starts up while polars reads the file (both mostly outside the GIL)
        df, problems = read_transfers(path, fmt)
        opening = labels = None
        if fmt == "amlsim":
            nodes = read_amlsim_nodes(path if path.is_dir() else path.parent)
            opening = nodes.select("account", "balance_fen", pl.lit(0, pl.Int64).alias("as_of"))
            labels = nodes.select("account", "is_fraud")
        if balances is not None:
            opening, balance_problems = read_balances(Path(balances))
            for kind, count in balance_problems.counts.items():
                problems.counts[f"balances: {kind}"] = count
                problems.lines[f"balances: {kind}"] = balance_problems.lines[kind]
        ledger = cls.from_frame(
            df,
            utc_offset_minutes=utc_offset_minutes,
            problems=problems,
            opening=opening,
            labels=labels,
            source=str(path),
            fmt=fmt,
        )
        warm.join()
        return ledger

    @classmethod
    def from_frame(
        cls,
        df: pl.DataFrame,
        *,
        utc_offset_minutes: int,
        problems: RowProblems | None = None,
        opening: pl.DataFrame | None = None,
        labels: pl.DataFrame | None = None,
        source: str = "",
        fmt: str = "frame",
        exact_accounts: bool = False,
    ) -> Ledger:
        """Build from clean columns (txn_id, from_account, to_account, amount_fen, ts, optional names;
        txn_hash when read by ingest).

        Steps: 1. position order = (ts, hash of txn_id), so it never depends on row order;
        2. accounts dictionary-encoded; 3. CSR adjacency; 4. hash lookups for txn ids and
        accounts; 5. holder name and bank from each account's first transfer; 6. opening
        balances and mule features from one pass over the per-account event stream.
        Account ids are numbered by an in-memory hash and checked exactly beside the later
        steps; if two different ids shared a hash, the build starts over with
        `exact_accounts=True` (ids encoded comparing bytes). `utc_offset_minutes`: as in `open`.
        """
        from .kernels import gather_strings, hash_strings  # noqa: PLC0415 - numba loads only when an index is built

        utc_offset_minutes = check_utc_offset(utc_offset_minutes)
        problems = problems or RowProblems()
        for c in ("from_name", "to_name", "from_bank", "to_bank", "channel"):
            if c not in df.columns:
                df = df.with_columns(pl.lit(None, pl.String).alias(c))
        if df.height == 0:
            raise LedgerError(
                f"{source or 'ledger'}: no readable transfers"
                + (f" ({problems.total} bad rows)" if problems.total else "")
            )
        n = df.height
        # Independent steps run two at a time: the compiled kernels, numpy's sorts and polars
        # release the GIL, and each step's result is the same whichever thread computes it.
        with ThreadPoolExecutor(3) as pool:
            txn_buffers = pool.submit(string_buffers, df["txn_id"])
            ts_rows = df["ts"].to_numpy().astype(np.int64)
            if "txn_hash" in df.columns:  # from ingest
                order_job = pool.submit(_position_order, ts_rows, df["txn_hash"].to_numpy())
            else:
                order_job = pool.submit(lambda: _position_order(ts_rows, hash_strings(*txn_buffers.result())))
            # 2. accounts, encoded in row order of from then to, by first appearance (codes never
            # reach the output; ids do)
            account_rows = pl.concat([df["from_account"], df["to_account"]])
            if exact_accounts:
                codes_rows, accounts = dictionary_encode_exact(account_rows)
                exact_job = None
            else:  # the exact check (~1 s on 10M) runs beside the steps that follow
                codes_rows, accounts, exact = dictionary_encode_unchecked(account_rows)
                exact_job = pool.submit(exact)
            n_acct = len(accounts)
            acct_keys_job = pool.submit(lambda: HashLookup.build_keys(accounts.hashes()))
            channel_job = pool.submit(_channel_codes, df["channel"])
            amount_rows = df["amount_fen"].to_numpy().astype(np.int64)
            order, txn_hash_rows = order_job.result()
            src, dst = codes_rows[:n][order], codes_rows[n:][order]
            del codes_rows
            amount, ts = amount_rows[order], ts_rows[order]
            # 3. CSR: positions of each account's transfers, ascending (a counting sort by account);
            # (amount, ts, partner) gathered in CSR order
            in_job = pool.submit(_csr_side, dst, n_acct, amount, ts, src)
            out_ptr, out_pos, by_out, out_csum, log_out = _csr_side(src, n_acct, amount, ts, dst)
            # 4. lookups and the txn ids in position order, beside step 5
            txn_keys_job = pool.submit(HashLookup.build_keys, txn_hash_rows, order)
            txn_id_job = pool.submit(lambda: StringColumn(*gather_strings(*txn_buffers.result(), order)))
            in_ptr, in_pos, by_in, in_csum, log_in = in_job.result()
            # 5. holder name and bank: as named on the account's first transfer out (else in)
            first_out = np.where(np.diff(out_ptr) > 0, out_pos[np.minimum(out_ptr[:-1], max(n - 1, 0))], -1)
            first_in = in_pos[np.minimum(in_ptr[:-1], max(n - 1, 0))]
            rows_out = np.where(first_out >= 0, order[np.maximum(first_out, 0)], 0)
            rows_in = order[first_in]
            use_out = first_out >= 0
            bank_job = pool.submit(_pick, df["from_bank"], df["to_bank"], rows_out, rows_in, use_out)
            holder = _pick(df["from_name"], df["to_name"], rows_out, rows_in, use_out)
            channels, channel_rows = channel_job.result()
            channel = channel_rows[order]
            bank = bank_job.result()
            meta = {
                "engine_version": ENGINE_VERSION,
                "index_format": INDEX_FORMAT_VERSION,
                "source": source,
                "format": fmt,
                "n_transfers": int(n),
                "n_accounts": int(n_acct),
                "ts_min": int(ts[0]),
                "ts_max": int(ts[-1]),
                "utc_offset_minutes": utc_offset_minutes,
                "channels": channels,
                "problems": problems.as_dict(),
                "has_opening_balances": opening is not None,
            }
            ledger = cls(
                src=src,
                dst=dst,
                amount_fen=amount,
                ts=ts,
                channel=channel,
                txn_id=StringColumn(np.zeros(1, np.int64), np.zeros(0, np.uint8)),
                txn_keys=np.zeros(0, np.int64),  # both replaced below, when their threads finish
                accounts=accounts,
                acct_keys=acct_keys_job.result(),
                holder_name=holder,
                bank=bank,
                out_ptr=out_ptr,
                out_pos=out_pos,
                in_ptr=in_ptr,
                in_pos=in_pos,
                out_csum=out_csum,
                in_csum=in_csum,
                opening_fen=np.zeros(n_acct, np.int64),
                label=np.full(n_acct, -1, np.int8),
                meta=meta,
            )
            if labels is not None:
                rows = ledger.account_codes(labels["account"])
                known = rows >= 0
                ledger.label[:] = 0
                ledger.label[rows[known]] = labels["is_fraud"].cast(pl.Int8).to_numpy()[known]
            given = None
            if opening is not None:
                rows = ledger.account_codes(opening["account"])
                known = rows >= 0
                given = (rows[known], opening["balance_fen"].to_numpy()[known], opening["as_of"].to_numpy()[known])
            ledger.opening_fen, ledger.mule, ledger.meta["mule_weights"] = account_statistics(
                ledger, given, by_out, by_in, (log_out, log_in), utc_offset_minutes=utc_offset_minutes
            )
            ledger.txn_keys, ledger.txn_id = txn_keys_job.result(), txn_id_job.result()
            if exact_job is not None and not exact_job.result():
                # two different account ids shared polars' in-memory hash: encode comparing bytes
                return cls.from_frame(
                    df,
                    utc_offset_minutes=utc_offset_minutes,
                    problems=problems,
                    opening=opening,
                    labels=labels,
                    source=source,
                    fmt=fmt,
                    exact_accounts=True,
                )
        return ledger

    # -- persistence --------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write the index into `directory` (created; meta.json is written last)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "meta.json").unlink(missing_ok=True)
        files = [(f"{name}.npy", getattr(self, name)) for name in _ARRAYS]
        for name in _STRINGS:
            column = getattr(self, name)
            files += [(f"{name}.offsets.npy", column.offsets), (f"{name}.data.npy", column.data)]
        files += [(f"mule.{name}.npy", arr) for name, arr in self.mule.items()]
        with ThreadPoolExecutor(2) as pool:  # writing releases the GIL: two files at a time
            list(pool.map(lambda item: np.save(directory / item[0], np.ascontiguousarray(item[1])), files))
        meta = dict(self.meta, mule_columns=sorted(self.mule))
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path, *, utc_offset_minutes: int | None = None) -> Ledger:
        """Open an index directory; with `utc_offset_minutes`, check it was built for that offset."""
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            raise LedgerError(f"{directory}: not a ledger index (no meta.json; was `ledger index` interrupted?)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("index_format") != INDEX_FORMAT_VERSION:
            raise LedgerError(
                f"{directory}: index format {meta.get('index_format')} is not "
                f"{INDEX_FORMAT_VERSION}; rebuild it with `lianxin ledger index`"
            )
        built_for = meta["utc_offset_minutes"]
        if utc_offset_minutes is not None and check_utc_offset(utc_offset_minutes) != built_for:
            raise LedgerError(
                f"{directory}: index built for UTC{offset_label(built_for)}, not UTC{offset_label(utc_offset_minutes)}; "
                "open it with that offset or rebuild it with `lianxin ledger index --utc-offset …`"
            )
        columns: dict[str, Any] = {  # ndarrays named in _ARRAYS, StringColumns in _STRINGS
            name: _mapped(directory / f"{name}.npy") for name in _ARRAYS
        }
        columns.update({name: StringColumn.load(directory, name) for name in _STRINGS})
        mule = {name: _mapped(directory / f"mule.{name}.npy") for name in meta["mule_columns"]}
        return cls(**columns, meta=meta, mule=mule)

    # -- lookups ------------------------------------------------------------------------
    @property
    def n_accounts(self) -> int:
        return len(self.out_ptr) - 1

    @property
    def n_transfers(self) -> int:
        return len(self.src)

    def position_of(self, txn_id: str) -> int:
        """Return the position of a transfer by its id, or -1."""
        return HashLookup(self.txn_id, self.txn_keys).find(txn_id)

    def account_code(self, account: str) -> int:
        """Return the code of an account id, or -1."""
        return HashLookup(self.accounts, self.acct_keys).find(account)

    def account_codes(self, accounts: pl.Series) -> np.ndarray:
        return HashLookup(self.accounts, self.acct_keys).find_many(accounts)

    def degree(self) -> np.ndarray:
        return np.diff(self.out_ptr) + np.diff(self.in_ptr)

    @property
    def utc_offset_minutes(self) -> int:
        """The station's offset east of UTC this ledger was built with (see `open`)."""
        return int(self.meta["utc_offset_minutes"])

    def channel_name(self, code: int) -> str | None:
        return self.meta["channels"][code] if code >= 0 else None

    def trace(self, seeds: list[str], **options):
        """Trace seed transfers forward; see `trace.trace` for the options."""
        from .trace import trace  # noqa: PLC0415 - trace imports Ledger

        return trace(self, seeds, **options)


def _warm_kernels() -> None:
    from .kernels import warm_up  # noqa: PLC0415 - numba loads only when an index is built

    try:
        warm_up()
    except Exception:  # noqa: BLE001 - only a head start: the build compiles or loads what it calls itself
        pass


def _running_sum(values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values) + 1, np.int64)
    np.cumsum(values, out=out[1:])
    return out


def _mapped(path: Path) -> np.ndarray:
    """Memory-map an array as a plain ndarray (np.memmap's per-slice overhead is 10x a view's)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


def _csr_side(codes: np.ndarray, n_acct: int, amount: np.ndarray, ts: np.ndarray, partner: np.ndarray):
    """Return (ptr, pos, (amount, ts, partner) in pos order, running sum of those amounts, their
    logs for `mules.account_statistics`) of one side of the adjacency."""
    from .kernels import csr_gather, csr_positions  # noqa: PLC0415 - numba loads only for index builds

    ptr, pos = csr_positions(codes, n_acct)
    gathered = csr_gather(pos, amount, ts, partner)
    return ptr, pos, gathered, _running_sum(gathered[0]), amount_logs(gathered[0])


def _position_order(ts: np.ndarray, txn_hash: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (order of rows by time, ties by txn id hash; txn_hash): one int64 key when the time span allows."""
    span = int(ts.max() - ts.min()) if len(ts) else 0
    hash_bits = 62 - max(1, span.bit_length())
    if hash_bits >= 20:
        from .kernels import position_keys  # noqa: PLC0415 - numba loads only for index builds

        return np.argsort(position_keys(ts, txn_hash, int(ts.min()), hash_bits)), txn_hash
    return np.lexsort((txn_hash, ts)), txn_hash


def _channel_codes(column: pl.Series) -> tuple[list[str], np.ndarray]:
    """Return (sorted channel names, code per row: index in that list, -1 where missing)."""
    channels = sorted(column.drop_nulls().unique().to_list())
    return channels, column.cast(pl.Enum(channels)).to_physical().cast(pl.Int16).fill_null(-1).to_numpy()


def _pick(out_col: pl.Series, in_col: pl.Series, rows_out, rows_in, use_out) -> StringColumn:
    if out_col.null_count() == len(out_col) and in_col.null_count() == len(in_col):
        return StringColumn.from_series(pl.Series([""] * len(use_out), dtype=pl.String))
    a = out_col.gather(rows_out)
    b = in_col.gather(rows_in)
    picked = pl.select(pl.when(pl.Series(use_out) & a.is_not_null()).then(a).otherwise(b)).to_series()
    return StringColumn.from_series(picked)
