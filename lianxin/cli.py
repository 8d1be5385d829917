"""The `lianxin` command.

Engine commands (screen, trace, laws, ...) run without Django so they start fast and
work on a machine with no database; every other word is a Django management command
(`lianxin migrate`, `lianxin seed_demo`, `lianxin runserver`).
"""

from __future__ import annotations

import importlib
import os
import sys

# command word -> module whose `main(argv: list[str]) -> int` handles it.
# The module receives the whole argv starting with the command word.
ENGINE_COMMANDS: dict[str, str] = {
    "screen": "lianxin.engines.fraudscreen.cli",
    "screen-train": "lianxin.engines.fraudscreen.cli",
    "ledger": "lianxin.engines.fundtrace.cli",
    "trace": "lianxin.engines.fundtrace.cli",
    "mules": "lianxin.engines.fundtrace.cli",
    "laws": "lianxin.engines.lawsearch.cli",
}


def main(argv: list[str] | None = None) -> int:
    """Dispatch argv to an engine command or to Django; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        module = importlib.import_module(ENGINE_COMMANDS[argv[0]])
        return int(module.main(argv) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lianxin", *argv] if argv else ["lianxin", "help"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
