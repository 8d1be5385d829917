"""Background work of the desk: OCR of an uploaded screenshot, indexing a bank's ledger, a funds trace
(never in the request). Each task only fetches its row's id and calls one service."""

from __future__ import annotations

from django_tasks import task

from lianxin.antifraud.services import fundtrace_run, ledger_index_run, message_deliver, screenshot_ocr_run


@task()
def screenshot_ocr(screenshot_id: int) -> str:
    """Read the text of one uploaded screenshot; returns its status."""
    shot = screenshot_ocr_run(screenshot_id=screenshot_id)
    return shot.status if shot is not None else "missing"


@task()
def ledger_index(ledger_id: int) -> str:
    """Read one uploaded ledger with the funds tracing engine; returns its status."""
    ledger = ledger_index_run(ledger_id=ledger_id)
    return ledger.status if ledger is not None else "missing"


@task()
def fund_trace(trace_id: int) -> str:
    """Trace a loss's transfers through a read ledger; returns the trace's status."""
    trace = fundtrace_run(trace_id=trace_id)
    return trace.status if trace is not None else "missing"


@task()
def bank_deliver(message_id: int) -> str:
    """Offer one request to its bank's system; the sweep retries it with backoff if the bank does not answer."""
    message = message_deliver(message_id=message_id)
    return message.status if message is not None else "not due"
