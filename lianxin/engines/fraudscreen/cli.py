"""`lianxin screen` and `lianxin screen-train`.

screen: one message per line (or --jsonl objects with a "text" field) from FILE or stdin;
one JSON verdict per line on stdout. Input is read and checked whole before anything is
written, so bad input gives one clear error (with its line number) and no partial output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BATCH_SIZE = 2000


class InputError(ValueError):
    """Bad input, reported to the user as ``lianxin screen: <message>``."""


def _read_lines(path: str | None) -> list[str]:
    if path is None or path == "-":
        data = sys.stdin.buffer.read()
        name = "stdin"
    else:
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise InputError(f"cannot read {path}: {err.strerror}") from err
        name = path
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line_no = data[: err.start].count(b"\n") + 1
        raise InputError(f"{name}:{line_no}: not valid UTF-8") from err
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _parse_jsonl(lines: list[str], name: str) -> list[dict]:
    items = []
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            raise InputError(f"{name}:{line_no}: empty line (each line must be a JSON object)")
        try:
            item = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{name}:{line_no}: not JSON ({err.msg})") from err
        if not isinstance(item, dict):
            raise InputError(f"{name}:{line_no}: expected a JSON object, got {type(item).__name__}")
        if not isinstance(item.get("text"), str):
            raise InputError(f'{name}:{line_no}: field "text" is missing or not a string')
        items.append(item)
    return items


def _screen(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="lianxin screen", description="Screen messages for fraud; one JSON verdict per line."
    )
    parser.add_argument("file", nargs="?", help="input file (default: stdin); one message per line")
    parser.add_argument("--jsonl", action="store_true", help='input lines are JSON objects with a "text" field')
    parser.add_argument("--model", help="model file (default: the shipped model)")
    args = parser.parse_args(argv)
    from lianxin.engines.fraudscreen import Screener

    try:
        lines = _read_lines(args.file)
        name = args.file or "stdin"
        items = _parse_jsonl(lines, name) if args.jsonl else [{"text": line} for line in lines]
        screener = Screener.load(args.model)
    except (InputError, OSError, ValueError) as err:
        print(f"lianxin screen: {err}", file=sys.stderr)
        return 2
    out = []
    for start in range(0, len(items), BATCH_SIZE):
        chunk = items[start : start + BATCH_SIZE]
        for item, verdict in zip(chunk, screener.screen_many([it["text"] for it in chunk])):
            extra = {k: v for k, v in item.items() if k != "text"} if args.jsonl else {}
            out.append(json.dumps({**extra, **verdict.to_dict()}, ensure_ascii=False))
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
    return 0


def _train(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="lianxin screen-train", description="Rebuild the shipped fraud model and its model card."
    )
    parser.add_argument("--data", help="shared data folder (default: ../shared/data beside the repository)")
    parser.add_argument("--out", help="folder for model.npz and MODEL_CARD.md (default: the engine package)")
    args = parser.parse_args(argv)
    from lianxin.engines.fraudscreen import train

    try:
        report = train.train_and_write(
            Path(args.data) if args.data else train.DEFAULT_DATA_ROOT, Path(args.out) if args.out else None
        )
    except (OSError, ValueError) as err:
        print(f"lianxin screen-train: {err}", file=sys.stderr)
        return 2
    print(report)
    return 0


def main(argv: list[str]) -> int:
    """Dispatch ``["screen", ...]`` or ``["screen-train", ...]``; return the exit code."""
    word, rest = (argv[0], argv[1:]) if argv else ("screen", [])
    if word == "screen-train":
        return _train(rest)
    return _screen(rest)
