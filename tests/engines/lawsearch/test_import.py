import json
from pathlib import Path

import pytest

from lianxin.engines.lawsearch import ImportFileError, LawIndex, read_articles
from lianxin.engines.lawsearch.cli import main

from .conftest import TOY_ARTICLES


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_bad_lines_are_reported_with_line_numbers(tmp_path):
    good = json.dumps(TOY_ARTICLES[0], ensure_ascii=False)
    path = _write(
        tmp_path / "a.jsonl",
        [
            good,
            "{not json",
            json.dumps({"id": "x", "law": "某法", "article": "第一条"}),  # no text
            json.dumps({"id": ["x"], "law": "某法", "article": "第一条", "text": "t"}),  # id type
            "",
            good,  # repeated id
        ],
    )
    with pytest.raises(ImportFileError) as info:
        read_articles(path)
    errors = info.value.errors
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 6"]
    assert "text" in errors[1] and "'id'" in errors[2] and "repeats line 1" in errors[3]


def test_ids_are_kept_as_given(tmp_path):
    path = _write(tmp_path / "a.jsonl", [json.dumps(a, ensure_ascii=False) for a in TOY_ARTICLES])
    ids = [a.id for a in read_articles(path)]
    assert ids == [a["id"] for a in TOY_ARTICLES]
    assert isinstance(ids[2], int)


def test_cli_import_with_a_bad_line_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path / "a.jsonl", [json.dumps(TOY_ARTICLES[0], ensure_ascii=False), "[1, 2]"])
    index_dir = tmp_path / "idx"
    assert main(["laws", "import", str(path), "--index", str(index_dir)]) == 1
    err = capsys.readouterr().err
    assert "line 2" in err and "Traceback" not in err
    assert not index_dir.exists()


def test_cli_import_failure_keeps_the_previous_index(tmp_path, capsys):
    good = _write(tmp_path / "good.jsonl", [json.dumps(a, ensure_ascii=False) for a in TOY_ARTICLES])
    bad = _write(tmp_path / "bad.jsonl", ['{"id": 1}'])
    index_dir = tmp_path / "idx"
    assert main(["laws", "import", str(good), "--index", str(index_dir)]) == 0
    assert main(["laws", "import", str(bad), "--index", str(index_dir), "--replace"]) == 1
    assert len(LawIndex.open(index_dir).articles) == len(TOY_ARTICLES)


def test_cli_import_adds_unless_replace(tmp_path, capsys):
    first = _write(tmp_path / "1.jsonl", [json.dumps(a, ensure_ascii=False) for a in TOY_ARTICLES[:3]])
    second = _write(tmp_path / "2.jsonl", [json.dumps(a, ensure_ascii=False) for a in TOY_ARTICLES[2:5]])
    index_dir = tmp_path / "idx"
    assert main(["laws", "import", str(first), "--index", str(index_dir)]) == 0
    assert main(["laws", "import", str(second), "--index", str(index_dir)]) == 0
    assert sorted(map(str, (a.id for a in LawIndex.open(index_dir).articles))) == sorted(
        str(a["id"]) for a in TOY_ARTICLES[:5]
    )
    assert main(["laws", "import", str(second), "--index", str(index_dir), "--replace"]) == 0
    assert len(LawIndex.open(index_dir).articles) == 3


def test_cli_reports_missing_file_and_missing_index(tmp_path, capsys):
    assert main(["laws", "import", str(tmp_path / "none.jsonl"), "--index", str(tmp_path / "i")]) == 1
    assert main(["laws", "search", "工资", "--index", str(tmp_path / "i")]) == 1
    err = capsys.readouterr().err
    assert "cannot read file" in err and "no statute index" in err


def test_default_index_dir_follows_the_data_dir(monkeypatch, tmp_path):
    from lianxin.engines.lawsearch.cli import default_index_dir

    monkeypatch.setenv("LIANXIN_DATA_DIR", str(tmp_path))
    assert default_index_dir() == tmp_path / "lawindex"
    monkeypatch.delenv("LIANXIN_DATA_DIR")
    # Anchored to the checkout's var/, like the SQLite database, not to the current directory.
    assert default_index_dir() == Path(__file__).resolve().parents[3] / "var" / "lawindex"
