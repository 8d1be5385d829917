"""Every write of the anti-fraud desk, split by sub-domain (screening, blacklist, warnings, clinic, campaigns,
the police–bank channel: bank requests and refunds, ledgers and traces).

Import from here: `from lianxin.antifraud.services import warning_raise`.
"""

from lianxin.antifraud.services.bank import (
    bank_request_answer,
    bank_request_renew,
    bank_request_send,
    bank_requests_sweep,
    loss_report,
    loss_transfer_add,
    loss_write_off,
    refund_record,
)
from lianxin.antifraud.services.blacklist import (
    blacklist_add,
    blacklist_import_csv,
    blacklist_match,
    blacklist_report,
    blacklist_review,
)
from lianxin.antifraud.services.campaigns import (
    campaign_create,
    campaign_delete,
    campaign_view_count,
    campaigns_delete_for_station,
)
from lianxin.antifraud.services.clinic import consultation_record
from lianxin.antifraud.services.ledgers import (
    fundtrace_run,
    fundtrace_start,
    ledger_index_run,
    ledger_upload,
    trace_refunds_record,
    trace_stop_requests,
)
from lianxin.antifraud.services.outbox import bank_deliveries_sweep, message_deliver
from lianxin.antifraud.services.screening import (
    CheckResult,
    resident_pay_alert,
    screening_check,
    screenshot_ocr_run,
    screenshot_upload,
    screenshots_purge,
)
from lianxin.antifraud.services.warnings import (
    warning_acknowledge,
    warning_outcome_record,
    warning_raise,
    warnings_escalate,
    warnings_import_csv,
)

__all__ = [
    "CheckResult",
    "bank_deliveries_sweep",
    "bank_request_answer",
    "bank_request_renew",
    "bank_request_send",
    "bank_requests_sweep",
    "fundtrace_run",
    "fundtrace_start",
    "ledger_index_run",
    "ledger_upload",
    "loss_report",
    "loss_transfer_add",
    "loss_write_off",
    "message_deliver",
    "refund_record",
    "trace_refunds_record",
    "trace_stop_requests",
    "blacklist_add",
    "blacklist_import_csv",
    "blacklist_match",
    "blacklist_report",
    "blacklist_review",
    "campaign_create",
    "campaign_delete",
    "campaign_view_count",
    "campaigns_delete_for_station",
    "consultation_record",
    "resident_pay_alert",
    "screening_check",
    "screenshot_ocr_run",
    "screenshot_upload",
    "screenshots_purge",
    "warning_acknowledge",
    "warning_outcome_record",
    "warning_raise",
    "warnings_escalate",
    "warnings_import_csv",
]
