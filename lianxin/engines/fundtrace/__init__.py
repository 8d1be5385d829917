"""Funds tracing engine: follow victims' money through a bank ledger and score card farmers.

Pure Python + numpy + polars; no Django, no clock (callers pass `as_of`), no zone (callers
pass the station's offset east of UTC: 480 for Asia/Shanghai).

    from lianxin.engines.fundtrace import Ledger
    result = Ledger.open("ledger.csv", utc_offset_minutes=480).trace(seeds=["T1"], as_of=...)
"""

from .constants import ENGINE_VERSION, POLICIES
from .ingest import LedgerError, RowProblems
from .ledger import Ledger
from .trace import Trace

__all__ = ["ENGINE_VERSION", "POLICIES", "Ledger", "LedgerError", "RowProblems", "Trace"]
