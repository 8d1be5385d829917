"""Quality figures: binary precision/recall/F1, false-positive rate, typology F1, calibration."""

from __future__ import annotations

import numpy as np

from lianxin.engines.fraudscreen.lexicon import TYPOLOGIES

RELIABILITY_BINS = 10


def binary_figures(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    y_true, y_pred = np.asarray(y_true, bool), np.asarray(y_pred, bool)
    tp = int((y_true & y_pred).sum())
    fp = int((~y_true & y_pred).sum())
    fn = int((y_true & ~y_pred).sum())
    tn = int((~y_true & ~y_pred).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return {
        "n": len(y_true),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fpr": fpr,
    }


def typology_figures(true: list[str], pred: list[str | None]) -> dict:
    """Per-class and macro F1 over the classes present in ``true``; None counts as a miss."""
    labels = [t for t in TYPOLOGIES if t in set(true)]
    index = {t: i for i, t in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels) + 1), dtype=int)  # last column: not flagged/other
    for t, p in zip(true, pred):
        confusion[index[t], index.get(p or "", len(labels))] += 1
    per_class = {}
    for t, i in index.items():
        tp = confusion[i, i]
        fp = confusion[:, i].sum() - tp
        fn = confusion[i].sum() - tp
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per_class[t] = {"f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0, "support": int(confusion[i].sum())}
    macro = float(np.mean([v["f1"] for v in per_class.values()])) if per_class else 0.0
    return {"labels": labels, "confusion": confusion, "per_class": per_class, "macro_f1": macro}


def calibration_figures(y_true: np.ndarray, risk: np.ndarray) -> dict:
    y_true, risk = np.asarray(y_true, float), np.asarray(risk, float)
    brier = float(np.mean((risk - y_true) ** 2)) if len(risk) else 0.0
    edges = np.linspace(0, 1, RELIABILITY_BINS + 1)
    which = np.clip(np.digitize(risk, edges) - 1, 0, RELIABILITY_BINS - 1)
    table = []
    for b in range(RELIABILITY_BINS):
        mask = which == b
        if mask.any():
            table.append(
                (edges[b], edges[b + 1], int(mask.sum()), float(risk[mask].mean()), float(y_true[mask].mean()))
            )
    return {"brier": brier, "reliability": table}


def format_binary(name: str, f: dict) -> str:
    return (
        f"{name:<34} n={f['n']:>5}  P={f['precision']:.3f} R={f['recall']:.3f} F1={f['f1']:.3f} "
        f"FPR={f['fpr']:.3f} (tp={f['tp']} fp={f['fp']} fn={f['fn']} tn={f['tn']})"
    )


def format_typology(f: dict) -> list[str]:
    lines = [f"typology macro-F1 = {f['macro_f1']:.3f}"]
    for label, v in f["per_class"].items():
        lines.append(f"  {label:<14} F1={v['f1']:.3f}  support={v['support']}")
    short = [label[:4] for label in f["labels"]] + ["低/无"]
    lines.append("confusion (rows true, columns predicted; last = not flagged):")
    lines.append("  " + " ".join(f"{s:>6}" for s in ["", *short]))
    for label, row in zip(f["labels"], f["confusion"]):
        lines.append("  " + f"{label[:4]:>6} " + " ".join(f"{v:>6}" for v in row))
    return lines


def format_calibration(f: dict) -> list[str]:
    lines = [f"Brier score = {f['brier']:.4f}", "reliability: bin  n  mean_risk  fraud_rate"]
    for low, high, n, mean_risk, rate in f["reliability"]:
        lines.append(f"  [{low:.1f},{high:.1f})  {n:>5}  {mean_risk:.3f}  {rate:.3f}")
    return lines


def roc_auc(y_true: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None when only one class is present."""
    from scipy.stats import rankdata

    y_true = np.asarray(y_true, bool)
    pos, neg = int(y_true.sum()), int((~y_true).sum())
    if not pos or not neg:
        return None
    ranks = rankdata(np.asarray(score, float))
    return float((ranks[y_true].sum() - pos * (pos + 1) / 2) / (pos * neg))
