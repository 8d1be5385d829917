"""Fit the shipped model reproducibly from the repository's corpora and the TeleAntiFraud dialogues.

Steps (``train_and_write``):
1. Load the sources: the free-written corpus (corpus/written/, whole ``-b`` batches held out),
   the template corpus (corpus/generate.py, whole families held out) and TeleAntiFraud (its
   own opening-hash split, 1 in 5 held out).
2. Build the vocabulary of character 1-3-grams seen at least MIN_NGRAM_COUNT times in the
   training rows, keeping the MAX_VOCAB most frequent; scale the columns by their idf.
3. Fit the binary head (logistic regression, balanced classes) and the fine head
   (multinomial logistic regression over typology|subtype) on the training rows, rows
   weighted by source (SOURCE_WEIGHTS, FINE_SOURCE_WEIGHTS).
4. Calibrate the binary score on every validation row (Platt scaling, balanced weights) and
   set the medium/high thresholds for a false-positive rate on the legitimate validation
   rows (MEDIUM_FPR, HIGH_FPR); measure the model card's held-out and out-of-distribution
   tables (ood.py) with this model and refits of the method.
5. Refit both heads on all rows (training + validation: more wording for the real world)
   with the same settings, keep the calibration and thresholds of step 4, and ship it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from lianxin.engines.fraudscreen.corpus.generate import build_corpus
from lianxin.engines.fraudscreen.corpus.written import load_written
from lianxin.engines.fraudscreen.lexicon import CUES, find_cues_batch
from lianxin.engines.fraudscreen.model import Model, cue_matrix, feature_matrix
from lianxin.engines.fraudscreen.text import ngram_keys, normalize_batch

TRAIN_SEED = 7
MIN_NGRAM_COUNT = 3
USE_IDF = True
MAX_VOCAB = 60_000
BINARY_C = 8.0
FINE_C = 8.0
CUE_FEATURE_SCALE = 1.0  # value of a fired cue in the fine head (n-gram rows sum to ~sqrt(n))
# Weight of a row in both heads, by source (measured on out-of-source splits: see MODEL_CARD.md).
SOURCE_WEIGHTS = {"lianxin_corpus": 1.0, "teleantifraud": 0.15, "written": 3.0}
FINE_SOURCE_WEIGHTS = {"lianxin_corpus": 1.0, "teleantifraud": 0.15, "written": 10.0}  # the fine head
# The typology head: multinomial over the 12 national classes on scam rows only (own weights,
# not shared with the fine head's 23 columns), rows weighted by FINE_SOURCE_WEIGHTS and then
# balanced so every class weighs the same inside each source (see MODEL_CARD.md, issue 24).
TYPOLOGY_C = 8.0
TYPOLOGY_BALANCED = True
# Bands are set for a false-positive rate on legitimate validation messages (written and
# template sources counted equally): "medium" flags at most MEDIUM_FPR of them, "high" HIGH_FPR.
MEDIUM_FPR = 0.03
HIGH_FPR = 0.01
_REPO_ROOT = Path(__file__).resolve().parents[3]
# shared/data sits beside the repository (CI, main checkout) or beside the worktrees folder.
DATA_ROOT_CANDIDATES = (_REPO_ROOT / ".." / "shared" / "data", _REPO_ROOT / ".." / ".." / "shared" / "data")
DEFAULT_DATA_ROOT = next((p for p in DATA_ROOT_CANDIDATES if p.is_dir()), DATA_ROOT_CANDIDATES[0])
TELE_DIR = Path("fraud") / "teleantifraud_dialogues"
# TeleAntiFraud buckets that fit one national class; the others stay binary-only.
TELE_TYPOLOGY = {"客服诈骗": "冒充电商物流客服类", "邮件诈骗": "冒充电商物流客服类", "投资诈骗": "虚假网络投资理财类"}


def load_teleantifraud(data_root: Path = DEFAULT_DATA_ROOT) -> list[dict]:
    """Read the TeleAntiFraud train file; raises FileNotFoundError naming the path if missing."""
    path = Path(data_root) / TELE_DIR / "train.jsonl"
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            try:
                item = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{line_no}: not JSON ({err.msg})") from err
            key = re.sub(r"[\s\W\d_a-zA-Z]", "", item["text"])[:48]
            is_val = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 5 == 1
            is_fraud = item["label"] == "fraud"
            rows.append(
                {
                    "text": item["text"],
                    "label": int(is_fraud),
                    "typology": TELE_TYPOLOGY.get(item["typology"]) if is_fraud else None,
                    "subtype": "",
                    "kind": item["scenario"],
                    "bucket": item["typology"] or item["scenario"],
                    "register": "call",
                    "split": "val" if is_val else "train",
                    "source": "teleantifraud",
                }
            )
    return rows


def load_sources(data_root: Path = DEFAULT_DATA_ROOT) -> list[dict]:
    corpus = [{**row, "source": "lianxin_corpus"} for row in build_corpus()]
    return corpus + load_written() + load_teleantifraud(data_root)


def build_vocab(texts: list[str]) -> np.ndarray:
    keys, _ = ngram_keys(normalize_batch(texts))
    unique, counts = np.unique(keys, return_counts=True)
    keep = unique[counts >= MIN_NGRAM_COUNT]
    order = np.argsort(-counts[counts >= MIN_NGRAM_COUNT], kind="stable")[:MAX_VOCAB]
    return np.sort(keep[order])


def _features(texts: list[str], vocab: np.ndarray) -> sp.csr_matrix:
    return feature_matrix(normalize_batch(texts), vocab)


def cue_features(texts: list[str]) -> np.ndarray:
    batch = normalize_batch(texts)
    normal = [batch.text(i) for i in range(len(texts))]
    hits = find_cues_batch(batch.codes, batch.starts, normal, range(len(texts)))
    return cue_matrix([hits[i] for i in range(len(texts))], [cue.name for cue in CUES]) * CUE_FEATURE_SCALE


def _platt(score: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    lr = LogisticRegression(C=1e4, class_weight="balanced", solver="lbfgs", max_iter=1000)
    lr.fit(score.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def legit_fpr(risk: np.ndarray, y: np.ndarray, group: np.ndarray, threshold: float) -> float:
    """Share of legitimate rows at or above ``threshold``, each group (source) counted equally."""
    shares = [float((risk[(y == 0) & (group == g)] >= threshold).mean()) for g in np.unique(group[y == 0])]
    return float(np.mean(shares)) if shares else 0.0


def choose_thresholds(risk: np.ndarray, y: np.ndarray, group: np.ndarray | None = None) -> dict[str, float]:
    """Lowest risk at which the legitimate false-positive rate is at most each target.

    ``medium`` flags at most MEDIUM_FPR of the legitimate validation rows, ``high`` at most
    HIGH_FPR; with ``group`` (the source of each row) every source's legitimate rows weigh the
    same, so a large easy source cannot loosen the bands for a small hard one.
    """
    group = np.zeros(len(risk), dtype=int) if group is None else np.asarray(group)
    candidates = np.unique(np.round(risk, 4))
    thresholds = {}
    for name, target in (("medium", MEDIUM_FPR), ("high", HIGH_FPR)):
        chosen = 0.9999
        for t in candidates:
            if legit_fpr(risk, y, group, float(t)) <= target:
                chosen = float(t)
                break
        thresholds[name] = chosen
    thresholds["high"] = max(thresholds["high"], thresholds["medium"])
    return thresholds


def fit(train_rows: list[dict], val_rows: list[dict], *, meta: dict | None = None) -> Model:
    """Fit both heads on ``train_rows``; calibrate and set thresholds on ``val_rows``.

    Calibration is fitted on every validation row (a mix of sources, balanced classes); the
    bands are set on the short-register sources' legitimate rows, where the hard negatives
    are (TeleAntiFraud's normal service calls are easy and would loosen them).
    """
    model = fit_heads(train_rows, meta=meta)
    val_texts = [r["text"] for r in val_rows]
    val_y = np.array([r["label"] for r in val_rows])
    score = _features(val_texts, model.vocab) @ model.weights[:, 0] + model.intercepts[0]
    model.calibration = _platt(score, val_y)
    a, b = model.calibration
    risk = 1.0 / (1.0 + np.exp(-(a * score + b)))
    source = np.array([r.get("source", "") for r in val_rows])
    short = source != "teleantifraud"
    pick = short if short.any() and len(set(val_y[short])) == 2 else np.ones(len(val_rows), dtype=bool)
    model.thresholds = choose_thresholds(risk[pick], val_y[pick], source[pick])
    return model


def row_weights(rows: list[dict], weights: dict[str, float] | None = None) -> np.ndarray:
    weights = SOURCE_WEIGHTS if weights is None else weights
    return np.array([weights.get(r.get("source", ""), 1.0) for r in rows])


def typology_row_weights(rows: list[dict]) -> np.ndarray:
    """FINE_SOURCE_WEIGHTS per row; with TYPOLOGY_BALANCED, rescaled so that inside each source
    every typology's rows sum to the same weight (the source's total stays the same)."""
    weights = row_weights(rows, FINE_SOURCE_WEIGHTS)
    if not TYPOLOGY_BALANCED:
        return weights
    source = np.array([r.get("source", "") for r in rows])
    typ = np.array([r["typology"] for r in rows])
    for s in np.unique(source):
        in_source = source == s
        classes = np.unique(typ[in_source])
        share = weights[in_source].sum() / len(classes)
        for t in classes:
            mask = in_source & (typ == t)
            weights[mask] *= share / weights[mask].sum()
    return weights


def _softmax_rows(lr: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and intercepts with one row per class (sklearn keeps one row for two)."""
    coef, intercept = lr.coef_, lr.intercept_
    if len(lr.classes_) == 2:  # split the single row so softmax matches
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.concatenate([-intercept / 2, intercept / 2])
    return coef, intercept


