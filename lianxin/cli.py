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


ENGINE_SUMMARIES: dict[str, str] = {
    "screen": "screen messages for fraud (verdict, typology, risk, cues)",
    "screen-train": "rebuild the fraud screening model from the repository's corpora",
    "ledger": "generate or index a bank ledger for funds tracing",
    "trace": "follow a victim's money through an indexed ledger",
    "mules": "rank a ledger's accounts by mule (card-farmer) score",
    "laws": "import statute texts and search them with lay questions",
}
HELP_WORDS = ("help", "--help", "-h")


def _engine_help() -> str:
    lines = ["Engine commands (no database needed; `lianxin help <command>` for one):"]
    lines += [f"    {word:<14}{ENGINE_SUMMARIES[word]}" for word in ENGINE_COMMANDS]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Dispatch argv to an engine command or to Django; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        module = importlib.import_module(ENGINE_COMMANDS[argv[0]])
        return int(module.main(argv) or 0)
    if len(argv) >= 2 and argv[0] in HELP_WORDS and argv[1] in ENGINE_COMMANDS:
        return main([argv[1], "--help"])
    if not argv or (argv[0] in HELP_WORDS and len(argv) == 1):
        print(_engine_help())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["lianxin", *argv] if argv else ["lianxin", "help"])
    except ImproperlyConfigured as exc:
        print(f"lianxin: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
