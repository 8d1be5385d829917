"""Out-of-distribution figures: how the method does on wording, sources and registers it has not seen.

Used by ``train.train_and_write`` (the model card) and ``bench/screen.py``:

- ``held_out_tables``: the model fitted on training rows, on each source's held-out rows
  (whole batches of the free-written corpus, whole template families, TeleAntiFraud
  openings), on the ordinary promotions set, and the false-positive rate per legitimate kind.
- ``leave_one_out_tables``: the method refitted without one source (tested on all of that
  source's rows) or without one register (tested on that register's held-out rows).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lianxin.engines.fraudscreen import evaluate
from lianxin.engines.fraudscreen.corpus.written import unsigned

SOURCES = ("written", "lianxin_corpus", "teleantifraud")
REGISTERS = ("sms", "chat", "call")
HEADER = "| trained on | tested on | n | P | R | F1 | FPR | ROC AUC | typology macro-F1 |"
RULE = "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"


def promotion_rows(rows: list[dict]) -> list[dict]:
    """The ordinary promotions set: held-out written batches of marketing (operators, banks,
    shops, salons, brands' prize draws, insurance and property, licensed lenders, unsigned
    shop adverts), each as phones and data sets often show it, without the 【sender】
    signature and the opt-out tail."""
    return [
        {**r, "text": unsigned(r["text"])}
        for r in rows
        if r["source"] == "written" and r["label"] == 0 and r["split"] == "val" and r["batch"].startswith("legit-promo")
    ]


def figures(screener, rows: list[dict]) -> dict:
    """Binary figures, ROC AUC of risk and typology figures of ``screener`` on ``rows``."""
    verdicts = screener.screen_many([r["text"] for r in rows])
    y = np.array([r["label"] for r in rows])
    typed = [(r["typology"], v.typology) for r, v in zip(rows, verdicts) if r["label"] == 1 and r["typology"]]
    return {
        "binary": evaluate.binary_figures(y, np.array([v.is_fraud for v in verdicts])),
        "auc": evaluate.roc_auc(y, np.array([v.risk for v in verdicts])),
        "typology": evaluate.typology_figures([t for t, _ in typed], [p for _, p in typed]) if typed else None,
        "verdicts": verdicts,
    }


def table_row(trained: str, tested: str, f: dict) -> str:
    b = f["binary"]
    auc = "–" if f["auc"] is None else f"{f['auc']:.3f}"
    typ = "–" if f["typology"] is None else f"{f['typology']['macro_f1']:.3f}"
    return (
        f"| {trained} | {tested} | {b['n']} | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} | "
        f"{b['fpr']:.3f} | {auc} | {typ} |"
    )


def held_out_tables(screener, rows: list[dict]) -> tuple[list[str], dict]:
    """Markdown lines for the held-out figures of ``screener`` (fitted on the training rows)."""
    val = [r for r in rows if r["split"] == "val"]
    lines = [HEADER, RULE]
    out: dict = {}
    for source in SOURCES:
        test = [r for r in val if r["source"] == source]
        if test:
            out[source] = figures(screener, test)
            lines.append(table_row("training rows", f"held-out {source}", out[source]))
    promos = promotion_rows(rows)
    fraud = [r for r in val if r["source"] == "written" and r["label"] == 1]
    if promos and fraud:
        out["promotions"] = figures(screener, promos + fraud)
        lines.append(table_row("training rows", "promotions (unsigned) + written scams", out["promotions"]))
    lines += ["", "False-positive rate per legitimate kind (held-out rows; flagged medium or high / high):", ""]
    lines += ["| source | kind | n | flagged | high |", "| --- | --- | ---: | ---: | ---: |"]
    for source in ("written", "lianxin_corpus"):
        test = [r for r in val if r["source"] == source]
        if source not in out:
            continue
        kinds: dict[str, list] = {}
        for r, v in zip(test, out[source]["verdicts"]):
            if r["label"] == 0:
                kinds.setdefault(r["kind"], []).append(v)
        for kind, verdicts in sorted(kinds.items()):
            flagged = np.mean([v.is_fraud for v in verdicts])
            high = np.mean([v.band == "high" for v in verdicts])
            lines.append(f"| {source} | {kind} | {len(verdicts)} | {flagged:.3f} | {high:.3f} |")
    if "promotions" in out:
        promo_verdicts = out["promotions"]["verdicts"][: len(promos)]
        lines.append(
            f"| written | promotions set (unsigned) | {len(promos)} | {np.mean([v.is_fraud for v in promo_verdicts]):.3f} | "
            f"{np.mean([v.band == 'high' for v in promo_verdicts]):.3f} |"
        )
    if "written" in out and out["written"]["typology"]:
        lines += ["", "Typology on the held-out written batches (unseen wording):", "", "```"]
        lines += evaluate.format_typology(out["written"]["typology"])
        lines.append("```")
    return lines, out


def leave_one_out_tables(rows: list[dict], fit: Callable, make_screener: Callable) -> list[str]:
    """Refit without one source / one register and test on what was left out.

    ``fit(train_rows, val_rows)`` returns a model and ``make_screener(model)`` a screener.
    Leaving a source out: fit on the other sources' rows (their own train/val split), test on
    every original row of the left-out source. Leaving a register out: fit on the training
    rows of the other registers, test on the held-out rows of that register.
    """
    lines = [HEADER, RULE]
    for source in SOURCES:
        rest = [r for r in rows if r["source"] != source]
        test = [r for r in rows if r["source"] == source and not r.get("augmented")]
        if not test or not rest:
            continue
        screener = make_screener(
            fit([r for r in rest if r["split"] == "train"], [r for r in rest if r["split"] == "val"])
        )
        lines.append(table_row(f"all but {source}", f"all {source}", figures(screener, test)))
    for register in REGISTERS:
        rest = [r for r in rows if r["register"] != register]
        test = [r for r in rows if r["register"] == register and r["split"] == "val" and not r.get("augmented")]
        if not test or len({r["label"] for r in test}) < 2:
            continue
        screener = make_screener(
            fit([r for r in rest if r["split"] == "train"], [r for r in rest if r["split"] == "val"])
        )
        for source in SOURCES:
            part = [r for r in test if r["source"] == source]
            if part:
                lines.append(
                    table_row(f"all but register {register}", f"{register}: {source} held-out", figures(screener, part))
                )
    return lines