def fit_heads(train_rows: list[dict], *, meta: dict | None = None) -> Model:
    """Fit the binary and fine heads on ``train_rows`` (identity calibration, default thresholds)."""
    texts = [r["text"] for r in train_rows]
    vocab = build_vocab(texts)
    x = _features(texts, vocab)
    idf = np.ones(len(vocab), dtype=np.float32)
    if USE_IDF:  # fitted on idf-scaled columns; the scale is folded into the weights below
        df = np.bincount(x.indices, minlength=len(vocab))
        idf = (np.log((1.0 + x.shape[0]) / (1.0 + df)) + 1.0).astype(np.float32)
        x = (x @ sp.diags(idf)).tocsr()
    y = np.array([r["label"] for r in train_rows])
    binary = LogisticRegression(C=BINARY_C, class_weight="balanced", solver="liblinear", random_state=TRAIN_SEED)
    weights_of_rows = row_weights(train_rows)
    binary.fit(x, y, sample_weight=weights_of_rows)
    fine_rows = [i for i, r in enumerate(train_rows) if r["label"] == 1 and r["typology"]]
    fine_y = [f"{train_rows[i]['typology']}|{train_rows[i]['subtype'] or ''}" for i in fine_rows]
    fine = LogisticRegression(C=FINE_C, solver="lbfgs", max_iter=300, random_state=TRAIN_SEED)
    cues = cue_features([texts[i] for i in fine_rows])
    fine.fit(
        sp.hstack([x[fine_rows], sp.csr_matrix(cues)]).tocsr(),
        fine_y,
        sample_weight=row_weights([train_rows[i] for i in fine_rows], FINE_SOURCE_WEIGHTS),
    )
    n_vocab = len(vocab)
    fine_coef, fine_intercept = _softmax_rows(fine)
    typ_y = np.array([train_rows[i]["typology"] for i in fine_rows])
    typology = LogisticRegression(C=TYPOLOGY_C, solver="lbfgs", max_iter=300, random_state=TRAIN_SEED)
    typology.fit(
        sp.hstack([x[fine_rows], sp.csr_matrix(cues)]).tocsr(),
        typ_y,
        sample_weight=typology_row_weights([train_rows[i] for i in fine_rows]),
    )
    typ_coef, typ_intercept = _softmax_rows(typology)
    fine_coef = np.vstack([fine_coef, typ_coef])
    fine_intercept = np.concatenate([fine_intercept, typ_intercept])
    weights = (np.hstack([binary.coef_.T, fine_coef[:, :n_vocab].T]) * idf[:, None]).astype(np.float32)
    intercepts = np.concatenate([binary.intercept_, fine_intercept]).astype(np.float32)
    model = Model(
        vocab=vocab,
        weights=weights,
        intercepts=intercepts,
        fine_labels=[str(c) for c in fine.classes_],
        cue_names=[cue.name for cue in CUES],
        cue_weights=(fine_coef[:, n_vocab:].T * CUE_FEATURE_SCALE).astype(np.float32),
        calibration=(1.0, 0.0),
        thresholds={"medium": 0.5, "high": 0.9},
        meta=dict(meta or {}),
        typology_labels=[str(c) for c in typology.classes_],
    )
    # Round-trip through float16 so calibration sees the weights that will ship.
    model.weights = model.weights.astype(np.float16).astype(np.float32)
    return model


