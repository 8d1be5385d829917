"""The fitted model: vocabulary, linear weights, calibration and band thresholds.

Features are character 1-3-grams of the normalised text (digits folded), each counted and
scaled by 1/sqrt(number of n-grams in the message); training's idf scaling is folded into the
weights. One weight matrix holds the binary
fraud head (column 0), the fine typology/subtype head and the typology head (the other
columns), so one gather scores a message for all three.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from lianxin.engines.fraudscreen.text import NormalBatch, ngram_keys

MODEL_PATH = Path(__file__).resolve().parent / "model.npz"


@dataclass
class Model:
    vocab: np.ndarray  # sorted int64 n-gram keys
    weights: np.ndarray  # float32 (V, 1 + n_fine + n_typology)
    intercepts: np.ndarray  # float32 (1 + n_fine + n_typology,)
    fine_labels: list[str]  # "typology|subtype" per fine column
    cue_names: list[str]  # lexicon cues used as extra features of the fine head, in row order
    cue_weights: np.ndarray  # float32 (n_cues, n_fine + n_typology)
    calibration: tuple[float, float]  # risk = sigmoid(a * score + b)
    thresholds: dict[str, float]  # {"medium": ..., "high": ...} on risk
    meta: dict = field(default_factory=dict)
    # The typology head (columns after the fine ones): one column per national class, fitted
    # on scam rows only with classes balanced; when empty the fine head also picks the typology.
    typology_labels: list[str] = field(default_factory=list)

    def save(self, path: Path) -> None:
        """Write the model as a compressed npz (weights stored as float16 to stay small)."""
        header = {
            "fine_labels": self.fine_labels,
            "cue_names": self.cue_names,
            "typology_labels": self.typology_labels,
            "calibration": list(self.calibration),
            "thresholds": self.thresholds,
            "meta": self.meta,
        }
        with open(path, "wb") as handle:
            np.savez_compressed(
                handle,
                vocab=self.vocab,
                weights=self.weights.astype(np.float16),
                intercepts=self.intercepts.astype(np.float32),
                cue_weights=self.cue_weights.astype(np.float32),
                header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        """Read a model written by ``save``; raises FileNotFoundError or ValueError when unusable."""
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes().decode())
            model = cls(
                vocab=data["vocab"],
                weights=data["weights"].astype(np.float32),
                intercepts=data["intercepts"],
                fine_labels=header["fine_labels"],
                cue_names=header["cue_names"],
                cue_weights=data["cue_weights"],
                calibration=tuple(header["calibration"]),
                thresholds=header["thresholds"],
                meta=header["meta"],
                typology_labels=header.get("typology_labels", []),
            )
        n_out = len(model.fine_labels) + len(model.typology_labels)
        if model.weights.shape != (len(model.vocab), 1 + n_out):
            raise ValueError(f"{path}: weight matrix shape {model.weights.shape} does not match the vocabulary")
        if model.cue_weights.shape != (len(model.cue_names), n_out):
            raise ValueError(f"{path}: cue weight shape {model.cue_weights.shape} does not match the cue list")
        return model


class VocabTable:
    """An open-addressing hash table from n-gram key to vocabulary column, probed with numpy.

    One multiplicative hash and, for the few colliding keys, a short linear probe: several
    times faster than a binary search of the sorted vocabulary for a batch of keys (the
    table stays small enough for the CPU cache; load factor under 1/4).
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
    _EMPTY = -1  # no n-gram key is negative (code points are packed into 63 bits)

    def __init__(self, vocab: np.ndarray):
        self.bits = max(int(len(vocab) * 4 - 1).bit_length(), 4)
        self.mask = (1 << self.bits) - 1
        keys = np.full(1 << self.bits, self._EMPTY, dtype=np.int64)
        cols = np.full(1 << self.bits, -1, dtype=np.int64)
        key_list, col_list = keys.tolist(), cols.tolist()
        for col, (key, slot) in enumerate(zip(vocab.tolist(), self._slots(vocab).tolist())):
            while key_list[slot] != self._EMPTY:
                slot = (slot + 1) & self.mask
            key_list[slot], col_list[slot] = key, col
        self.keys = np.array(key_list, dtype=np.int64)
        self.cols = np.array(col_list, dtype=np.int64)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        hashed = np.ascontiguousarray(keys, dtype=np.int64).view(np.uint64) * self._MULTIPLIER
        return (hashed >> np.uint64(64 - self.bits)).view(np.int64)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Return the vocabulary column of every key, or -1 where the key is not in it."""
        slot = self._slots(keys)
        found = self.keys[slot]
        out = np.where(found == keys, self.cols[slot], -1)
        pending = np.flatnonzero((found != keys) & (found != self._EMPTY))
        while len(pending):
            slot_p = (slot[pending] + 1) & self.mask
            slot[pending] = slot_p
            found = self.keys[slot_p]
            hit = found == keys[pending]
            out[pending[hit]] = self.cols[slot_p[hit]]
            pending = pending[~hit & (found != self._EMPTY)]
        return out


def feature_entries(
    batch: NormalBatch, vocab: np.ndarray, table: VocabTable | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (rows, cols, scale): one entry per in-vocabulary n-gram occurrence.

    The feature value of (row, col) is scale[row] times the number of entries; ``scale`` is
    1/sqrt(number of n-grams in the message, in vocabulary or not). ``table`` (built from
    ``vocab``) makes the lookup faster; the result is the same without it.
    """
    n = len(batch.starts) - 1
    keys, msg = ngram_keys(batch)
    scale = 1.0 / np.sqrt(np.maximum(np.bincount(msg, minlength=n), 1.0))
    if len(vocab) == 0 or len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), scale
    if table is not None:
        idx = table.lookup(keys)
        hit = idx >= 0
        return msg[hit], idx[hit], scale
    idx = np.searchsorted(vocab, keys)
    idx[idx == len(vocab)] = 0
    hit = vocab[idx] == keys
    return msg[hit], idx[hit], scale


def feature_matrix(batch: NormalBatch, vocab: np.ndarray) -> sp.csr_matrix:
    """Return the (n_messages, V) sparse feature matrix of a normalised batch (for training)."""
    rows, cols, scale = feature_entries(batch, vocab)
    matrix = sp.csr_matrix(
        (scale[rows].astype(np.float32), (rows, cols)), shape=(len(scale), len(vocab)), dtype=np.float32
    )
    matrix.sum_duplicates()
    return matrix


def cue_matrix(hits_per_row: list[list], cue_names: list[str]) -> np.ndarray:
    """Return a (rows, n_cues) 0/1 matrix of which cues fired in each row."""
    column = {name: i for i, name in enumerate(cue_names)}
    matrix = np.zeros((len(hits_per_row), len(cue_names)), dtype=np.float32)
    for row, hits in enumerate(hits_per_row):
        for _, _, cue in hits:
            if cue.name in column:
                matrix[row, column[cue.name]] = 1.0
    return matrix


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


def softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
