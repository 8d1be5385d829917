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

import math
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lianxin.engines.fraudscreen import entities as entity_mod
from lianxin.engines.fraudscreen.lexicon import ADVICE, CUES, LOW_ADVICE, TYPOLOGIES, find_cues, find_cues_batch
from lianxin.engines.fraudscreen.model import (
    MODEL_PATH,
    Model,
    VocabTable,
    cue_matrix,
    feature_entries,
    sigmoid,
    softmax,
)
from lianxin.engines.fraudscreen.text import ngram_keys_one, normalize_batch, normalize_one

ENGINE_VERSION = "fraudscreen-1.0"
CUE_TYPOLOGY_BONUS = 0.08  # added to a typology's probability per matching cue (tie-breaker)
MAX_CUES = 6
MIN_EVIDENCE_CHARS = 6  # shorter normalised messages carry too little evidence to flag


_set = object.__setattr__


class Verdict:
    """The screening result for one message; ``to_dict`` gives the JSON shape of the CLI.

    Read-only. The fields live in one tuple, so a verdict costs one allocation; ``cues`` and
    ``entities`` are built from compact tuples the first time they are read, so a large batch
    does not allocate thousands of small dicts and lists that the caller may never look at.
    """

    __slots__ = ("_v", "_cues", "_entities")
    # (is_fraud, risk, band, typology, subtype, advice, engine_version, cue spans, entity tuples)
    _v: tuple
    _cues: list[dict]
    _entities: dict[str, list]

    def __init__(
        self,
        is_fraud: bool,
        risk: float,
        band: str,
        typology: str | None,
        subtype: str | None,
        cues: list[dict] | None = None,
        entities: dict[str, list] | None = None,
        advice: str = LOW_ADVICE,
        engine_version: str = ENGINE_VERSION,
    ):
        _set(self, "_v", (is_fraud, risk, band, typology, subtype, advice, engine_version, None, None))
        _set(self, "_cues", list(cues or ()))
        _set(self, "_entities", dict(entities) if entities is not None else entity_mod.entities_from(None))

    @classmethod
    def _lazy(cls, values: tuple) -> Verdict:
        """A verdict from (is_fraud, risk, band, typology, subtype, advice, engine_version,
        cue spans, entity tuples): cue spans are (start, end, text, Cue) tuples and entity
        tuples come from ``entities.extract_raw`` (either may be None for none)."""
        verdict = cls.__new__(cls)
        _set(verdict, "_v", values)
        return verdict

    is_fraud = property(lambda self: self._v[0], doc="True when the band is medium or high.")
    risk = property(lambda self: self._v[1], doc="Calibrated risk in [0, 1].")
    band = property(lambda self: self._v[2], doc='"low", "medium" or "high".')
    typology = property(lambda self: self._v[3], doc="National typology, None when not fraud.")
    subtype = property(lambda self: self._v[4], doc="Station subtype inside the typology, or None.")
    advice = property(lambda self: self._v[5], doc="What to tell the resident, in Chinese.")
    engine_version = property(lambda self: self._v[6], doc="The engine version that screened it.")

    @property
    def cues(self) -> list[dict]:
        try:
            return self._cues
        except AttributeError:
            cues = [
                {"start": start, "end": end, "text": text, "why": cue.why, "cue": cue.name}
                for start, end, text, cue in self._v[7] or ()
            ]
            _set(self, "_cues", cues)
            return cues

    @property
    def entities(self) -> dict[str, list]:
        try:
            return self._entities
        except AttributeError:
            entities = entity_mod.entities_from(self._v[8])
            _set(self, "_entities", entities)
            return entities

    def __setattr__(self, name, value):
        raise AttributeError(f"Verdict is read-only (cannot set {name})")

    def __delattr__(self, name):
        raise AttributeError(f"Verdict is read-only (cannot delete {name})")

    def __eq__(self, other) -> bool:
        return self.to_dict() == other.to_dict() if isinstance(other, Verdict) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal by value, so not hashable

    def __repr__(self) -> str:
        return f"Verdict({', '.join(f'{key}={value!r}' for key, value in self.to_dict().items())})"

    def to_dict(self) -> dict:
        v = self._v
        return {
            "is_fraud": v[0],
            "risk": v[1],
            "band": v[2],
            "typology": v[3],
            "subtype": v[4],
            "cues": self.cues,
            "entities": self.entities,
            "advice": v[5],
            "engine_version": v[6],
        }


_lazy = Verdict._lazy