def split_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    return [r for r in rows if r["split"] == "train"], [r for r in rows if r["split"] == "val"]


def evaluate_rows(screener, rows: list[dict]) -> dict:
    """Return binary, hard-negative, typology and calibration figures for ``rows``."""
    from lianxin.engines.fraudscreen import evaluate

    verdicts = screener.screen_many([r["text"] for r in rows])
    y = np.array([r["label"] for r in rows])
    flagged = np.array([v.is_fraud for v in verdicts])
    risk = np.array([v.risk for v in verdicts])
    typed = [(r["typology"], v.typology) for r, v in zip(rows, verdicts) if r["label"] == 1 and r["typology"]]
    hard = np.array([r["source"] != "teleantifraud" and r["label"] == 0 for r in rows])
    return {
        "binary": evaluate.binary_figures(y, flagged),
        "high_band": evaluate.binary_figures(y, np.array([v.band == "high" for v in verdicts])),
        "hard_negative_fpr": float(flagged[hard].mean()) if hard.any() else None,
        "hard_negative_high_rate": float(np.mean([verdicts[i].band == "high" for i in np.flatnonzero(hard)]))
        if hard.any()
        else None,
        "typology": evaluate.typology_figures([t for t, _ in typed], [p for _, p in typed]) if typed else None,
        "calibration": evaluate.calibration_figures(y, risk),
    }


