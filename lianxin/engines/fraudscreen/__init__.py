"""Fraud screening engine: verdict, typology, calibrated risk, cues and entities for Chinese messages.

Pure Python + numpy/scipy; no Django, no settings, no clock. Use::

    from lianxin.engines.fraudscreen import Screener
    verdict = Screener.load().screen("您涉嫌洗钱，请把资金转入安全账户")
"""

from lianxin.engines.fraudscreen.screener import ENGINE_VERSION, Screener, Verdict

__all__ = ["ENGINE_VERSION", "Screener", "Verdict"]
