"""The trained statistical model as a small, safe artifact.

The artifact (`data/model.npz`) is a plain zip of numpy arrays, loaded with
`allow_pickle=False`: opening it can never execute code, unlike a pickled
scikit-learn estimator. It holds the featurizer vocabularies and idf, the
weight matrix of every linear head (theme, urgency, riec) and a JSON header
with the class names and training metadata.

Inference is a sparse dot product done with numpy, batched over many reports
at once: the per-report cost is a few dictionary lookups and one gather.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .features import Featurizer, Rows

DEFAULT_MODEL_FILE = Path(__file__).parent / "data" / "model.npz"
FORMAT_VERSION = 1
CHUNK = 50_000  # feature entries per block in the batched dot product


class ModelError(RuntimeError):
    """The model artifact is missing, corrupt or of an unknown format."""


@dataclass
class Head:
    """One linear classifier over the shared features: logits = x·W + b."""

    name: str
    classes: tuple[str, ...]
    start: int  # first column of this head in the stacked weight matrix
    bias: np.ndarray

    @property
    def bias_list(self) -> list[float]:
        cached = self.__dict__.get("_bias_list")
        if cached is None or cached[0] is not self.bias:
            cached = (self.bias, self.bias.tolist())
            self.__dict__["_bias_list"] = cached
        return cached[1]


class LinearModel:
    def __init__(self, featurizer: Featurizer, heads: dict[str, tuple[list[str], np.ndarray,
                 np.ndarray]], meta: dict[str, Any]) -> None:
        self.featurizer = featurizer
        self.meta = meta
        self.heads: dict[str, Head] = {}
        blocks = []
        start = 0
        for name, (classes, weights, bias) in heads.items():
            if weights.shape != (featurizer.n_features, len(classes)):
                raise ModelError(f"head {name}: weight shape {weights.shape} does not fit")
            self.heads[name] = Head(name, tuple(classes), start, bias.astype(np.float64))
            blocks.append(weights.astype(np.float32))
            start += len(classes)
        # One stacked matrix: a single gather serves every head.
        self.weights = np.ascontiguousarray(np.hstack(blocks))

    @property
    def version(self) -> str:
        return str(self.meta.get("model_version", "unknown"))

    def logits(self, rows: Rows) -> dict[str, np.ndarray]:
        """Logits per head for a batch of feature rows -> {head: (n, classes)}."""
        scores = np.zeros((rows.n_docs, self.weights.shape[1]), dtype=np.float64)
        n = len(rows.idx)
        if n and rows.n_docs == 1:
            scores[0] = rows.values.astype(np.float32) @ np.take(self.weights, rows.idx, axis=0)
        elif n:
            # Rows are sorted by document: `starts` are the first entries of each.
            starts = np.flatnonzero(np.concatenate(([True], rows.doc[1:] != rows.doc[:-1])))
            values = rows.values.astype(np.float32)
            # Gather in blocks of about CHUNK entries (whole documents) so the
            # gathered weights stay in cache; float32 halves the traffic.
            per_block = max(1, int(len(starts) * CHUNK / n))
            block_starts = starts[::per_block]
            for b, lo in enumerate(block_starts):
                hi = block_starts[b + 1] if b + 1 < len(block_starts) else n
                first = starts[(starts >= lo) & (starts < hi)]
                # np.take gathers rows several times faster than fancy
                # indexing (same values); the product is formed in place.
                contrib = np.take(self.weights, rows.idx[lo:hi], axis=0)
                contrib *= values[lo:hi, None]
                scores[rows.doc[first]] = np.add.reduceat(contrib, first - lo, axis=0)
        out = {}
        for name, head in self.heads.items():
            out[name] = scores[:, head.start:head.start + len(head.classes)] + head.bias
        return out

    def probabilities_one(self, idx: np.ndarray, values: np.ndarray) -> dict[str, list[float]]:
        """Softmax probabilities per head for one report (`Featurizer.transform_one`).

        The same arithmetic as `logits` + `softmax`; for a single row a
        handful of plain floats is cheaper than more numpy calls.
        """
        if len(idx):
            scores = (values.astype(np.float32) @ np.take(self.weights, idx, axis=0)).tolist()
        else:
            scores = [0.0] * self.weights.shape[1]
        out = {}
        exp = math.exp
        for name, head in self.heads.items():
            start = head.start
            row = [scores[start + k] + b for k, b in enumerate(head.bias_list)]
            top = max(row)
            e = [exp(x - top) for x in row]
            total = sum(e)
            out[name] = [x / total for x in e]
        return out

    # -- persistence ------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the artifact byte-for-byte reproducibly (fixed zip timestamps)."""
        f = self.featurizer
        arrays: dict[str, np.ndarray] = {
            "word_vocab": _encode_strings(f.word_vocab),
            "char_vocab": _encode_strings(f.char_vocab),
            "lex_names": _encode_strings(f.lex_names),
            "idf": f.idf.astype(np.float32),
        }
        header = {
            "format": FORMAT_VERSION,
            "lex_scale": f.lex_scale,
            "heads": {name: list(h.classes) for name, h in self.heads.items()},
            "meta": self.meta,
        }
        for name, head in self.heads.items():
            cols = slice(head.start, head.start + len(head.classes))
            arrays[f"W_{name}"] = self.weights[:, cols]
            arrays[f"b_{name}"] = head.bias.astype(np.float32)
        arrays["header"] = np.frombuffer(
            json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8"), dtype=np.uint8
        )
        path = Path(path)
        tmp = path.with_suffix(".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(arrays):
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[name]),
                                          allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, buffer.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_FILE) -> LinearModel:
        path = Path(path)
        if not path.exists():
            raise ModelError(
                f"model file {path} not found; build it with `python -m triage train`"
            )
        try:
            with np.load(path, allow_pickle=False) as data:
                header = json.loads(bytes(data["header"]).decode("utf-8"))
                if header.get("format") != FORMAT_VERSION:
                    raise ModelError(f"model file {path}: unknown format {header.get('format')}")
                featurizer = Featurizer(
                    _decode_strings(data["word_vocab"]),
                    _decode_strings(data["char_vocab"]),
                    _decode_strings(data["lex_names"]),
                    data["idf"],
                    float(header.get("lex_scale", 1.0)),
                )
                heads = {
                    name: (classes, data[f"W_{name}"], data[f"b_{name}"])
                    for name, classes in header["heads"].items()
                }
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise ModelError(f"model file {path} is unreadable: {exc}") from exc
        return cls(featurizer, heads, header.get("meta", {}))


def _encode_strings(items: list[str]) -> np.ndarray:
    # Vocabulary entries never contain a newline: text is tokenised first.
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8)


def _decode_strings(array: np.ndarray) -> list[str]:
    text = bytes(array).decode("utf-8")
    return text.split("\n") if text else []


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)
