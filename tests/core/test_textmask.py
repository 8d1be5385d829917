"""Personal numbers inside free text are masked; amounts, dates and case numbers are not."""

import pytest

from lianxin.core.textmask import find_numbers, mask_numbers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("请回电13812345678", "请回电138****5678"),
        ("电话 +86 138 1234 5678 谢谢", "电话 138****5678 谢谢"),
        ("身份证11010519491231002X已丢", "身份证1101**********002X已丢"),
        ("卡号6222 0212 3456 7890 128被冻结", "卡号6222***********0128被冻结"),
    ],
)
def test_numbers_are_masked(text, expected):
    assert mask_numbers(text) == expected


@pytest.mark.parametrize(
    "text",
    ["转了49000元", "2026-12-02 10:00", "案件 LX-2026-000123", "身份证110105194912310021", "卡号6222021234567891"],
)
def test_ordinary_numbers_and_failed_check_digits_are_left_alone(text):
    assert mask_numbers(text) == text and find_numbers(text) == []