def figures_text(name: str, figures: dict) -> list[str]:
    from lianxin.engines.fraudscreen import evaluate

    lines = [
        evaluate.format_binary(f"{name}: is_fraud", figures["binary"]),
        evaluate.format_binary(f"{name}: band=high", figures["high_band"]),
    ]
    if figures["hard_negative_fpr"] is not None:
        lines.append(
            f"{name}: hard negatives flagged (medium+high) = {figures['hard_negative_fpr']:.3%}, "
            f"high = {figures['hard_negative_high_rate']:.3%}"
        )
    if figures["typology"]:
        lines += evaluate.format_typology(figures["typology"])
    lines += evaluate.format_calibration(figures["calibration"])
    return lines


def _counts_table(rows: list[dict]) -> list[str]:
    from collections import Counter

    counts: Counter[tuple[str, str]] = Counter()
    for r in rows:
        if r.get("augmented"):
            continue
        if r["source"] == "written":
            label = "written " + (r["typology"] if r["label"] else "legit:" + str(r["kind"]))
        elif r["source"] == "teleantifraud":
            label = f"TeleAntiFraud {'fraud' if r['label'] else 'normal'}:{r['bucket']}" + (
                f" → {r['typology']}" if r["typology"] else ""
            )
        elif r["label"]:
            label = r["typology"] + ("/" + r["subtype"] if r["subtype"] else "")
        else:
            label = "legit:" + str(r.get("kind"))
        counts[(label, r["split"])] += 1
    labels = sorted({k[0] for k in counts})
    lines = ["| class | train | val |", "| --- | ---: | ---: |"]
    lines += [f"| {label} | {counts[(label, 'train')]} | {counts[(label, 'val')]} |" for label in labels]
    return lines


