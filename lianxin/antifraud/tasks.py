"""Background work of the desk: OCR of an uploaded screenshot (never in the request)."""

from __future__ import annotations

from django_tasks import task

from lianxin.antifraud.services import screenshot_ocr_run


@task()
def screenshot_ocr(screenshot_id: int) -> str:
    """Read the text of one uploaded screenshot; returns its status."""
    shot = screenshot_ocr_run(screenshot_id=screenshot_id)
    return shot.status if shot is not None else "missing"
