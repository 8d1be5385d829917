"""Read the free-written corpus (``written/*.txt``): individually written messages, not templates.

Each file is one batch: messages written together on one topic in one register, by one
author sitting. A file opens with ``# key: value`` header lines (``label`` fraud/legit,
``typology`` for fraud, ``kind`` for legitimate messages, ``register``, ``topic``), then holds
one message per line. Whole batches are held out: a file whose name ends in ``-b`` is the
validation batch of its class (written in another sitting, on another topic of the class),
so held-out figures measure wording the model has not seen. See ``written/README.md``.
"""

from __future__ import annotations

import re
from pathlib import Path

from lianxin.engines.fraudscreen.corpus.generate import _obfuscate, _rng_for
from lianxin.engines.fraudscreen.lexicon import TYPOLOGIES

WRITTEN_DIR = Path(__file__).resolve().parent / "written"
OBFUSCATE_SHARE = 0.25  # training batches get this share of extra, obfuscated copies
UNSIGNED_SHARE = 0.5  # and this share of copies without the 【sender】 signature and opt-out tail
_KEYS = ("label", "typology", "kind", "register", "topic")
_SIGNATURE = re.compile(r"^【[^】]{1,12}】|【[^】]{1,12}】$")
_OPT_OUT = re.compile(r"[，。,]?\s*(?:回复?(?:T|TD|N|R)退订|退订回(?:复)?(?:T|TD|N)|拒收请回复R)。?$")


def unsigned(text: str) -> str:
    """The message as many phones and data sets show it: no 【sender】 signature, no opt-out tail."""
    return _OPT_OUT.sub("", _SIGNATURE.sub("", text)).strip() or text


def _parse(path: Path) -> tuple[dict[str, str], list[str]]:
    header: dict[str, str] = {}
    messages = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            key, _, value = text[1:].partition(":")
            if key.strip() not in _KEYS:
                raise ValueError(f"{path.name}:{line_no}: unknown header {key.strip()!r}")
            header[key.strip()] = value.strip()
            continue
        messages.append(text)
    label = header.get("label")
    if label not in ("fraud", "legit"):
        raise ValueError(f"{path.name}: header 'label' must be fraud or legit, not {label!r}")
    if label == "fraud" and header.get("typology") not in TYPOLOGIES:
        raise ValueError(f"{path.name}: header 'typology' is not one of the 12 national classes")
    if label == "legit" and not header.get("kind"):
        raise ValueError(f"{path.name}: a legitimate batch needs a 'kind' header")
    return header, messages


def load_written(directory: Path = WRITTEN_DIR, *, augment: bool = True) -> list[dict]:
    """Return one row per written message (plus obfuscated copies of training rows when
    ``augment``), in file-name order, deterministically."""
    rows: list[dict] = []
    for path in sorted(directory.glob("*.txt")):
        header, messages = _parse(path)
        batch = path.stem
        is_fraud = header["label"] == "fraud"
        split = "val" if batch.endswith("-b") else "train"
        base = {
            "label": int(is_fraud),
            "typology": header["typology"] if is_fraud else None,
            "subtype": "",
            "kind": None if is_fraud else header["kind"],
            "register": header.get("register", "plain"),
            "family": batch,
            "batch": batch,
            "split": split,
            "source": "written",
        }
        rng = _rng_for("written", batch)
        for text in messages:
            rows.append({**base, "text": text, "is_obfuscated": False, "augmented": False})
            if augment and split == "train" and rng.random() < OBFUSCATE_SHARE:
                rows.append({**base, "text": _obfuscate(text, rng), "is_obfuscated": True, "augmented": True})
            if augment and split == "train" and unsigned(text) != text and rng.random() < UNSIGNED_SHARE:
                rows.append({**base, "text": unsigned(text), "is_obfuscated": False, "augmented": True})
    return rows