CARD_STATIC = """
## Data sources and licences

| source | what | licence |
| --- | --- | --- |
| Free-written corpus (`corpus/written/*.txt`, read by `corpus/written.py`; see its README) | 1,021 messages in 73 batches (501 scams, 520 legitimate), written one by one (no templates): first-contact scams for the 12 national classes in plain, polite, brief wording (SMS, chat, a scammer's opening lines), and as many legitimate messages that share scam vocabulary: operator, bank, shop and salon marketing, prize draws run by real brands, insurance and property adverts, licensed lenders' adverts and reminders, recruitment, delivery and refund notices, school and government notices, anti-fraud warnings, everyday talk about money. One file is one batch (a sitting, a topic); `-b` batches are held out whole | AGPL-3.0-or-later with the project |
| Template corpus (`corpus/`, generated by `corpus/generate.py` with a fixed seed) | short-register scam texts for all 12 national classes and the station's subtypes, plus legitimate hard negatives and victims' own accounts; templates with slots, registers (SMS, chat, call transcript, help post, narrative) and obfuscation (full-width, separators, homoglyphs, 薇信/➕V/扣扣, emoji); whole template families held out | AGPL-3.0-or-later with the project |
| TeleAntiFraud dialogues (`shared/data/fraud/teleantifraud_dialogues`, train file only) | LLM-simulated call transcripts: 8 Western-style scam buckets and 7 normal service scenarios. Buckets 客服诈骗 and 邮件诈骗 → 冒充电商物流客服类, 投资诈骗 → 虚假网络投资理财类; the other five (彩票, 绑架, 身份盗窃, 钓鱼, 银行) teach the binary head only | Apache-2.0, © 2025 Zhiming Ma (github.com/JimmyMa99/TeleAntiFraud) |

Only derived weights are shipped; no shared data file is copied into the repository.

## Model

Normalisation (full-width → ASCII, lower case, separators/emoji between characters dropped,
a few traditional and look-alike characters mapped) → character 1-3-grams with digits folded,
each weighted count/√(n-grams in the message) and by the n-gram's idf over the training rows
(folded into the shipped weights, so screening does no extra work) → three logistic
regressions sharing one weight matrix (one gather scores all three): a binary head (balanced
classes), a multinomial fine head over typology|subtype and a multinomial typology head over
the 12 national classes (both with the lexicon's cues as extra features). The typology head
is fitted separately on the scam rows, with each class weighing the same inside each source;
it picks the typology, the fine head then picks the subtype inside it. Rows weigh by source: free-written 3 (binary) / 10
(typology), template 1, TeleAntiFraud 0.15. Training rows of the written corpus also get
augmented copies: a quarter obfuscated like the template corpus, half of the signed SMS
without the 【sender】 signature and opt-out tail (as many phones and data sets show them).

Rules layer (`lexicon.py`): named cues with plain-Chinese reasons. They explain every flagged
verdict (offsets into the original text), are features of the typology head, choose the
subtype when the statistical head picks a class's generic column, and add a small bonus
(0.08 per cue) to the typology they name. `risk` stays purely statistical (cues as binary
features lowered held-out ROC AUC in the first model: genuine warnings use the same words).
Messages shorter than 6 normalised characters carry too little evidence and are capped below
`medium`.

The held-out figures below come from the model fitted on the training rows only. The shipped
file is refitted on training + validation rows with the same settings (more wording for
real-world texts), keeping that model's calibration and thresholds.

**Bands.** `medium` starts at the lowest validation risk that flags at most 3% of the
legitimate held-out messages, `high` at most 1% (the rate averaged over the written and the
template corpus, so the small hard corpus counts as much as the large one). `is_fraud` is
`band != "low"`; `typology` is null exactly when `is_fraud` is false.

## What was measured to choose this (held-out written batches, F1 / ROC AUC / typology macro-F1)

Measured while the written corpus grew (the first rows on about 730 messages, the last three
on about 900, the idf rows on 960), so compare rows within a block; the final figures are in the tables below.

| variant | written held-out | template held-out F1 |
| --- | --- | --- |
| shipped model of issue 1 (template + TeleAntiFraud only), on all written rows | 0.832 / 0.979 / 0.424 (promotions unsigned flagged 5.1%) | — |
| + written corpus, weight 3 (chosen) | 0.875 / 0.972 / 0.42–0.45 (promotions flagged 1.0%) | 0.924 |
| template weight 0.3 instead of 1 | 0.850 / 0.969 / 0.408 | 0.855 |
| same, binary C 2 instead of 8 | 0.824 / 0.965 / 0.380 | 0.843 |
| written weight 10 | 0.864 / 0.972 / 0.436 | 0.877 |
| binary C 32 | 0.881 / 0.974 / 0.421 | 0.920 |
| TeleAntiFraud weight 0.5 | 0.878 / 0.972 / 0.421 | 0.916 |
| typology head C 0.5 / 2 / 8, written weight 3 / 10 / 30 in it | typology 0.386 / 0.423 / 0.454, 0.454 / 0.451 / 0.451 | — |
| (900 messages) typology C 8, written weight 10 in it, vocabulary 120,000 | 0.872 / 0.965 / 0.501 | 0.917 |
| same, vocabulary 60,000 (chosen: same quality, smaller and faster) | 0.866 / 0.966 / 0.509 | 0.908 |
| same, vocabulary 200,000 with n-grams seen twice | 0.878 / 0.965 / 0.499 | 0.921 |
| (960 messages) 60,000, as shipped before idf | 0.863 / 0.966 / 0.516 | 0.916 |
| same, columns scaled by idf (chosen) | 0.878 / 0.973 / 0.594 | 0.907 |
| same with idf, binary C 2 | 0.875 / 0.974 / 0.599 | 0.905 |
| (960) idf, plus training batches of anti-fraud warnings and game/dating chat | 0.928 / 0.980 / 0.614 | 0.940 |
| (1,021) plus six more training batches (shipped before issue 24's typology work) | 0.920 / 0.981 / 0.611 | 0.936 |

Issue 24 (typology on unseen wording; same 1,021 messages, same binary head, so binary F1,
FPR and ROC AUC do not move; typology macro-F1 over the 12 classes on the held-out written
scams, an unflagged scam counting as a miss, which caps it at 0.936). Chosen by this
held-out figure, on a refit per variant, never per message:

| typology variant | written held-out typology macro-F1 | template held-out |
| --- | ---: | ---: |
| fine head (23 typology|subtype columns) summed per typology, as before | 0.611 | 0.681 |
| separate 12-class typology head, scam rows only, C 8, written weight 10 | 0.635 | 0.748 |
| same, classes balanced inside each source (chosen, shipped) | 0.642–0.647 | 0.745–0.750 |
| same, C 2 / C 32 | 0.630 / 0.641 | 0.761 / 0.740 |
| same, template rows weight 0.3 (unbalanced) / written weight 30 | 0.622 / 0.626 | 0.771 / 0.756 |
| linear SVM on the same features, L2-normalised rows, C 0.1 / 0.3 / 1 | 0.650 / 0.659 / 0.659 | 0.769 / 0.785 / 0.788 |
| same SVM without the per-row normalisation / without intercept | 0.644 / 0.634 | 0.775 / 0.777 |
| balanced head, cue bonus 0 / 0.2 / 0.8 per cue (0.08 ships) · cues as features ×3 / ×10 | 0.647 / 0.647 / 0.644 · 0.606 / 0.584 | — |
| nearest centroid over the idf vectors (written rows weigh 1 / 10 / 100; written rows only) | 0.571 / 0.597 / 0.589; 0.560 | — |
| balanced head mixed with the SVM / with a head on written rows only (0.524 alone) | 0.651–0.655 / 0.614–0.627 | — |
| own TF-IDF vocabulary over scam rows only (char 1-3, 2-4, 1-4-grams), SVM | 0.56–0.59 | 0.71–0.78 |
| balanced head plus 68 more free-written training scams (game, customer service, police, shopping, dating) | 0.636 (vs 0.667 without, same flags) | — |

The SVM's small gain over the balanced logistic head is inside the noise and would need the
row norm at screening time, so the logistic head ships; the extra written scams did not help
and were not kept. Neither reaches the issue's 0.70: the confusions are between classes that
share a script, and an idf-weighted character n-gram model without more real wording does not
separate them.

Fewer template rows do not help unseen wording: the template corpus still carries most of
the scam vocabulary; what it lacked were legitimate messages close to scams and plain
first-contact scams, which the written corpus adds. The written held-out set is small (about
370 messages), so differences under 0.02 are noise.

## Known weaknesses

- The written corpus is small (about 500 messages per side, not thousands; 385 held out):
  the held-out figures on it have wide error bars (one message is 0.3 points of F1), and real traffic will hold wording neither corpus has.
- Typology on unseen wording is weak (macro-F1 about 0.64 on the held-out written batches, short of the 0.70 asked):
  classes that share a script (customer service vs. fake credit repair vs. loans; shopping
  vs. game trading) are confused; see the confusion matrix. It does not collapse to one
  class.
- Genuine anti-fraud warnings and everyday chat about money are the legitimate kinds most
  often flagged (they use the scams' own words); see the table per kind.
- Typology for TeleAntiFraud buckets outside our mapping (lottery, kidnapping, phishing, bank
  impersonation) has no training signal; such messages get the nearest class.
- 网黑案件 is taken to mean scams around illegal online activity (gambling platforms,
  "hackers" who recover losses, paid sex services, sextortion).
- No word segmentation (jieba would cost more than the whole screening per message) and no
  sender metadata: a message's sender number or signature is only text here.
"""


