"""Read a bank ledger (CSV, Parquet or AMLSim) into clean columns and a bad-row report.

Units: amounts become integer fen; times become integer epoch seconds (UTC). A row that
cannot be read exactly is reported by line number (CSV: physical line, header = line 1;
Parquet: 1-based row) and left out; nothing is guessed (no default zone, no rounding of a
third decimal). Identical duplicate rows are kept once and reported; conflicting rows that
share a txn_id are all left out and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from .columns import string_buffers, string_hashes

REQUIRED_COLUMNS = ("txn_id", "from_account", "to_account", "timestamp")
OPTIONAL_COLUMNS = ("from_name", "to_name", "from_bank", "to_bank", "channel")
PROBLEM_LINES_SHOWN = 20
SECONDS_PER_AMLSIM_STEP = 86_400
FEN_PER_YUAN = 100

_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"
_NAIVE_ISO = r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$"
_YUAN = r"^\s*-?\d+(\.\d{1,2})?\s*$"


class LedgerError(ValueError):
    """A ledger that cannot be read at all (missing file or column, unknown format)."""


@dataclass
class RowProblems:
    """Bad rows by kind: counts and the first line numbers of each kind."""

    unit: str = "line"
    counts: dict[str, int] = field(default_factory=dict)
    lines: dict[str, list[int]] = field(default_factory=dict)

    def add(self, kind: str, line_numbers: list[int]) -> None:
        if not line_numbers:
            return
        self.counts[kind] = self.counts.get(kind, 0) + len(line_numbers)
        shown = self.lines.setdefault(kind, [])
        shown.extend(line_numbers[: PROBLEM_LINES_SHOWN - len(shown)])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict:
        return {
            "unit": self.unit,
            "total": self.total,
            "counts": dict(self.counts),
            "first_lines": {k: list(v) for k, v in self.lines.items()},
        }

    def describe(self) -> list[str]:
        return [
            f"{kind}: {count} rows ({self.unit}s {', '.join(map(str, self.lines[kind]))}"
            f"{', …' if count > len(self.lines[kind]) else ''})"
            for kind, count in self.counts.items()
        ]


def detect_format(path: Path) -> str:
    if path.is_dir():
        if (path / "transactions.csv").exists():
            return "amlsim"
        if (path / "meta.json").exists():
            return "index"
        raise LedgerError(f"{path}: a directory that is neither a ledger index nor an AMLSim output")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    raise LedgerError(f"{path}: unknown ledger format {suffix!r} (use .csv, .parquet or --format amlsim)")


def _read_raw(path: Path, fmt: str) -> tuple[pl.DataFrame, int, str]:
    """Return (frame, number of the first data row, unit of numbering)."""
    if not path.exists():
        raise LedgerError(f"{path}: no such file")
    try:
        if fmt == "parquet":
            return pl.read_parquet(path), 1, "row"
        separator = "\t" if path.suffix.lower() == ".tsv" else ","
        return pl.read_csv(path, infer_schema=False, separator=separator), 2, "line"
    except (pl.exceptions.PolarsError, OSError) as exc:
        hint = (
            "; bank exports are often GBK: convert with `iconv -f GBK -t UTF-8`"
            if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower()
            else ""
        )
        raise LedgerError(f"{path}: cannot be read as {fmt}: {exc}{hint}") from exc


def _amount_fen(df: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Return expressions (fen value, is-unparsable, is-negative)."""
    if "amount_fen" in df.columns:
        col = pl.col("amount_fen")
        if df.schema["amount_fen"].is_integer():
            fen = col.cast(pl.Int64)
            return fen, col.is_null(), fen < 0
        text = col.cast(pl.String).str.strip_chars()
        fen = text.cast(pl.Int64, strict=False)
        return fen, fen.is_null(), fen < 0
    if "amount" not in df.columns:
        raise LedgerError("ledger has neither an `amount` (yuan) nor an `amount_fen` column")
    dtype = df.schema["amount"]
    col = pl.col("amount")
    if dtype.is_float():
        fen = (col * FEN_PER_YUAN).round(0)
        exact = ((col * FEN_PER_YUAN) - fen).abs() < 1e-6
        return fen.cast(pl.Int64, strict=False), col.is_null() | col.is_nan() | ~exact, col < 0
    if dtype.is_integer():
        return col.cast(pl.Int64) * FEN_PER_YUAN, col.is_null(), col < 0
    text = col.cast(pl.String).str.strip_chars()
    ok = text.str.contains(_YUAN).fill_null(False)
    negative = text.str.starts_with("-").fill_null(False)
    body = text.str.strip_chars_start("-")
    whole = body.str.split(".").list.get(0, null_on_oob=True).cast(pl.Int64, strict=False)
    frac = (
        body.str.split(".")
        .list.get(1, null_on_oob=True)
        .fill_null("")
        .str.pad_end(2, "0")
        .cast(pl.Int64, strict=False)
        .fill_null(0)
    )
    fen = pl.when(ok).then(whole * FEN_PER_YUAN + frac)
    return fen, ~ok, negative & ok


