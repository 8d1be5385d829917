"""The ledger as numpy columns, its on-disk index, and `Ledger.open`.

Layout (all arrays memory-mapped when opened from an index directory):
1. Transfers are stored in *position* order: sorted by (timestamp, txn_id), so a position is
   a total order consistent with time that does not depend on row order in the file.
2. Accounts are dictionary-encoded: code = rank of the account id in byte order.
3. Out- and in-adjacency are CSR: `out_pos[out_ptr[a]:out_ptr[a+1]]` are the positions of
   account a's outgoing transfers, ascending (so also time-sorted); likewise `in_*`.
4. `opening_fen[a]` is the balance before the ledger's first transfer: from an opening
   balances file when given, else the least balance that keeps the account non-negative.
5. Mule features and scores for every account are computed once at build time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from .columns import StringColumn
from .constants import ENGINE_VERSION
from .ingest import LedgerError, RowProblems, detect_format, read_amlsim_nodes, read_balances, read_transfers
from .mules import account_stream, compute_mule_features

INDEX_FORMAT_VERSION = 2
_ARRAYS = ("src", "dst", "amount_fen", "ts", "channel", "txn_order", "out_ptr", "out_pos", "in_ptr",
           "in_pos", "out_csum", "in_csum", "opening_fen", "label")
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
    txn_order: np.ndarray
    accounts: StringColumn
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
    def open(cls, path: str | Path, *, fmt: str | None = None, balances: str | Path | None = None) -> Ledger:
        """Open an index directory, a CSV/Parquet ledger or an AMLSim output directory.

        Raises LedgerError with a message naming the problem.
        """
        path = Path(path)
        fmt = fmt or detect_format(path)
        if fmt == "index":
            return cls.load(path)
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
        return cls.from_frame(df, problems=problems, opening=opening, labels=labels,
                              source=str(path), fmt=fmt)

    @classmethod
    def from_frame(cls, df: pl.DataFrame, *, problems: RowProblems | None = None,
                   opening: pl.DataFrame | None = None, labels: pl.DataFrame | None = None,
                   source: str = "", fmt: str = "frame") -> Ledger:
        """Build from clean columns (txn_id, from_account, to_account, amount_fen, ts, optional names)."""
        problems = problems or RowProblems()
        for c in ("from_name", "to_name", "from_bank", "to_bank", "channel"):
            if c not in df.columns:
                df = df.with_columns(pl.lit(None, pl.String).alias(c))
        if df.height == 0:
            raise LedgerError(f"{source or 'ledger'}: no readable transfers"
                              + (f" ({problems.total} bad rows)" if problems.total else ""))
        df = df.sort(["ts", "txn_id"])
        accounts = pl.concat([df["from_account"], df["to_account"]]).unique().sort()
        codes = pl.DataFrame({"account": accounts, "code": pl.int_range(0, len(accounts), eager=True,
                                                                          dtype=pl.Int32)})
        src = df.select(pl.col("from_account").alias("account")).join(codes, on="account", how="left",
                                                                       maintain_order="left")["code"]
        dst = df.select(pl.col("to_account").alias("account")).join(codes, on="account", how="left",
                                                                     maintain_order="left")["code"]
        src_np = src.to_numpy().astype(np.int32)
        dst_np = dst.to_numpy().astype(np.int32)
        n_acct = len(accounts)
        channels = sorted(df["channel"].drop_nulls().unique().to_list())
        channel_codes = pl.DataFrame({"channel": channels, "cc": list(range(len(channels)))},
                                     schema={"channel": pl.String, "cc": pl.Int16})
        channel = (df.select("channel").join(channel_codes, on="channel", how="left", maintain_order="left")
                   ["cc"].fill_null(-1).to_numpy().astype(np.int16))
        out_order = np.argsort(src_np, kind="stable").astype(np.int32)
        in_order = np.argsort(dst_np, kind="stable").astype(np.int32)
        out_ptr = np.zeros(n_acct + 1, np.int64)
        np.cumsum(np.bincount(src_np, minlength=n_acct), out=out_ptr[1:])
        in_ptr = np.zeros(n_acct + 1, np.int64)
        np.cumsum(np.bincount(dst_np, minlength=n_acct), out=in_ptr[1:])
        txn_ids = df["txn_id"]
        amount = df["amount_fen"].to_numpy().astype(np.int64)
        holder, bank = _account_attributes(df, codes, n_acct)
        ts = df["ts"].to_numpy().astype(np.int64)
        label = np.full(n_acct, -1, np.int8)
        if labels is not None:
            lab = codes.join(labels, on="account", how="left", maintain_order="left")["is_fraud"]
            label = lab.cast(pl.Int8).fill_null(0).to_numpy().astype(np.int8)
        meta = {
            "engine_version": ENGINE_VERSION, "index_format": INDEX_FORMAT_VERSION, "source": source,
            "format": fmt, "n_transfers": int(df.height), "n_accounts": int(n_acct),
            "ts_min": int(ts[0]), "ts_max": int(ts[-1]), "channels": channels,
            "problems": problems.as_dict(), "has_opening_balances": opening is not None,
        }
        ledger = cls(src=src_np, dst=dst_np, amount_fen=amount, ts=ts, channel=channel,
                     txn_id=StringColumn.from_series(txn_ids),
                     txn_order=txn_ids.arg_sort().to_numpy().astype(np.int64),
                     accounts=StringColumn.from_series(accounts), holder_name=holder, bank=bank,
                     out_ptr=out_ptr, out_pos=out_order, in_ptr=in_ptr, in_pos=in_order,
                     out_csum=_running_sum(amount[out_order]), in_csum=_running_sum(amount[in_order]),
                     opening_fen=np.zeros(n_acct, np.int64), label=label, meta=meta)
        stream = account_stream(ledger)
        net_min, net_before_as_of = _running_balance_stats(stream, n_acct, opening, codes)
        ledger.opening_fen = np.maximum(0, -net_min)
        if opening is not None:
            known = codes.join(opening, on="account", how="inner")
            idx = known["code"].to_numpy()
            ledger.opening_fen[idx] = known["balance_fen"].to_numpy() - net_before_as_of[idx]
        ledger.mule = compute_mule_features(ledger, stream)
        return ledger

    # -- persistence --------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write the index into `directory` (created; meta.json is written last)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "meta.json").unlink(missing_ok=True)
        for name in _ARRAYS:
            np.save(directory / f"{name}.npy", np.ascontiguousarray(getattr(self, name)))
        for name in _STRINGS:
            getattr(self, name).save(directory, name)
        for name, arr in self.mule.items():
            np.save(directory / f"mule.{name}.npy", arr)
        meta = dict(self.meta, mule_columns=sorted(self.mule))
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> Ledger:
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            raise LedgerError(f"{directory}: not a ledger index (no meta.json; was `ledger index` interrupted?)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("index_format") != INDEX_FORMAT_VERSION:
            raise LedgerError(f"{directory}: index format {meta.get('index_format')} is not "
                              f"{INDEX_FORMAT_VERSION}; rebuild it with `lianxin ledger index`")
        arrays = {name: _mapped(directory / f"{name}.npy") for name in _ARRAYS}
        strings = {name: StringColumn.load(directory, name) for name in _STRINGS}
        mule = {name: _mapped(directory / f"mule.{name}.npy") for name in meta["mule_columns"]}
        return cls(**arrays, **strings, meta=meta, mule=mule)

    # -- lookups ------------------------------------------------------------------------
    @property
    def n_accounts(self) -> int:
        return len(self.out_ptr) - 1

    @property
    def n_transfers(self) -> int:
        return len(self.src)

    def position_of(self, txn_id: str) -> int:
        """Return the position of a transfer by its id, or -1."""
        return self.txn_id.search(txn_id, self.txn_order)

    def account_code(self, account: str) -> int:
        return self.accounts.search(account)

    def degree(self) -> np.ndarray:
        return np.diff(self.out_ptr) + np.diff(self.in_ptr)

    def channel_name(self, code: int) -> str | None:
        return self.meta["channels"][code] if code >= 0 else None

    def trace(self, seeds: list[str], **options):
        """Trace seed transfers forward; see `trace.trace` for the options."""
        from .trace import trace  # noqa: PLC0415 - trace imports Ledger

        return trace(self, seeds, **options)


def _running_sum(values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values) + 1, np.int64)
    np.cumsum(values, out=out[1:])
    return out


def _mapped(path: Path) -> np.ndarray:
    """Memory-map an array as a plain ndarray (np.memmap's per-slice overhead is 10x a view's)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


