"""Screen Chinese messages for fraud: verdict, calibrated risk, band, typology, cues, entities.

Steps for a batch (``screen_many``; ``screen`` is a batch of one):
1. Check the input: every item must be a ``str`` (TypeError names the position otherwise).
2. Normalise all messages at once (text.normalize_batch) and look up their n-grams.
3. Score the binary head, calibrate it to a risk, and pick the band from the thresholds.
4. For messages that are fraud (band medium or high): score the fine head, sum it per
   typology, nudge with typology cues, choose the subtype; find the cues that explain it.
5. Extract entities for every message (so the platform can match its blacklist).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lianxin.engines.fraudscreen import entities as entity_mod
from lianxin.engines.fraudscreen.lexicon import ADVICE, CUES, LOW_ADVICE, TYPOLOGIES, find_cues_batch
from lianxin.engines.fraudscreen.model import MODEL_PATH, Model, cue_matrix, feature_entries, sigmoid, softmax
from lianxin.engines.fraudscreen.text import normalize_batch

ENGINE_VERSION = "fraudscreen-1.0"
CUE_TYPOLOGY_BONUS = 0.08  # added to a typology's probability per matching cue (tie-breaker)
MAX_CUES = 6
MIN_EVIDENCE_CHARS = 6  # shorter normalised messages carry too little evidence to flag


@dataclass(frozen=True)
class Verdict:
    """The screening result for one message; ``to_dict`` gives the JSON shape of the CLI."""

    is_fraud: bool
    risk: float
    band: str
    typology: str | None
    subtype: str | None
    cues: list[dict] = field(default_factory=list)
    entities: dict[str, list] = field(default_factory=entity_mod.empty_entities)
    advice: str = LOW_ADVICE
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict:
        return {"is_fraud": self.is_fraud, "risk": self.risk, "band": self.band, "typology": self.typology,
                "subtype": self.subtype, "cues": self.cues, "entities": self.entities,
                "advice": self.advice, "engine_version": self.engine_version}


class Screener:
    """A loaded model plus the rules layer; thread-safe for reading (holds no mutable state)."""

    def __init__(self, model: Model):
        self.model = model
        self._w_binary = np.ascontiguousarray(model.weights[:, 0])
        self._w_fine = np.ascontiguousarray(model.weights[:, 1:])
        self._fine_typology = np.array([TYPOLOGIES.index(label.split("|")[0]) for label in model.fine_labels])
        self._fine_subtype = [label.split("|")[1] or None for label in model.fine_labels]
        self._a, self._b = model.calibration
        self._t_medium = model.thresholds["medium"]
        self._t_high = model.thresholds["high"]
        unknown = set(model.cue_names) - {cue.name for cue in CUES}
        if unknown:
            raise ValueError(f"model uses cues the lexicon no longer has: {sorted(unknown)}")

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Screener":
        """Load the shipped model (or the one at ``path``)."""
        return cls(Model.load(Path(path) if path else MODEL_PATH))

    def screen(self, text: str) -> Verdict:
        """Screen one message; raises TypeError if ``text`` is not a str."""
        return self.screen_many([text])[0]

    def risk_many(self, texts: list[str]) -> np.ndarray:
        """Return calibrated risks only (used by training and the benchmark)."""
        batch = normalize_batch(self._checked(texts))
        rows, cols, scale = feature_entries(batch, self.model.vocab)
        return self._risk(rows, cols, scale, batch)

    def screen_many(self, texts: list[str]) -> list[Verdict]:
        """Screen a batch of messages; same verdicts as calling ``screen`` on each."""
        texts = self._checked(texts)
        if not texts:
            return []
        batch = normalize_batch(texts)
        rows, cols, scale = feature_entries(batch, self.model.vocab)
        risk = self._risk(rows, cols, scale, batch)
        fraud_rows = np.flatnonzero(risk >= self._t_medium).tolist()
        normal_texts = [batch.text(i) for i in range(len(texts))]
        cue_hits = find_cues_batch(batch.codes, batch.starts, normal_texts, fraud_rows)
        fine_of: dict[int, np.ndarray] = {}
        if fraud_rows:
            hits_list = [cue_hits[row] for row in fraud_rows]
            scores = self._fine_scores(rows, cols, scale, fraud_rows, len(texts))
            scores += cue_matrix(hits_list, self.model.cue_names) @ self.model.cue_weights
            for row, probs in zip(fraud_rows, softmax(scores + self.model.intercepts[1:])):
                fine_of[row] = probs
        starts = batch.starts.tolist()
        found_all = entity_mod.extract_batch(batch.all_text(), starts, batch.origin, texts)
        verdicts = []
        origin = batch.origin
        for i, text in enumerate(texts):
            base = starts[i]
            found = found_all[i]
            r = round(float(risk[i]), 4)
            if i not in fine_of:
                verdicts.append(Verdict(is_fraud=False, risk=r, band="low", typology=None, subtype=None,
                                        entities=found))
                continue
            hits = cue_hits[i]
            typology, subtype = self._typology(fine_of[i], hits)
            cues = []
            for s, e, cue in hits[:MAX_CUES]:
                start, end = int(origin[base + s]), int(origin[base + e - 1]) + 1
                cues.append({"start": start, "end": end, "text": text[start:end], "why": cue.why, "cue": cue.name})
            band = "high" if risk[i] >= self._t_high else "medium"
            verdicts.append(Verdict(is_fraud=True, risk=r, band=band, typology=typology, subtype=subtype,
                                    cues=cues, entities=found, advice=ADVICE.get(typology, ADVICE[None])))
        return verdicts

    def _fine_scores(self, rows, cols, scale, fraud_rows: list[int], n: int) -> np.ndarray:
        """Fine-head scores (before intercepts and cues) for ``fraud_rows``."""
        if len(fraud_rows) == 1:
            row = fraud_rows[0]
            mine = cols[rows == row]
            return (self._w_fine[mine].sum(axis=0) * scale[row])[None, :]
        position = np.full(n, -1)
        position[fraud_rows] = np.arange(len(fraud_rows))
        keep = position[rows] >= 0
        sub = sp.csr_matrix((scale[rows[keep]].astype(np.float32), (position[rows[keep]], cols[keep])),
                            shape=(len(fraud_rows), len(self.model.vocab)))
        return np.asarray(sub @ self._w_fine)

    def _risk(self, rows, cols, scale, batch) -> np.ndarray:
        n = len(scale)
        score = np.bincount(rows, weights=self._w_binary[cols], minlength=n) * scale + self.model.intercepts[0]
        risk = sigmoid(self._a * score + self._b)
        too_short = np.diff(batch.starts) < MIN_EVIDENCE_CHARS
        risk[too_short] = np.minimum(risk[too_short], self._t_medium / 2)
        return risk

    def _typology(self, fine_probs: np.ndarray, hits) -> tuple[str, str | None]:
        per_typology = np.bincount(self._fine_typology, weights=fine_probs, minlength=len(TYPOLOGIES))
        for _, _, cue in hits:
            if cue.typology:
                per_typology[TYPOLOGIES.index(cue.typology)] += CUE_TYPOLOGY_BONUS
        chosen = int(per_typology.argmax())
        in_class = np.flatnonzero(self._fine_typology == chosen)
        subtype = self._fine_subtype[int(in_class[fine_probs[in_class].argmax()])]
        if subtype is None:
            for _, _, cue in hits:
                if cue.subtype and cue.typology in (None, TYPOLOGIES[chosen]) and \
                        f"{TYPOLOGIES[chosen]}|{cue.subtype}" in self.model.fine_labels:
                    subtype = cue.subtype
                    break
        return TYPOLOGIES[chosen], subtype

    @staticmethod
    def _checked(texts) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("screen_many expects a list of str, not a single str")
        texts = list(texts)
        for position, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"message {position} is {type(text).__name__}, expected str")
        return texts
