"""`lianxin laws import|search`: build a statute index from a JSON-lines file and search it.

Exit codes: 0 done, 1 bad input (the message names it), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .articles import ImportFileError, read_articles
from .index import EmptyQueryError, LawIndex

DATA_DIR_ENV = "LIANXIN_DATA_DIR"
INDEX_SUBDIR = "lawindex"


# The checkout's var/ (beside the lianxin package), as the site's SQLite database: the same
# folder whichever directory the command runs from.
CHECKOUT_VAR_DIR = Path(__file__).resolve().parents[3] / "var"


def default_index_dir() -> Path:
    """$LIANXIN_DATA_DIR/lawindex when set, else var/lawindex of this checkout (not of the current directory)."""
    base = os.environ.get(DATA_DIR_ENV)
    return Path(base) / INDEX_SUBDIR if base else CHECKOUT_VAR_DIR / INDEX_SUBDIR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lianxin laws", description="Statute search for lay questions.")
    sub = parser.add_subparsers(dest="action", required=True)
    imp = sub.add_parser("import", help="build the index from a JSON-lines file of articles")
    imp.add_argument("file", help="one article per line: id, law, article, text (+ chapter, law_short, effective_on)")
    imp.add_argument("--index", help="index directory (default: $LIANXIN_DATA_DIR/lawindex or ./var/lawindex)")
    imp.add_argument("--replace", action="store_true", help="drop the articles already in the index")
    srch = sub.add_parser("search", help="search the index with a question")
    srch.add_argument("question", nargs="?", help="the question in everyday words")
    srch.add_argument("--index", help="index directory")
    srch.add_argument("--k", type=int, default=10, help="number of articles (default 10)")
    srch.add_argument("--json", action="store_true", help="print the result as JSON")
    srch.add_argument("--jsonl", metavar="FILE", help='batch: read lines {"id", "text"}, write {"id", "hits"}')
    srch.add_argument("--out", metavar="FILE", help="batch output file (default: standard output)")
    return parser


def main(argv: list[str]) -> int:
    """Run `laws import|search`; argv starts with the command word 'laws'."""
    args_in = argv[1:] if argv and argv[0] == "laws" else argv
    try:
        args = _parser().parse_args(args_in)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    try:
        if args.action == "import":
            return _import(args)
        return _search(args)
    except (ImportFileError, EmptyQueryError, FileNotFoundError, ValueError) as exc:
        print(f"lianxin laws {args.action}: {exc}", file=sys.stderr)
        return 1


def _import(args) -> int:
    directory = Path(args.index) if args.index else default_index_dir()
    articles = read_articles(args.file)
    kept = 0
    if not args.replace and (directory / "meta.json").exists():
        new_ids = {a.id for a in articles}
        old = [a for a in LawIndex.open(directory, cards=[]).articles if a.id not in new_ids]
        kept = len(old)
        articles = old + articles
    index = LawIndex.build(articles, cards=[])
    index.save(directory)
    laws = len({a.law for a in index.articles})
    print(
        f"indexed {len(index.articles)} articles of {laws} laws into {directory}"
        + (f" ({kept} kept from before)" if kept else "")
    )
    return 0


def _search(args) -> int:
    if args.k < 1:
        raise ValueError("--k must be at least 1")
    if args.jsonl is None and args.question is None:
        raise ValueError("give a question, or --jsonl FILE for a batch")
    directory = Path(args.index) if args.index else default_index_dir()
    index = LawIndex.open(directory)
    if args.jsonl is not None:
        return _batch(index, args)
    result = index.search(args.question, k=args.k)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return 0
    for card in result.cards:
        print(f"【{card.card.title}】 {card.card.summary}")
        for n, step in enumerate(card.card.steps, 1):
            print(f"  {n}. {step}")
        if card.card.where_to_go:
            print(f"  去哪里: {'；'.join(card.card.where_to_go)}")
        for ref in card.refs:
            mark = f"(id {ref['id']})" if ref["resolved"] else "(not in the index)"
            print(f"  依据: {ref['law']}{ref['article']} {mark}")
        print()
    repealed = {r.law: r for r in result.repealed}
    for rank, hit in enumerate(result.hits, 1):
        text = hit.text.replace("\n", " ")
        gone = repealed.get(hit.law)
        mark = f"  【已废止，见{gone.by_law}{gone.by_article}】" if gone else ""
        print(
            f"{rank:2d}. [{hit.score:.3f}] {hit.law}{hit.article} (id {hit.id}){mark}  matched: {' '.join(hit.matched)}"
        )
        print(f"    {text[:160]}{'…' if len(text) > 160 else ''}")
    return 0


def _batch(index: LawIndex, args) -> int:
    """Answer every line of args.jsonl; check all lines first so a bad line writes nothing."""
    path = Path(args.jsonl)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    queries, errors = [], []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {line_no}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("text"), str):
            errors.append(f"line {line_no}: need an object with 'id' and a string 'text'")
            continue
        queries.append((record["id"], record["text"]))
    if errors:
        raise ValueError(f"{path}: {len(errors)} bad line(s), nothing written:\n  " + "\n  ".join(errors[:20]))
    out_lines = [
        json.dumps({"id": qid, "hits": index.search_ids(text, k=args.k)}, ensure_ascii=False) for qid, text in queries
    ]
    payload = "".join(line + "\n" for line in out_lines)
    if args.out:
        Path(args.out).write_text(payload, encoding="utf-8")
    else:
        sys.stdout.write(payload)
    return 0