def _epoch_seconds(df: pl.DataFrame, name: str = "timestamp") -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Return expressions (epoch seconds, is-unparsable, is-missing-zone)."""
    dtype = df.schema[name]
    col = pl.col(name)
    if dtype.is_integer():
        return col.cast(pl.Int64), col.is_null(), pl.lit(False)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return pl.lit(None, pl.Int64), pl.lit(False), pl.lit(True)
        return col.dt.epoch("s"), col.is_null(), pl.lit(False)
    text = col.cast(pl.String).str.strip_chars()
    as_int = text.cast(pl.Int64, strict=False)
    iso = (
        text.str.replace(" ", "T", literal=True)
        .str.replace("Z$", "+00:00")
        .str.strptime(pl.Datetime("us", "UTC"), _ISO_FORMAT, strict=False)
        .dt.epoch("s")
    )
    naive = text.str.contains(_NAIVE_ISO).fill_null(False) & iso.is_null()
    value = pl.coalesce(as_int, iso)
    return value, value.is_null() & ~naive, naive


def _text(name: str, strip: bool) -> pl.Expr:
    col = pl.col(name).cast(pl.String)
    return col.str.strip_chars() if strip else col


def _blank(name: str, strip: bool = True) -> pl.Expr:
    return pl.col(name).is_null() | (_text(name, strip) == "")


def read_transfers(path: Path, fmt: str | None = None) -> tuple[pl.DataFrame, RowProblems]:
    """Read transfers into columns txn_id, from_account, to_account, amount_fen, ts, … and a report.

    `txn_hash` (columns.string_hashes of txn_id) comes along: the duplicate check needs it and
    the index reuses it.

    Raises LedgerError when the file or a required column is missing.
    """
    fmt = fmt or detect_format(path)
    if fmt == "amlsim":
        return read_amlsim(path)
    raw, first_line, unit = _read_raw(path, fmt)
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise LedgerError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(raw.columns)}")
    return _validate(raw, first_line, unit)


def _validate(raw: pl.DataFrame, first_line: int, unit: str) -> tuple[pl.DataFrame, RowProblems]:
    """Flag bad rows (first problem per row), report them, return the good rows.

    Text read from CSV is stripped of surrounding blanks; typed Parquet strings are taken as is.
    """
    strip = unit == "line"
    fen, bad_amount, negative = _amount_fen(raw)
    ts, bad_time, naive = _epoch_seconds(raw)
    optional = [
        _text(c, strip).alias(c) if c in raw.columns else pl.lit(None, pl.String).alias(c) for c in OPTIONAL_COLUMNS
    ]
    df = raw.with_row_index("line", offset=first_line).select(
        pl.col("line").cast(pl.Int64),
        _text("txn_id", strip),
        _text("from_account", strip),
        _text("to_account", strip),
        fen.alias("amount_fen"),
        ts.alias("ts"),
        *optional,
        (_blank("txn_id", strip)).alias("_no_id"),
        (_blank("from_account", strip) | _blank("to_account", strip)).alias("_no_account"),
        bad_amount.fill_null(True).alias("_bad_amount"),
        negative.fill_null(False).alias("_negative"),
        bad_time.fill_null(True).alias("_bad_time"),
        naive.fill_null(False).alias("_naive"),
    )
    problems = RowProblems(unit=unit)
    checks = [
        ("missing txn_id", "_no_id"),
        ("missing account", "_no_account"),
        ("unparsable amount", "_bad_amount"),
        ("negative amount", "_negative"),
        ("unparsable time", "_bad_time"),
        ("time without zone", "_naive"),
    ]
    flags = [c for _, c in checks]
    if df.select(pl.any_horizontal(flags).any()).item():
        flagged = pl.lit(False)
        for kind, flag in checks:
            hit = df.filter(pl.col(flag) & ~flagged)
            problems.add(kind, hit["line"].to_list())
            flagged = flagged | pl.col(flag)
        df = df.filter(~flagged)
    good = df.drop(flags)
    hashes = string_hashes(*string_buffers(good["txn_id"]))
    good, dup_problems = _drop_duplicates(good, hashes)
    if dup_problems:
        hashes = string_hashes(*string_buffers(good["txn_id"]))
    for kind, lines in dup_problems:
        problems.add(kind, lines)
    return good.with_columns(pl.Series("txn_hash", hashes, dtype=pl.UInt64)), problems


def _drop_duplicates(df: pl.DataFrame, hashes: np.ndarray) -> tuple[pl.DataFrame, list[tuple[str, list[int]]]]:
    """Keep one copy of identical repeats; drop every row of a txn_id whose rows disagree.

    `hashes` are the txn ids' hashes: equal ids have equal hashes, so distinct hashes prove
    there is no repeat (a sort of 64-bit hashes is several times faster than polars'
    is_duplicated on 10M strings).
    """
    ordered = np.sort(hashes)
    if not (ordered[1:] == ordered[:-1]).any():
        return df, []
    counts = df.group_by("txn_id").len()
    repeated = counts.filter(pl.col("len") > 1)["txn_id"]
    dup = df.filter(pl.col("txn_id").is_in(repeated.implode()))
    content = [c for c in df.columns if c != "line"]
    distinct = dup.unique(subset=content).group_by("txn_id").len()
    conflicting = distinct.filter(pl.col("len") > 1)["txn_id"]
    conflict_rows = dup.filter(pl.col("txn_id").is_in(conflicting.implode()))
    identical = dup.filter(~pl.col("txn_id").is_in(conflicting.implode())).sort("line")
    extra_copies = identical.filter(pl.col("line") != pl.col("line").min().over("txn_id"))
    drop = set(conflict_rows["line"].to_list()) | set(extra_copies["line"].to_list())
    kept = df.filter(~pl.col("line").is_in(list(drop)))
    return kept, [
        ("duplicate txn_id (conflicting rows, all left out)", sorted(conflict_rows["line"].to_list())),
        ("duplicate txn_id (identical repeat, one kept)", sorted(extra_copies["line"].to_list())),
    ]


def read_amlsim(directory: Path) -> tuple[pl.DataFrame, RowProblems]:
    """Read AMLSim `transactions.csv` (sourceNodeId,targetNodeId,value,time).

    Steps become days from the epoch (step s -> s * 86400 s), plus one second per earlier row
    of the same step, so rows that share a step keep AMLSim's order (the README's tie-break);
    txn_id is the data line number.
    """
    path = directory / "transactions.csv" if directory.is_dir() else directory
    raw, first_line, unit = _read_raw(path, "csv")
    need = ("sourceNodeId", "targetNodeId", "value", "time")
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise LedgerError(f"{path}: not an AMLSim transaction file (missing {', '.join(missing)})")
    step = raw["time"].str.strip_chars().cast(pl.Int64, strict=False)
    frame = pl.DataFrame(
        {
            "txn_id": pl.int_range(first_line, first_line + raw.height, eager=True).cast(pl.String).str.zfill(9),
            "from_account": raw["sourceNodeId"],
            "to_account": raw["targetNodeId"],
            "amount": raw["value"],
            "timestamp": _step_seconds(step),
            "channel": pl.Series(["amlsim"] * raw.height, dtype=pl.String),
        }
    )
    return _validate(frame, first_line, unit)


def _step_seconds(step: pl.Series) -> pl.Series:
    """Return step * 86400 + the row's rank within its step (file order); null steps stay null."""
    frame = pl.DataFrame({"step": step})
    rank = frame.select(pl.int_range(pl.len()).over("step").alias("r"))["r"]
    return step * SECONDS_PER_AMLSIM_STEP + rank


