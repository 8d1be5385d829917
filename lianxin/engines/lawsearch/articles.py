"""Statute articles: the record type and the reader for JSON-lines files.

A file is read whole and checked before anything is built from it, so a bad line stops
the import with its line number and nothing is half-imported.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

REQUIRED_FIELDS = ("id", "law", "article", "text")
OPTIONAL_TEXT_FIELDS = ("chapter", "law_short", "effective_on")
MAX_ERRORS_REPORTED = 20


class ImportFileError(ValueError):
    """The articles file is unreadable or has bad lines; `errors` holds one message per problem."""

    def __init__(self, path: str, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_REPORTED]
        more = len(errors) - len(shown)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(f"{path}: {len(errors)} problem(s), nothing imported:\n  " + "\n  ".join(shown) + tail)


@dataclass(frozen=True)
class Article:
    """One statute article. `id` is kept exactly as given (a string or an integer)."""

    id: str | int
    law: str
    article: str
    text: str
    chapter: str = ""
    law_short: str = ""
    effective_on: str = ""

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v != "" or k in REQUIRED_FIELDS}


def article_from_record(record: object) -> Article:
    """Check one decoded JSON value and return its Article; raise ValueError naming the bad field."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    missing = [f for f in REQUIRED_FIELDS if f not in record or record[f] is None]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    article_id = record["id"]
    if isinstance(article_id, bool) or not isinstance(article_id, (str, int)):
        raise ValueError("field 'id' must be a string or an integer")
    if isinstance(article_id, str) and not article_id.strip():
        raise ValueError("field 'id' is empty")
    values = {}
    for field in ("law", "article", "text"):
        value = record[field]
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"field '{field}' must be a non-empty string")
        values[field] = value.strip()
    for field in OPTIONAL_TEXT_FIELDS:
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"field '{field}' must be a string")
        values[field] = (value or "").strip()
    return Article(id=article_id, **values)


def read_articles(path: str | Path) -> list[Article]:
    """Read a JSON-lines articles file; raise ImportFileError listing every bad line (1-based).

    Blank lines are skipped. A repeated id is an error, since ids name search hits.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(str(path), [f"cannot read file: {exc.strerror or exc}"]) from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(str(path), [f"not UTF-8 text (byte offset {exc.start})"]) from None
    articles: list[Article] = []
    errors: list[str] = []
    first_line_of: dict[str | int, int] = {}
    for line_no, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            article = article_from_record(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"line {line_no}: not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        except ValueError as exc:
            errors.append(f"line {line_no}: {exc}")
            continue
        if article.id in first_line_of:
            errors.append(f"line {line_no}: id {article.id!r} repeats line {first_line_of[article.id]}")
            continue
        first_line_of[article.id] = line_no
        articles.append(article)
    if errors:
        raise ImportFileError(str(path), errors)
    if not articles:
        raise ImportFileError(str(path), ["no articles in file"])
    return articles
