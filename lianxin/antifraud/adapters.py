"""The only importer of the fraud screening engine and of the OCR library.

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

from lianxin.engines.fraudscreen import ENGINE_VERSION, Screener

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
