"""Log filters: no whole personal number in any log line (access logs included)."""

from __future__ import annotations

import logging

from lianxin.core.textmask import mask_numbers


class MaskNumbersFilter(logging.Filter):
    """Mask mobile, ID and bank card numbers in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_numbers(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_numbers(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_numbers(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True