def read_amlsim_nodes(directory: Path) -> pl.DataFrame:
    """Read AMLSim `nodes.csv` into account, is_fraud, balance_fen."""
    path = directory / "nodes.csv"
    if not path.exists():
        raise LedgerError(f"{path}: no such file")
    raw = pl.read_csv(path, infer_schema=False)
    return raw.select(
        pl.col("nodeid").str.strip_chars().alias("account"),
        (pl.col("isFraud").str.strip_chars() == "1").alias("is_fraud"),
        (pl.col("init_balance").cast(pl.Float64, strict=False) * FEN_PER_YUAN)
        .round(0)
        .cast(pl.Int64)
        .alias("balance_fen"),
    )


def read_balances(path: Path) -> tuple[pl.DataFrame, RowProblems]:
    """Read opening balances (account, balance in yuan or balance_fen, as_of)."""
    fmt = detect_format(path)
    raw, first_line, unit = _read_raw(path, fmt)
    if (
        "account" not in raw.columns
        or "as_of" not in raw.columns
        or not ("balance" in raw.columns or "balance_fen" in raw.columns)
    ):
        raise LedgerError(f"{path}: opening balances need columns account, balance (or balance_fen), as_of")
    renamed = raw.rename({"balance": "amount"} if "balance" in raw.columns else {"balance_fen": "amount_fen"})
    fen, bad_amount, negative = _amount_fen(renamed)
    ts, bad_time, naive = _epoch_seconds(renamed, "as_of")
    df = renamed.with_row_index("line", offset=first_line).select(
        pl.col("line").cast(pl.Int64),
        pl.col("account").cast(pl.String).str.strip_chars(),
        fen.alias("balance_fen"),
        ts.alias("as_of"),
        _blank("account").alias("_a"),
        bad_amount.fill_null(True).alias("_b"),
        negative.fill_null(False).alias("_n"),
        (bad_time.fill_null(True) | naive).alias("_t"),
    )
    problems = RowProblems(unit=unit)
    flagged = pl.lit(False)
    for kind, flag in [
        ("missing account", "_a"),
        ("unparsable balance", "_b"),
        ("negative balance", "_n"),
        ("unparsable as_of", "_t"),
    ]:
        problems.add(kind, df.filter(pl.col(flag) & ~flagged)["line"].to_list())
        flagged = flagged | pl.col(flag)
    good = df.filter(~flagged).select("line", "account", "balance_fen", "as_of")
    dup = good.filter(pl.col("account").is_duplicated())
    problems.add("duplicate account", dup["line"].to_list())
    return good.filter(~pl.col("account").is_duplicated()), problems
