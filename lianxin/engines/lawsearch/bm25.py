"""A BM25 field over a sparse document-term matrix with weighted query terms.

Why not bm25s here: the search weights each query term (learned lay->legal expansions
carry weights below 1) and combines several fields, which bm25s's retrieval API does not
offer. The weighting itself is the textbook Okapi BM25; bench/lawsearch.py checks this
field against bm25s on the same bigrams.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

BM25_K1 = 1.2
BM25_B = 0.75


class BM25Field:
    """Documents x terms matrix of precomputed BM25 weights (CSC, float32)."""

    def __init__(self, vocab: dict[str, int], weights: sparse.csc_matrix):
        self.vocab = vocab
        self.weights = weights

    @property
    def n_docs(self) -> int:
        return self.weights.shape[0]

    @classmethod
    def build(cls, docs: Sequence[Sequence[str]], *, k1: float = BM25_K1, b: float = BM25_B) -> BM25Field:
        """Index token lists (one per document); empty documents are allowed and never match."""
        vocab: dict[str, int] = {}
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        for doc_no, tokens in enumerate(docs):
            ids = [vocab.setdefault(t, len(vocab)) for t in tokens]
            cols.append(np.asarray(ids, dtype=np.int64))
            rows.append(np.full(len(ids), doc_no, dtype=np.int64))
        n_docs = len(docs)
        row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        tf = sparse.coo_matrix((np.ones(len(row), np.float32), (row, col)), shape=(n_docs, max(len(vocab), 1))).tocsr()
        tf.sum_duplicates()
        doc_len = np.asarray(tf.sum(axis=1)).ravel()
        avg_len = float(doc_len.mean()) if n_docs and doc_len.mean() > 0 else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        row_of_entry = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
        norm = k1 * (1.0 - b + b * doc_len[row_of_entry] / avg_len)
        tf.data = (idf[tf.indices] * tf.data * (k1 + 1.0) / (tf.data + norm)).astype(np.float32)
        return cls(vocab, tf.tocsc())

    def score(self, term_weights: Mapping[str, float]) -> np.ndarray:
        """Return the weighted BM25 score of every document (float32, length n_docs)."""
        cols, wts = [], []
        for term, weight in term_weights.items():
            col = self.vocab.get(term)
            if col is not None and weight:
                cols.append(col)
                wts.append(weight)
        if not cols:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self.weights[:, cols] @ np.asarray(wts, dtype=np.float32)).ravel()

    def known(self, terms: Iterable[str]) -> list[str]:
        return [t for t in terms if t in self.vocab]

    def save(self, directory: Path, name: str) -> None:
        m = self.weights
        np.savez(directory / f"{name}.npz", data=m.data, indices=m.indices, indptr=m.indptr, shape=np.asarray(m.shape))
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        (directory / f"{name}.vocab.json").write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, name: str) -> BM25Field:
        with np.load(directory / f"{name}.npz") as z:
            m = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        terms = json.loads((directory / f"{name}.vocab.json").read_text(encoding="utf-8"))
        return cls({t: i for i, t in enumerate(terms)}, m)
