"""The `lianxin screen` command: plain lines, --jsonl, and clear errors without partial output."""

import json

from lianxin.engines.fraudscreen.cli import main


def test_screen_plain_lines(tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_text("你涉嫌洗钱，请把钱转入安全账户\n晚上一起吃饭吗\n\n", encoding="utf-8")
    assert main(["screen", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert first["is_fraud"] and first["typology"] == "冒充公检法及政府机关类"
    assert second["band"] == "low" and second["typology"] is None
    assert third["band"] == "low"


def test_screen_jsonl_copies_other_fields(tmp_path, capsys):
    path = tmp_path / "in.jsonl"
    rows = [{"id": 7, "text": "兼职刷单日结，加微信abc12345", "channel": "sms"}, {"id": 8, "text": "收到，谢谢"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    assert main(["screen", "--jsonl", str(path)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["id"] for o in out] == [7, 8]
    assert out[0]["channel"] == "sms" and "text" not in out[0]
    assert out[0]["entities"]["im_ids"][0]["value"] == "abc12345"


def test_screen_reads_stdin(monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("好的\n".encode())))
    assert main(["screen"]) == 0
    assert json.loads(capsys.readouterr().out)["band"] == "low"


def test_bad_jsonl_names_the_line_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "好的"}\n{"text": 5}\n', encoding="utf-8")
    assert main(["screen", "--jsonl", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.jsonl:2" in captured.err and "text" in captured.err


def test_not_json_and_not_utf8(tmp_path, capsys):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "好"}\nnot json\n', encoding="utf-8")
    assert main(["screen", "--jsonl", str(path)]) == 2
    assert "x.jsonl:2: not JSON" in capsys.readouterr().err
    raw = tmp_path / "raw.txt"
    raw.write_bytes("第一行\n".encode() + b"\xff\xfe\x00bad\n")
    assert main(["screen", str(raw)]) == 2
    captured = capsys.readouterr()
    assert "raw.txt:2: not valid UTF-8" in captured.err and captured.out == ""


def test_missing_file(capsys):
    assert main(["screen", "/nonexistent/messages.txt"]) == 2
    assert "cannot read /nonexistent/messages.txt" in capsys.readouterr().err
