"""Small bank ledgers for the police–bank channel's tests: the victim's money two hops to a card farmer."""

from __future__ import annotations

import csv
import datetime as dt
import io

VICTIM = "6217000011112222"
FIRST = "6222020200001111"  # 一级卡 at 工商银行
FARMER = "6227000033334444"  # 卡农 at 建设银行, two hops from the victim
SPLIT = "6228480055556666"  # the other half, at 农业银行
HEADER = [
    "txn_id",
    "from_account",
    "to_account",
    "amount",
    "timestamp",
    "from_name",
    "to_name",
    "from_bank",
    "to_bank",
    "channel",
]
ZONE = dt.timezone(dt.timedelta(hours=8))


def story_rows(start: dt.datetime, *, noise: int = 20) -> list[list[str]]:
    """The 49,000-yuan story: victim → first-level account → card farmer (30,000) and another (19,000)."""

    def at(minutes: int) -> str:
        return (start + dt.timedelta(minutes=minutes)).astimezone(ZONE).isoformat()

    rows = [
        ["T0001", VICTIM, FIRST, "49000.00", at(0), "王秀兰", "李强", "邮储银行", "工商银行", "手机银行"],
        ["T0002", FIRST, FARMER, "30000.00", at(9), "李强", "赵卡农", "工商银行", "建设银行", "网银"],
        ["T0003", FIRST, SPLIT, "18500.00", at(12), "李强", "孙某", "工商银行", "农业银行", "网银"],
    ]
    for i in range(noise):
        rows.append(
            [
                f"N{i:04d}",
                f"62100000{i:08d}",
                f"62100001{i:08d}",
                f"{100 + i}.50",
                at(-600 + i),
                "",
                "",
                "工商银行",
                "工商银行",
                "网银",
            ]
        )
    return rows


def csv_bytes(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
