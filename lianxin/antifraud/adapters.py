"""The only importer of the fraud screening and funds tracing engines and of the OCR library.

The engine is used through its public interface only (`Screener.load().screen(text)` /
`screen_many(texts)` and the verdict's fields), so a retrained model drops in. The
screener and the OCR model are loaded once per process, on first use, and are read-only
afterwards (both are safe to share between threads). Engine errors become
`EngineUnavailable`, which views turn into a clear message.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lianxin.engines import fundtrace
from lianxin.engines.fraudscreen import ENGINE_VERSION, Screener
from lianxin.engines.fundtrace.constants import STOP_PAYMENT_HOLD_HOURS, STOP_PAYMENT_MAX_TIMES
from lianxin.engines.fundtrace.ingest import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

OCR_ENGINE_NAME = "rapidocr-onnxruntime"
# Lines OCR is less sure of than this are dropped (noise from icons and status bars).
OCR_MIN_CONFIDENCE = 0.5

_lock = threading.Lock()
_screener: Screener | None = None
_ocr: Any = None


class EngineUnavailable(Exception):
    """The screening or OCR engine could not run; the message is for a person."""


@dataclass(frozen=True)
class ScreenResult:
    """One message screened: the verdict's fields as plain values, with the engine version."""

    is_fraud: bool
    risk: float
    band: str
    typology: str
    subtype: str
    cues: list[dict] = field(default_factory=list)
    entities: dict[str, list] = field(default_factory=dict)
    advice: str = ""
    engine_version: str = ENGINE_VERSION


def _get_screener() -> Screener:
    global _screener
    if _screener is None:
        with _lock:
            if _screener is None:
                try:
                    _screener = Screener.load()
                except Exception as exc:  # a missing or broken model file
                    raise EngineUnavailable(f"the screening model could not be loaded: {exc}") from exc
    return _screener


def _result(verdict: Any) -> ScreenResult:
    return ScreenResult(
        is_fraud=bool(verdict.is_fraud),
        risk=float(verdict.risk),
        band=str(verdict.band),
        typology=verdict.typology or "",
        subtype=verdict.subtype or "",
        cues=list(verdict.cues),
        entities=dict(verdict.entities),
        advice=verdict.advice or "",
        engine_version=getattr(verdict, "engine_version", None) or ENGINE_VERSION,
    )


def screen(text: str) -> ScreenResult:
    """Screen one message (already checked for length by the caller)."""
    screener = _get_screener()
    try:
        return _result(screener.screen(text))
    except Exception as exc:
        raise EngineUnavailable(f"screening failed: {exc}") from exc


def screen_many(texts: list[str]) -> list[ScreenResult]:
    """Screen a batch of messages; same results as screen() on each."""
    screener = _get_screener()
    try:
        return [_result(v) for v in screener.screen_many(texts)]
    except Exception as exc:
        raise EngineUnavailable(f"screening failed: {exc}") from exc


def engine_version() -> str:
    return ENGINE_VERSION


def warm_up() -> None:
    """Load the screener now (a worker or web process calls this at start to keep the first request fast)."""
    _get_screener()


def _get_ocr() -> Any:
    global _ocr
    if _ocr is None:
        with _lock:
            if _ocr is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR

                    _ocr = RapidOCR()
                except Exception as exc:
                    raise EngineUnavailable(f"the OCR model could not be loaded: {exc}") from exc
    return _ocr


@dataclass(frozen=True)
class OcrResult:
    text: str
    seconds: float
    engine: str


def ocr_image(path: str) -> OcrResult:
    """Read the text of an image file, top to bottom, one line per detected line of text."""
    import numpy as np
    from PIL import Image

    engine = _get_ocr()
    started = time.perf_counter()
    try:
        with Image.open(path) as image:
            pixels = np.array(image.convert("RGB"))
        lines, _elapsed = engine(pixels)
    except Exception as exc:
        raise EngineUnavailable(f"OCR failed: {exc}") from exc
    found = []
    for box, text, confidence in lines or ():
        if float(confidence) >= OCR_MIN_CONFIDENCE:
            top = min(point[1] for point in box)
            left = min(point[0] for point in box)
            found.append((top, left, text))
    found.sort()
    return OcrResult(
        text="\n".join(text for _top, _left, text in found),
        seconds=time.perf_counter() - started,
        engine=OCR_ENGINE_NAME,
    )


# --- funds tracing --------------------------------------------------------------------------------------------
# The engine's defaults for the legal clocks and the columns it reads, for the app's settings and checks.
ENGINE_STOP_HOLD_HOURS = STOP_PAYMENT_HOLD_HOURS
ENGINE_STOP_MAX_TIMES = STOP_PAYMENT_MAX_TIMES
LEDGER_REQUIRED_COLUMNS = REQUIRED_COLUMNS
LEDGER_AMOUNT_COLUMNS = ("amount", "amount_fen")
LEDGER_OPTIONAL_COLUMNS = OPTIONAL_COLUMNS
TRACE_ENGINE_VERSION = fundtrace.ENGINE_VERSION


