"""Funds tracing engine: follow victims' money through a bank ledger and score card farmers.

Pure Python + numpy + polars; no Django, no clock (callers pass `as_of`).

    from lianxin.engines.fundtrace import Ledger
    result = Ledger.open("ledger.csv").trace(seeds=["T1"], as_of=...)
"""

from .constants import ENGINE_VERSION, POLICIES
from .ingest import LedgerError, RowProblems
from .ledger import Ledger
from .trace import Trace

__all__ = ["ENGINE_VERSION", "POLICIES", "Ledger", "LedgerError", "RowProblems", "Trace"]
