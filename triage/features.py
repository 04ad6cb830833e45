"""TF-IDF features over word and character n-grams, in plain Python + numpy.

Training and inference use this same class, so the model always sees exactly
the features it was trained on, and classifying needs neither scikit-learn
nor scipy (importing them alone would take most of the load-time budget).

Three blocks, each L2-normalised on its own so that no block dominates by
sheer size:
  * words: unigrams and bigrams of the normalised words, plus two pseudo-words
    for the structured form fields (place type, reporter type);
  * chars: character 4–5-grams inside word boundaries, which carry stems,
    compounds and misspellings ("wietlucht", "wiedlucht", "hennepkwekerij");
  * lexicon: the curated indicator scores per theme and rule family, so the
    model can learn how far to trust the lexicon next to the n-grams.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import NamedTuple

import numpy as np

CHAR_MIN, CHAR_MAX = 4, 5


def meta_tokens(place: str, reporter: str, question: bool, attachments: bool) -> tuple[str, ...]:
    """Pseudo-words for the structured form fields and the shape of the text.

    A question mark is a useful hint for `geen_ondermijning` ("waar kan ik ...?"),
    an attachment for a concrete, first-hand report.
    """
    tokens = []
    if place and place != "onbekend":
        tokens.append(f"__place_{place}")
    if reporter and reporter != "onbekend":
        tokens.append(f"__reporter_{reporter}")
    if question:
        tokens.append("__question")
    if attachments:
        tokens.append("__attachments")
    return tuple(tokens)


def word_features(words: Sequence[str], meta: Sequence[str]) -> list[str]:
    feats = list(words)
    feats.extend(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    feats.extend(meta)
    return feats


def char_ngrams(word: str) -> list[str]:
    padded = f" {word} "
    n = len(padded)
    return [padded[i:i + k] for k in range(CHAR_MIN, CHAR_MAX + 1) for i in range(n - k + 1)]


class Featurizer:
    """Maps a tokenised report to sparse TF-IDF features (indices, values)."""

    def __init__(self, word_vocab: list[str], char_vocab: list[str], lex_names: list[str],
                 idf: np.ndarray, lex_scale: float = 1.0) -> None:
        self.word_vocab = word_vocab
        self.char_vocab = char_vocab
        self.lex_names = lex_names
        self.word_index = {w: i for i, w in enumerate(word_vocab)}
        offset = len(word_vocab)
        self.char_index = {c: offset + i for i, c in enumerate(char_vocab)}
        offset += len(char_vocab)
        self.lex_index = {name: offset + i for i, name in enumerate(lex_names)}
        self.n_features = offset + len(lex_names)
        self.idf = idf.astype(np.float64)
        self.lex_scale = lex_scale
        # word -> unigram id + character n-gram ids (single-report path).
        self._unit_cache: dict[str, tuple[int, ...]] = {}

    # -- fitting ----------------------------------------------------------
    @classmethod
    def fit(cls, docs: Iterable[tuple[Sequence[str], Sequence[str]]], lex_names: list[str],
            min_df: int = 2, lex_scale: float = 1.0) -> Featurizer:
        """Build vocabularies and idf from training docs (words, meta tokens)."""
        word_df: dict[str, int] = {}
        char_df: dict[str, int] = {}
        n_docs = 0
        for words, meta in docs:
            n_docs += 1
            for f in set(word_features(words, meta)):
                word_df[f] = word_df.get(f, 0) + 1
            grams: set[str] = set()
            for w in set(words):
                grams.update(char_ngrams(w))
            for g in grams:
                char_df[g] = char_df.get(g, 0) + 1
        # Sorted vocabularies make the artifact independent of dict order.
        word_vocab = sorted(f for f, df in word_df.items() if df >= min_df or f.startswith("__"))
        char_vocab = sorted(g for g, df in char_df.items() if df >= min_df)

        def idf(df: int) -> float:
            return math.log((1 + n_docs) / (1 + df)) + 1.0

        idf_values = [idf(word_df[f]) for f in word_vocab] + [idf(char_df[g]) for g in char_vocab]
        idf_values += [1.0] * len(lex_names)
        return cls(word_vocab, char_vocab, lex_names, np.array(idf_values), lex_scale)

    # -- transforming ---------------------------------------------------------
    def _ids(self, words: Sequence[str], meta: Sequence[str]) -> list[int]:
        """Vocabulary ids of every word and character feature occurrence.

        Same features as `word_features` + `char_ngrams`, gathered with
        C-level map/join: this runs for every report.
        """
        # The order of ids does not matter (the batch counts them with
        # np.unique), so each word's unigram + n-gram ids come from one cached
        # tuple and are joined in C instead of a Python loop per word.
        cached = list(map(self._unit_cache.get, words))
        units: list[tuple[int, ...]] = (
            cached if None not in cached  # type: ignore[assignment]
            else [u if u is not None else self._unit(w)
                  for u, w in zip(cached, words, strict=True)])
        ids = list(chain.from_iterable(units))
        get = self.word_index.get
        bigrams = map(" ".join, zip(words, words[1:], strict=False))
        ids += [i for i in map(get, bigrams) if i is not None]
        ids += [i for i in map(get, meta) if i is not None]
        return ids

    def transform_many(self, docs: Sequence[tuple[Sequence[str], Sequence[str], dict[str, float]]]
                       ) -> Rows:
        """TF-IDF rows for a batch of (words, meta tokens, lexicon values).

        Python only gathers feature ids (with per-word caching); counting,
        sublinear tf, idf and the per-block L2 norm run vectorised in numpy.
        """
        lex_index = self.lex_index
        lengths = []
        all_ids: list[list[int]] = []
        lex_doc: list[int] = []
        lex_idx: list[int] = []
        lex_val: list[float] = []
        for d, (words, meta, lex_values) in enumerate(docs):
            ids = self._ids(words, meta)
            lengths.append(len(ids))
            all_ids.append(ids)
            found = [(lex_index[name], value) for name, value in lex_values.items()
                     if value and name in lex_index]
            if found:
                lex_doc.extend([d] * len(found))
                lex_idx.extend(i for i, _ in found)
                lex_val.extend(v for _, v in found)
        lex_val = [v * self.lex_scale for v in lex_val]
        flat = np.fromiter(chain.from_iterable(all_ids), dtype=np.int64, count=sum(lengths))
        if len(docs) == 1:
            doc, idx, values = self._single(flat)
        else:
            doc, idx, values = self._batch(flat, lengths)
        if lex_doc:
            lex = (np.asarray(lex_doc, dtype=np.int64), np.asarray(lex_idx, dtype=np.int64),
                   np.asarray(lex_val))
            if len(docs) == 1:
                doc, idx, values = (np.concatenate([a, b]) for a, b in
                                    zip((doc, idx, values), lex, strict=True))
            else:
                doc, idx, values = _interleave(len(docs), (doc, idx, values), lex)
        return Rows(len(docs), doc, idx, values)

    def _single(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One document: the same arithmetic as `_batch` with less overhead."""
        idx, counts = np.unique(ids, return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[idx]
        is_char = idx >= len(self.word_vocab)
        for mask in (~is_char, is_char):
            norm = math.sqrt(float(np.dot(values[mask], values[mask])))
            if norm:
                values[mask] /= norm
        return np.zeros(len(idx), dtype=np.int64), idx, values

    def _batch(self, flat: np.ndarray, lengths: list[int]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n_features = self.n_features
        doc_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        keys, counts = _count_sorted(doc_of * n_features + flat, len(lengths) * n_features)
        doc = keys // n_features
        idx = keys - doc * n_features
        values = (1.0 + np.log(counts)) * self.idf[idx]
        # Keys are sorted by document, then feature: word features (ids below
        # n_words) come before character features, so each (doc, block) is a
        # contiguous run.
        block = doc * 2 + (idx >= len(self.word_vocab))
        if len(block):
            starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1])))
            norms = np.sqrt(np.add.reduceat(values * values, starts))
            values = values / np.repeat(norms, np.diff(np.append(starts, len(block))))
        return doc, idx, values

    def transform(self, words: Sequence[str], meta: Sequence[str],
                  lex_values: dict[str, float]) -> Rows:
        return self.transform_many([(words, meta, lex_values)])

    def _unit(self, word: str) -> tuple[int, ...]:
        """Feature ids one occurrence of `word` contributes on its own: its
        unigram id (when in the vocabulary) and its character n-gram ids."""
        unit = self._unit_cache.get(word)
        if unit is None:
            wid = self.word_index.get(word)
            index = self.char_index
            chars = [i for i in map(index.get, char_ngrams(word)) if i is not None]
            unit = (wid, *chars) if wid is not None else tuple(chars)
            if len(self._unit_cache) > 200_000:
                self._unit_cache.clear()
            self._unit_cache[word] = unit
        return unit

    def _counts(self, words: Sequence[str], meta: Sequence[str]) -> Counter[int]:
        """Occurrences per feature id: the same multiset as `_ids`, counted in
        C from per-word cached tuples without building the flat list."""
        cached = list(map(self._unit_cache.get, words))
        units: list[tuple[int, ...]] = (
            cached if None not in cached  # type: ignore[assignment]
            else [u if u is not None else self._unit(w)
                  for u, w in zip(cached, words, strict=True)])
        get = self.word_index.get
        bigrams = [i for i in map(get, map(" ".join, zip(words, words[1:], strict=False)))
                   if i is not None]
        extra = [i for i in map(get, meta) if i is not None] if meta else []
        # One count over the whole stream: the keys keep the order of first
        # occurrence (words, bigrams, meta), as counting block by block did.
        return Counter(chain(chain.from_iterable(units), bigrams, extra))

    def transform_one(self, words: Sequence[str], meta: Sequence[str],
                      lex_values: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Feature indices and values of one report (the row `transform_many`
        gives for it), for single calls: counting in C (`Counter`) and a few
        numpy calls instead of the batch machinery, whose fixed cost
        dominates for one document."""
        counts = self._counts(words, meta)
        lex_index = self.lex_index
        found = [(lex_index[name], value) for name, value in lex_values.items()
                 if value and name in lex_index]
        n = len(counts)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=n)
        tf = np.fromiter(counts.values(), dtype=np.float64, count=n)
        values = (1.0 + np.log(tf)) * self.idf[idx]
        # Per-block L2 norm: block 0 = words, 1 = character n-grams.
        block = (idx >= len(self.word_vocab)).view(np.int8)
        sums = np.bincount(block, weights=values * values, minlength=2)
        norms = np.sqrt(sums)
        norms[norms == 0.0] = 1.0
        values /= norms[block]
        if found:
            scale = self.lex_scale
            idx = np.concatenate([idx, np.fromiter((i for i, _ in found), dtype=np.int64,
                                                   count=len(found))])
            values = np.concatenate([values, np.fromiter((v * scale for _, v in found),
                                                         dtype=np.float64, count=len(found))])
        return idx, values


def _count_sorted(keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(keys, return_counts=True)` for keys in [0, limit), faster:
    the keys are sorted as int32 when they fit, with the stable sort (the
    batch's keys come in runs, one per document, which it exploits). The
    sorted unique keys and their counts are the same whatever the sort."""
    if not len(keys):
        return keys, np.zeros(0, dtype=np.intp)
    small = keys.astype(np.int32) if limit < 2**31 else keys
    ordered = np.sort(small, kind="stable")
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(ordered)))
    return ordered[starts].astype(np.int64), counts