class LedgerUnreadable(Exception):
    """The engine could not read or trace a ledger; the message says why (in the engine's words)."""


@dataclass(frozen=True)
class IndexResult:
    """What indexing a ledger found: transfers kept, accounts, bad rows by kind with line numbers."""

    n_transfers: int
    n_accounts: int
    problems: dict
    seconds: float
    engine_version: str


def ledger_index(*, source: str, index_dir: str, utc_offset_minutes: int, fmt: str | None = None) -> IndexResult:
    """Read a ledger with the engine and write its index into `index_dir`.

    `fmt`: "csv", "parquet" or "amlsim" (`source` is then an AMLSim output folder); by default
    Parquet or CSV by the file's suffix. Raises LedgerUnreadable with the engine's message.
    """
    started = time.perf_counter()
    try:
        fmt = fmt or ("parquet" if source.endswith(".parquet") else "csv")
        ledger = fundtrace.Ledger.open(source, utc_offset_minutes=utc_offset_minutes, fmt=fmt)
        ledger.save(index_dir)
    except fundtrace.LedgerError as exc:
        raise LedgerUnreadable(str(exc)) from exc
    meta = ledger.meta
    return IndexResult(
        n_transfers=int(meta["n_transfers"]),
        n_accounts=int(meta["n_accounts"]),
        problems=dict(meta.get("problems") or {}),
        seconds=time.perf_counter() - started,
        engine_version=str(meta.get("engine_version") or TRACE_ENGINE_VERSION),
    )


def _open_index(index_dir: str, utc_offset_minutes: int) -> Any:
    try:
        return fundtrace.Ledger.open(index_dir, utc_offset_minutes=utc_offset_minutes, fmt="index")
    except fundtrace.LedgerError as exc:
        raise LedgerUnreadable(str(exc)) from exc


def ledger_accounts_present(*, index_dir: str, utc_offset_minutes: int, accounts: list[str]) -> dict[str, bool]:
    """Say for each account id whether the indexed ledger holds any transfer of it."""
    ledger = _open_index(index_dir, utc_offset_minutes)
    return {account: ledger.account_code(account) >= 0 for account in accounts}


@dataclass(frozen=True)
class SeedHint:
    """A victim's transfer as the case knows it: the bank's serial number, or account + amount + time."""

    txn_ref: str
    to_account: str
    amount_fen: int
    at_epoch: int


def ledger_find_seeds(
    *, index_dir: str, utc_offset_minutes: int, hints: list[SeedHint], window_seconds: int = 86_400
) -> list[str | None]:
    """Return, per hint, the ledger's txn id of that transfer (None where the ledger has none).

    A serial number found in the ledger wins; otherwise the transfer into `to_account` of exactly
    `amount_fen` closest in time (within `window_seconds`) is taken.
    """
    ledger = _open_index(index_dir, utc_offset_minutes)
    found: list[str | None] = []
    for hint in hints:
        if hint.txn_ref and ledger.position_of(hint.txn_ref) >= 0:
            found.append(hint.txn_ref)
            continue
        code = ledger.account_code(hint.to_account) if hint.to_account else -1
        best = None
        if code >= 0:
            positions = ledger.in_pos[ledger.in_ptr[code] : ledger.in_ptr[code + 1]]
            for pos in positions.tolist():
                if int(ledger.amount_fen[pos]) != hint.amount_fen:
                    continue
                gap = abs(int(ledger.ts[pos]) - hint.at_epoch)
                if gap <= window_seconds and (best is None or gap < best[0]):
                    best = (gap, pos)
        found.append(ledger.txn_id[best[1]] if best is not None else None)
    return found


def ledger_trace(
    *,
    index_dir: str,
    utc_offset_minutes: int,
    seeds: list[str],
    as_of_epoch: int | None,
    prior_stops: dict[str, int],
) -> dict:
    """Trace the seeds forward as of `as_of_epoch` and return the engine's result as plain JSON (`Trace.to_dict()`).

    `prior_stops` maps account id -> stop-payments already placed on it (the engine's recommended
    action turns to a freeze past its legal limit of ENGINE_STOP_MAX_TIMES).
    """
    ledger = _open_index(index_dir, utc_offset_minutes)
    try:
        result = ledger.trace(seeds, as_of=as_of_epoch, prior_stops=prior_stops)
    except fundtrace.LedgerError as exc:
        raise LedgerUnreadable(str(exc)) from exc
    return result.to_dict()
