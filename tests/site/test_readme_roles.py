"""The README's table of demo users says where each role's day starts; the site must agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from lianxin.core.plugins import home_url_name
from lianxin.demo.base import DEMO_USERS

README = Path(__file__).resolve().parents[2] / "README.md"
ROLE_OF = {username: role for username, role, *_ in DEMO_USERS}


def readme_landings() -> dict[str, str]:
    """username → the path in the 'day starts at' column of the README's demo-user table."""
    lines = README.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| username |"))
    columns = [c.strip() for c in lines[header].strip("|").split("|")]
    at = columns.index("day starts at")
    landings = {}
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        landings[cells[0].strip("`")] = re.match(r"`([^`]+)`", cells[at]).group(1)
    return landings


def test_the_readme_names_a_landing_page_for_every_demo_user():
    assert set(readme_landings()) >= set(ROLE_OF) - {"admin"}


@pytest.mark.parametrize("username", sorted(set(ROLE_OF) - {"admin"}))
def test_each_role_lands_where_the_readme_says(username):
    name, _, query = home_url_name(ROLE_OF[username], default="").partition("?")
    assert readme_landings()[username] == reverse(name) + (f"?{query}" if query else "")