class Screener:
    """A loaded model plus the rules layer; thread-safe for reading (holds no mutable state)."""

    def __init__(self, model: Model):
        self.model = model
        self._w_binary = np.ascontiguousarray(model.weights[:, 0])
        self._w_fine = np.ascontiguousarray(model.weights[:, 1:])
        self._fine_typology = np.array([TYPOLOGIES.index(label.split("|")[0]) for label in model.fine_labels])
        self._fine_subtype = [label.split("|")[1] or None for label in model.fine_labels]
        self._fine_set = frozenset(model.fine_labels)
        self._typology_position = {name: i for i, name in enumerate(TYPOLOGIES)}
        self._typology_onehot = np.zeros((len(model.fine_labels), len(TYPOLOGIES)))
        self._typology_onehot[np.arange(len(model.fine_labels)), self._fine_typology] = 1.0
        self._n_fine = len(model.fine_labels)
        # The typology head's columns (after the fine ones) mapped onto TYPOLOGIES.
        self._typology_head = np.zeros((len(model.typology_labels), len(TYPOLOGIES)))
        self._typology_head[
            np.arange(len(model.typology_labels)), [TYPOLOGIES.index(t) for t in model.typology_labels]
        ] = 1.0
        self._a, self._b = model.calibration
        self._intercept = float(model.intercepts[0])
        self._t_medium = model.thresholds["medium"]
        self._t_high = model.thresholds["high"]
        self._table = VocabTable(model.vocab)  # n-gram key -> column, for screen and screen_many
        self._w_binary_64 = self._w_binary.astype(np.float64)
        unknown = set(model.cue_names) - {cue.name for cue in CUES}
        if unknown:
            raise ValueError(f"model uses cues the lexicon no longer has: {sorted(unknown)}")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Screener:
        """Load the shipped model (or the one at ``path``)."""
        return cls(Model.load(Path(path) if path else MODEL_PATH))

    def screen(self, text: str) -> Verdict:
        """Screen one message; raises TypeError if ``text`` is not a str.

        Same steps as ``screen_many`` with less array set-up (faster for one short message);
        the verdict is the same as the batch path's.
        """
        if not isinstance(text, str):
            raise TypeError(f"message 0 is {type(text).__name__}, expected str")
        codes, origin = normalize_one(text)
        normal = "".join(map(chr, codes))
        keys = ngram_keys_one(codes)
        cols = self._table.lookup(keys)
        cols = cols[cols >= 0]
        # Summed one by one in n-gram order by np.bincount, as in the batch path: same float.
        total = float(np.bincount(np.zeros(len(cols), dtype=np.intp), self._w_binary_64[cols], minlength=1)[0])
        n_grams = len(keys)
        scale = 1.0 / math.sqrt(max(n_grams, 1.0))
        x = min(max(self._a * (total * scale + self._intercept) + self._b, -40.0), 40.0)
        risk = 1.0 / (1.0 + math.exp(-x))
        if len(codes) < MIN_EVIDENCE_CHARS:
            risk = min(risk, self._t_medium / 2)
        found = entity_mod.extract_raw(normal, origin, text, 0)
        if risk < self._t_medium:
            return self._verdict(text, risk, None, [], origin, 0, found)
        hits = find_cues(normal)
        fine = (self._w_fine[cols].sum(axis=0) * scale)[None, :]
        fine += cue_matrix([hits], self.model.cue_names) @ self.model.cue_weights
        choice = self._typologies(fine + self.model.intercepts[1:], [hits])[0]
        return self._verdict(text, risk, choice, hits, origin, 0, found)

    def risk_many(self, texts: list[str]) -> np.ndarray:
        """Return calibrated risks only (used by training and the benchmark)."""
        batch = normalize_batch(self._checked(texts))
        rows, cols, scale = feature_entries(batch, self.model.vocab, self._table)
        return self._risk(rows, cols, scale, batch)

    def screen_many(self, texts: list[str]) -> list[Verdict]:
        """Screen a batch of messages; same verdicts as calling ``screen`` on each."""
        texts = self._checked(texts)
        if not texts:
            return []
        batch = normalize_batch(texts)
        rows, cols, scale = feature_entries(batch, self.model.vocab, self._table)
        risk = self._risk(rows, cols, scale, batch)
        fraud_rows = np.flatnonzero(risk >= self._t_medium).tolist()
        starts = batch.starts.tolist()
        joined = batch.all_text()  # message i is joined[starts[i] + i:starts[i + 1] + i]
        normal_texts = {row: joined[starts[row] + row : starts[row + 1] + row] for row in fraud_rows}
        cue_hits = find_cues_batch(batch.codes, batch.starts, normal_texts, fraud_rows)
        choice_of: dict[int, tuple[str, str | None]] = {}
        if fraud_rows:
            hits_list = [cue_hits[row] for row in fraud_rows]
            scores = self._fine_scores(rows, cols, scale, fraud_rows, len(texts))
            scores += cue_matrix(hits_list, self.model.cue_names) @ self.model.cue_weights
            choices = self._typologies(scores + self.model.intercepts[1:], hits_list)
            choice_of = dict(zip(fraud_rows, choices))
        found_all = entity_mod.extract_batch_raw(joined, starts, batch.origin, texts)
        origin = batch.origin
        return [
            self._verdict(text, risk, choice_of.get(i), cue_hits.get(i), origin, starts[i], found_all[i])
            for i, (text, risk) in enumerate(zip(texts, risk.tolist()))
        ]

    def _verdict(self, text: str, risk: float, choice, hits, origin, base: int, found) -> Verdict:
        r = round(risk, 4)
        if choice is None:
            return _lazy((False, r, "low", None, None, LOW_ADVICE, ENGINE_VERSION, None, found))
        typology, subtype = choice
        spans = []
        for s, e, cue in hits[:MAX_CUES]:
            start, end = int(origin[base + s]), int(origin[base + e - 1]) + 1
            spans.append((start, end, text[start:end], cue))
        band = "high" if risk >= self._t_high else "medium"
        advice = ADVICE.get(typology, ADVICE[None])
        return _lazy((True, r, band, typology, subtype, advice, ENGINE_VERSION, spans, found))

    def _fine_scores(self, rows, cols, scale, fraud_rows: list[int], n: int) -> np.ndarray:
        """Fine-head scores (before intercepts and cues) for ``fraud_rows``."""
        if len(fraud_rows) == 1:
            row = fraud_rows[0]
            mine = cols[rows == row]
            return (self._w_fine[mine].sum(axis=0) * scale[row])[None, :]
        position = np.full(n, -1)
        position[fraud_rows] = np.arange(len(fraud_rows))
        sub_rows = position[rows]
        keep = sub_rows >= 0
        sub_rows, sub_cols, values = sub_rows[keep], cols[keep], scale[rows[keep]].astype(np.float32)
        # Entries come as a few runs each sorted by row (1-, 2-, 3-grams): each run is a CSR
        # matrix as it stands (no sort), and the scores are the sum of the runs' products.
        breaks = np.flatnonzero(sub_rows[1:] < sub_rows[:-1]) + 1
        bounds = [0, *breaks.tolist(), len(sub_rows)]
        shape = (len(fraud_rows), len(self.model.vocab))
        scores = np.zeros((len(fraud_rows), self._w_fine.shape[1]), dtype=np.float32)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            indptr = np.zeros(len(fraud_rows) + 1, dtype=np.int64)
            np.cumsum(np.bincount(sub_rows[lo:hi], minlength=len(fraud_rows)), out=indptr[1:])
            scores += sp.csr_matrix((values[lo:hi], sub_cols[lo:hi], indptr), shape=shape) @ self._w_fine
        return scores

    def _risk(self, rows, cols, scale, batch) -> np.ndarray:
        weights = self._w_binary_64[cols]
        score = np.bincount(rows, weights=weights, minlength=len(scale)) * scale + float(self.model.intercepts[0])
        return self._calibrate(score, np.diff(batch.starts))

    def _calibrate(self, score: np.ndarray, n_chars: np.ndarray) -> np.ndarray:
        risk = sigmoid(self._a * score + self._b)
        too_short = n_chars < MIN_EVIDENCE_CHARS
        risk[too_short] = np.minimum(risk[too_short], self._t_medium / 2)
        return risk

    def _typologies(self, scores: np.ndarray, hits_per_row: list[list]) -> list[tuple[str, str | None]]:
        """Choose (typology, subtype) for each row of head scores (fine columns, then typology columns).

        Typology: the typology head's probabilities (or, in a model without one, the fine
        probabilities summed per typology) plus CUE_TYPOLOGY_BONUS per cue naming it.
        Subtype: the most probable fine column inside that typology; when that is the generic
        column, the first cue that names a subtype of the typology.
        """
        fine_probs = softmax(scores[:, : self._n_fine])
        if len(self._typology_head):
            per_typology = softmax(scores[:, self._n_fine :]) @ self._typology_head
        else:
            per_typology = fine_probs @ self._typology_onehot
        per_typology += self._cue_bonus(hits_per_row)
        chosen = per_typology.argmax(axis=1)
        inside = np.where(self._typology_onehot[:, chosen].T > 0, fine_probs, -1.0)
        best_fine = inside.argmax(axis=1).tolist()
        out = []
        for typology_index, fine_index, hits in zip(chosen.tolist(), best_fine, hits_per_row):
            typology = TYPOLOGIES[typology_index]
            subtype = self._fine_subtype[fine_index] if self._fine_typology[fine_index] == typology_index else None
            if subtype is None:
                for _, _, cue in hits:
                    if (
                        cue.subtype
                        and cue.typology in (None, typology)
                        and f"{typology}|{cue.subtype}" in self._fine_set
                    ):
                        subtype = cue.subtype
                        break
            out.append((typology, subtype))
        return out

    def _cue_bonus(self, hits_per_row: list[list]) -> np.ndarray:
        bonus = np.zeros((len(hits_per_row), len(TYPOLOGIES)))
        for row, hits in enumerate(hits_per_row):
            for _, _, cue in hits:
                if cue.typology:
                    bonus[row, self._typology_position[cue.typology]] += CUE_TYPOLOGY_BONUS
        return bonus

    @staticmethod
    def _checked(texts) -> list[str]:
        if isinstance(texts, str):
            raise TypeError("screen_many expects a list of str, not a single str")
        texts = list(texts)
        for position, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"message {position} is {type(text).__name__}, expected str")
        return texts
