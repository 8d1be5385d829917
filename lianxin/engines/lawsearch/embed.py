"""Meaning beyond shared characters: general Chinese word vectors over jieba words.

BM25 needs a question and an article to share characters; residents and statutes often
do not (打架 / 殴打, 彩礼 / 聘礼, 拆迁 / 征收). Word vectors learned from general Chinese
text place such words close together. The engine uses them three ways, all as inputs of
the learned re-ranker (rerank.py):

1. dense: cosine of the question's vector and each article's vector (each is the
   weighted, normalised sum of its words' unit vectors; articles weight words by their BM25
   weight, questions by IDF and repeats);
2. dense_near: the earlier questions (from the bridge) closest to the question in this
   space vote for their gold articles, by squared cosine;
3. soft match: for each question word, the best cosine with any word of the candidate
   article, averaged by IDF, and the IDF share of question words with a close match
   (cosine >= SOFT_MATCH_COSINE).

The vectors (`learned/wordvec.npz`) are derived from an Apache-2.0 word-vector set; see
learned/README.md for the source and how to rebuild the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

DEFAULT_WORDVEC_PATH = Path(__file__).resolve().parent / "learned" / "wordvec.npz"
INT8_SCALE = 127.0  # stored vectors are unit vectors times this, rounded to int8
SOFT_MATCH_COSINE = 0.6
NEAR_DENSE_QUESTIONS = 20
SOFT_FEATURES = 2


def _unit_rows(m: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    return (m / np.where(norm > 0, norm, 1.0)).astype(np.float32)


@dataclass(frozen=True)
class WordVectors:
    """Unit word vectors (float32 rows) and the word -> row map."""

    index: Mapping[str, int]
    vectors: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def load(cls, path: Path = DEFAULT_WORDVEC_PATH) -> WordVectors:
        with np.load(path) as z:
            words = str(z["words"]).split("\n")
            vectors = _unit_rows(z["vectors"].astype(np.float32))
        return cls({w: i for i, w in enumerate(words)}, vectors)

    @staticmethod
    def save(path: Path, words: Sequence[str], vectors: np.ndarray) -> None:
        """Write unit-normalised `vectors` (one row per word) as int8, compressed."""
        if any("\n" in w for w in words):
            raise ValueError("a word contains a newline")
        np.savez_compressed(
            path, words=np.asarray("\n".join(words)), vectors=np.round(_unit_rows(vectors) * INT8_SCALE).astype(np.int8)
        )


_default: WordVectors | None = None


def default_word_vectors() -> WordVectors | None:
    """Return the committed word vectors (loaded once per process), or None if none are committed."""
    global _default
    if _default is None and DEFAULT_WORDVEC_PATH.exists():
        _default = WordVectors.load(DEFAULT_WORDVEC_PATH)
    return _default


class DenseSpace:
    """Article vectors and per-article word lists for one index's word field.

    `weights` is the index's BM25 word field (documents x terms) and `vocab` its term -> column map.
    """

    def __init__(
        self,
        wv: WordVectors,
        vocab: Mapping[str, int],
        weights: sparse.spmatrix,
        asked_words: Sequence[Sequence[str]],
        asked_docs: Sequence[Sequence[int]],
    ):
        self.wv = wv
        n_docs, n_terms = weights.shape
        term_row = np.full(n_terms, -1, dtype=np.int64)
        for term, col in vocab.items():
            row = wv.index.get(term)
            if row is not None:
                term_row[col] = row
        known = term_row >= 0
        term_vecs = np.zeros((n_terms, wv.dim), dtype=np.float32)
        term_vecs[known] = wv.vectors[term_row[known]]
        csr = sparse.csr_matrix(weights)
        self.articles = _unit_rows(np.asarray(csr @ term_vecs))
        df = np.diff(sparse.csc_matrix(weights).indptr)
        self.idf = {term: float(np.log((n_docs + 1) / (df[col] + 0.5))) for term, col in vocab.items()}
        self.default_idf = float(np.log(n_docs + 1))
        # Per article, the word-vector rows of its known words (CSR layout: doc_ptr, doc_rows).
        keep = known[csr.indices]
        rows = term_row[csr.indices][keep]
        row_of_entry = np.repeat(np.arange(n_docs), np.diff(csr.indptr))
        counts = np.bincount(row_of_entry[keep], minlength=n_docs)
        self.doc_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.doc_rows = rows.astype(np.int64)
        self.asked = (
            _unit_rows(np.stack([self.vector(ws) for ws in asked_words]))
            if asked_words
            else np.zeros((0, wv.dim), dtype=np.float32)
        )
        self.asked_docs = [np.asarray(sorted(set(d)), dtype=np.int64) for d in asked_docs]

    def vector(self, words: Iterable[str]) -> np.ndarray:
        """Return the unit vector of a bag of words (zeros if none is known)."""
        v = np.zeros(self.wv.dim, dtype=np.float32)
        for w, n in Counter(words).items():
            row = self.wv.index.get(w)
            if row is not None:
                v += self.idf.get(w, self.default_idf) * (1.0 + np.log(n)) * self.wv.vectors[row]
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v

    def dense(self, qv: np.ndarray, docs: np.ndarray | None = None) -> np.ndarray:
        """Cosine of every article (or of `docs` only, zeros elsewhere) with the question vector."""
        if docs is None:
            return self.articles @ qv
        out = np.zeros(len(self.articles), dtype=np.float32)
        out[docs] = self.articles[docs] @ qv
        return out

    def near(self, qv: np.ndarray, n_docs: int) -> np.ndarray:
        """Votes of the closest earlier questions for their gold articles (squared cosine, best = 1)."""
        votes = np.zeros(n_docs, dtype=np.float32)
        if not len(self.asked) or not qv.any():
            return votes
        sim = self.asked @ qv
        n = min(NEAR_DENSE_QUESTIONS, len(sim))
        top = np.argpartition(-sim, n - 1)[:n]
        for qi in top[np.lexsort((top, -sim[top]))]:
            s = float(sim[qi])
            if s <= 0:
                break
            np.add.at(votes, self.asked_docs[qi], s * s)
        top_vote = float(votes.max())
        return votes / top_vote if top_vote > 0 else votes

    def soft_match(self, words: Sequence[str], cand: np.ndarray) -> np.ndarray:
        """Return (len(cand), 2): IDF-weighted mean best cosine per question word, and the IDF share
        of question words with a match at SOFT_MATCH_COSINE or more."""
        out = np.zeros((len(cand), SOFT_FEATURES))
        known = [w for w in dict.fromkeys(words) if w in self.wv.index]
        if not known or not len(cand):
            return out
        qv = self.wv.vectors[[self.wv.index[w] for w in known]]
        qi = np.asarray([self.idf.get(w, self.default_idf) for w in known])
        qi = qi / qi.sum()
        starts, ends = self.doc_ptr[cand], self.doc_ptr[cand + 1]
        lengths = ends - starts
        has = lengths > 0
        if not has.any():
            return out
        lengths = lengths[has]
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        # positions of every candidate's words in doc_rows, without a Python loop
        rows = self.doc_rows[np.repeat(starts[has] - offsets, lengths) + np.arange(int(lengths.sum()))]
        sims = self.wv.vectors[rows] @ qv.T  # (all candidate words, question words)
        best = np.maximum.reduceat(sims, offsets, axis=0)  # (candidates with words, question words)
        out[has, 0] = best @ qi
        out[has, 1] = (best >= SOFT_MATCH_COSINE) @ qi
        return out
