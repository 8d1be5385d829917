"""The Chinese catalogue is complete: no empty or fuzzy entry, and the compiled .mo matches the .po.

Chinese is the UI default, so an untranslated msgid shows English to a resident and a fuzzy one
is silently ignored by gettext (it also shows English). Refresh the catalogue from the repo root:
  lianxin makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=bench --ignore=tests
then translate and compile (msgfmt --check -o django.mo django.po).
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

import lianxin

PACKAGE = Path(lianxin.__file__).parent
CATALOGUE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
# An app may keep its own catalogue (lianxin/<app>/locale/...): makemessages writes an app's strings
# there once the folder exists, and Django reads it after the project's. Each is checked the same way.
APP_CATALOGUES = sorted(PACKAGE.glob("*/locale/zh_Hans/LC_MESSAGES"))
ALL_CATALOGUES = [CATALOGUE, *APP_CATALOGUES]


@dataclass
class Entry:
    msgid: str = ""
    context: str = ""
    msgid_plural: str = ""
    msgstrs: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def po_entries(path: Path) -> list[Entry]:
    """Return the live entries of a .po file (obsolete `#~` entries and the header are left out)."""
    entries: list[Entry] = []
    flags: set[str] = set()  # the `#,` flags of the entry that starts next
    key, after_context = "", False
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            flags.update(flag.strip() for flag in line[2:].split(","))
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            key, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if key == "msgctxt" or (key == "msgid" and not after_context):
                entries.append(Entry(flags=flags, line=number))
                flags = set()
            after_context = key == "msgctxt"
        entry = entries[-1]
        if key == "msgctxt":
            entry.context += value
        elif key == "msgid":
            entry.msgid += value
        elif key == "msgid_plural":
            entry.msgid_plural += value
        elif key.startswith("msgstr"):
            entry.msgstrs[key] = entry.msgstrs.get(key, "") + value
    return [entry for entry in entries if entry.msgid]


def test_parser_reads_flags_plurals_and_continuations(tmp_path):
    po = tmp_path / "t.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: zh_Hans\\n"\n\n'
        '#, fuzzy, python-format\n#| msgid "old"\nmsgid "a %(n)s"\nmsgstr "甲 %(n)s"\n\n'
        'msgid ""\n"long "\n"text"\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "多"\n\n'
        'msgctxt "verb"\nmsgid "close"\nmsgstr "关闭"\n\n'
        '#~ msgid "gone"\n#~ msgstr ""\n',
        encoding="utf-8",
    )
    entries = po_entries(po)
    assert [(e.context, e.msgid, e.flags, e.msgstrs) for e in entries] == [
        ("", "a %(n)s", {"fuzzy", "python-format"}, {"msgstr": "甲 %(n)s"}),
        ("", "long text", set(), {"msgstr": ""}),
        ("", "one", set(), {"msgstr[0]": "多"}),
        ("verb", "close", set(), {"msgstr": "关闭"}),
    ]


@pytest.mark.parametrize("catalogue", ALL_CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_zh_hans_catalogue_has_no_untranslated_or_fuzzy_entry(catalogue):
    entries = po_entries(catalogue / "django.po")
    assert len(entries) > (300 if catalogue == CATALOGUE else 0), "the catalogue looks truncated"
    fuzzy = [f"line {e.line}: {e.msgid}" for e in entries if "fuzzy" in e.flags]
    empty = [f"line {e.line}: {e.msgid}" for e in entries if not all(e.msgstrs.values())]
    assert not fuzzy, "fuzzy entries (gettext ignores them):\n" + "\n".join(fuzzy)
    assert not empty, "untranslated entries:\n" + "\n".join(empty)


@pytest.mark.parametrize("catalogue", ALL_CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_compiled_catalogue_matches_the_po(catalogue):
    """A .po edited without running msgfmt leaves the old .mo in use."""
    with open(catalogue / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # noqa: SLF001 - the only public view is lookup
    stale = []
    for entry in po_entries(catalogue / "django.po"):
        msgid = f"{entry.context}\x04{entry.msgid}" if entry.context else entry.msgid
        if entry.msgid_plural:
            found, wanted = compiled.get((msgid, 0)), entry.msgstrs.get("msgstr[0]")
        else:
            found, wanted = compiled.get(msgid), entry.msgstrs.get("msgstr")
        if found != wanted:
            stale.append(f"line {entry.line}: {entry.msgid!r}")
    assert not stale, "django.mo is older than django.po; run msgfmt:\n" + "\n".join(stale)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext")
def test_every_source_string_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    """Extract the strings again (from a copy, so the real catalogue is untouched): none may be new."""
    package = Path(lianxin.__file__).parent
    copy = tmp_path / "lianxin"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo"))
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["zh_Hans"], verbosity=0)
    new = [
        f"{po.relative_to(copy)}: {e.msgid}"
        for po in sorted(copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
        for e in po_entries(po)
        if "fuzzy" in e.flags or not all(e.msgstrs.values())
    ]
    assert not new, "strings missing from the zh_Hans catalogue (run makemessages and translate):\n" + "\n".join(new)


def test_no_translated_string_hides_inside_an_f_string():
    """xgettext cannot read `_()` inside an f-string: such text is never extracted, so it stays English."""
    hidden = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"""\bf(["']).*\{_\(""", line)
    ]
    assert not hidden, "use _('... %(x)s ...') % {...} instead:\n" + "\n".join(hidden)