def model_card(model: Model, rows: list[dict], figures: dict[str, dict], tables: dict[str, list[str]]) -> str:
    lines = [
        "# Fraud screening model card",
        "",
        f"Engine version: `{model.meta.get('engine_version')}` · vocabulary: {len(model.vocab):,} n-grams · "
        f"fine classes: {len(model.fine_labels)} · seeds: corpus {model.meta.get('corpus_seed')}, training {TRAIN_SEED}",
        "",
        "Rebuild with `lianxin screen-train` (deterministic: same data, same file; a few minutes on one core).",
        CARD_STATIC,
        "## Thresholds",
        "",
        f"- calibration: risk = sigmoid({model.calibration[0]:.4f} × score + {model.calibration[1]:.4f}), "
        "Platt-fitted on every validation row (all three sources, balanced classes)",
        f"- medium ≥ {model.thresholds['medium']:.4f} (flags at most {MEDIUM_FPR:.0%} of legitimate validation messages)",
        f"- high ≥ {model.thresholds['high']:.4f} (flags at most {HIGH_FPR:.0%} of legitimate validation messages)",
        "- the rates are over the legitimate held-out rows of the written and template corpora, each corpus "
        "counted equally; the rate each source and kind actually gets is in the tables below",
        "",
    ]
    for title, table in tables.items():
        lines += [f"## {title}", "", *table, ""]
    lines += ["## Counts per class", "", *_counts_table(rows), ""]
    lines += ["## Detailed held-out figures per source (model fitted on the training rows)", ""]
    for name, figs in figures.items():
        lines += ["```", *figures_text(name, figs), "```", ""]
    return "\n".join(lines) + "\n"