def _account_attributes(df: pl.DataFrame, codes: pl.DataFrame, n_acct: int) -> tuple[StringColumn, StringColumn]:
    """Holder name and bank per account: the most frequent value named for it in the ledger."""
    sides = pl.concat([
        df.select(pl.col("from_account").alias("account"), pl.col("from_name").alias("name"),
                  pl.col("from_bank").alias("bank")),
        df.select(pl.col("to_account").alias("account"), pl.col("to_name").alias("name"),
                  pl.col("to_bank").alias("bank")),
    ])
    out = []
    for col in ("name", "bank"):
        if sides[col].null_count() == sides.height:
            out.append(StringColumn.from_series(pl.Series([""] * n_acct, dtype=pl.String)))
            continue
        mode = (sides.drop_nulls(col).group_by("account", col).len()
                .sort(["account", "len", col], descending=[False, True, False])
                .unique("account", keep="first"))
        joined = codes.join(mode, on="account", how="left", maintain_order="left")[col]
        out.append(StringColumn.from_series(joined))
    return out[0], out[1]


def _running_balance_stats(stream: pl.DataFrame, n_acct: int, opening: pl.DataFrame | None,
                           codes: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return per account (least running net flow, net flow up to its balance's as_of)."""
    run = stream.select("acct", pl.when(pl.col("is_in")).then(pl.col("amt")).otherwise(-pl.col("amt"))
                        .alias("delta"), "ts")
    run = run.with_columns(pl.col("delta").cum_sum().over("acct").alias("run"))
    net_min = np.zeros(n_acct, np.int64)
    low = run.group_by("acct").agg(pl.col("run").min())
    net_min[low["acct"].to_numpy()] = np.minimum(0, low["run"].to_numpy())
    before = np.zeros(n_acct, np.int64)
    if opening is not None:
        as_of = codes.join(opening.select("account", "as_of"), on="account", how="inner")
        upto = (run.join(as_of.select(pl.col("code").alias("acct"), "as_of"), on="acct", how="inner")
                .filter(pl.col("ts") <= pl.col("as_of")).group_by("acct").agg(pl.col("delta").sum()))
        before[upto["acct"].to_numpy()] = upto["delta"].to_numpy()
    return net_min, before