def _interleave(n_docs: int, text: tuple[np.ndarray, np.ndarray, np.ndarray],
                lex: tuple[np.ndarray, np.ndarray, np.ndarray]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(doc, idx, values) of text features followed, per document, by its
    lexicon features: the order a stable sort by document of the two blocks
    gives (the model sums entries in this order), placed in O(n) from counts
    instead of sorting. Both blocks are already ordered by document."""
    text_doc, lex_doc = text[0], lex[0]
    lex_counts = np.bincount(lex_doc, minlength=n_docs)
    lex_before = np.cumsum(lex_counts) - lex_counts  # lexicon entries of earlier documents
    text_upto = np.cumsum(np.bincount(text_doc, minlength=n_docs))  # text entries up to d
    text_pos = np.arange(len(text_doc)) + lex_before[text_doc]
    lex_pos = text_upto[lex_doc] + np.arange(len(lex_doc))
    out = []
    for t, x in zip(text, lex, strict=True):
        merged = np.empty(len(t) + len(x), dtype=np.result_type(t, x))
        merged[text_pos] = t
        merged[lex_pos] = x
        out.append(merged)
    return out[0], out[1], out[2]


class Rows(NamedTuple):
    """A batch of sparse feature rows: entry k belongs to document doc[k]."""

    n_docs: int
    doc: np.ndarray
    idx: np.ndarray
    values: np.ndarray