def train_and_write(data_root: Path = DEFAULT_DATA_ROOT, out_dir: Path | None = None, *, ood: bool = True) -> str:
    """Fit on the training rows, write model.npz and MODEL_CARD.md, return a short report.

    With ``ood`` (the default) the card also gets the leave-one-source-out and
    leave-one-register-out tables, which refit the method six more times.
    """
    from lianxin.engines.fraudscreen import ood as ood_mod
    from lianxin.engines.fraudscreen.corpus.generate import CORPUS_SEED
    from lianxin.engines.fraudscreen.model import MODEL_PATH
    from lianxin.engines.fraudscreen.screener import ENGINE_VERSION, Screener

    out_dir = Path(out_dir) if out_dir else MODEL_PATH.parent
    rows = load_sources(data_root)
    train_rows, val_rows = split_rows(rows)
    model = fit(train_rows, val_rows, meta={"engine_version": ENGINE_VERSION, "corpus_seed": CORPUS_SEED})
    screener = Screener(model)
    held_out, _ = ood_mod.held_out_tables(screener, rows)
    tables = {"Held-out figures (whole written batches, template families and TeleAntiFraud openings)": held_out}
    if ood:
        tables["Out-of-distribution: leave one source out, leave one register out"] = ood_mod.leave_one_out_tables(
            rows, fit, Screener
        )
    figures = {}
    for source in ("written", "lianxin_corpus", "teleantifraud"):
        figures[f"val {source}"] = evaluate_rows(screener, [r for r in val_rows if r["source"] == source])
    shipped = fit_heads(rows, meta=model.meta)
    shipped.calibration, shipped.thresholds = model.calibration, model.thresholds
    out_dir.mkdir(parents=True, exist_ok=True)
    shipped.save(out_dir / "model.npz")
    (out_dir / "MODEL_CARD.md").write_text(model_card(model, rows, figures, tables), encoding="utf-8")
    summary = [f"wrote {out_dir / 'model.npz'} and {out_dir / 'MODEL_CARD.md'}", *held_out[:6]]
    return "\n".join(summary)
