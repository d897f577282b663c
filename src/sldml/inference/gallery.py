"""A gallery: the enrolled reference embeddings, their labels, and the model they belong to.

On disk a gallery is one `safetensors <https://huggingface.co/docs/safetensors>`_ file (no pickle)::

    tensor  "vectors"   float32 (N, d)    one row per enrolled reference
    metadata (strings):
      "sldml_gallery"   format version ("2")
      "labels"          JSON list of N labels
      "sources"         JSON list of N source files (where each reference came from)
      "model"           the model fingerprint (:attr:`sldml.inference.Recognizer.fingerprint`)
      "input"           JSON: layout, modality, representation and its parameters
      "created", "updated"  ISO 8601 times
      "sha256"          hex digest of the vectors' bytes AND of every other metadata field (:func:`_digest`)

A gallery whose content does not match its digest (a vector, a label, a source or any metadata edited, or the
file damaged), whose labels do not match the rows, that holds a non-finite vector or an empty or reserved label,
or that was made by another model is refused. Format 1 galleries (before 2026-12-01) covered only the vectors:
they are refused too (enrol the references again). Saving writes a temporary file beside the target and renames
it over the target (:func:`sldml.resources.write_bytes_atomic`), so a crash leaves either the old gallery or the
new one, never half of one; :meth:`Gallery.update` changes a gallery file under a lock, so that concurrent
enrolments never lose one another's labels.

Search backends:

- ``torch``: exact, chunked matrix products; ``auto`` below :data:`FAISS_MIN_SIZE` vectors;
- ``faiss``: exact, ``faiss.IndexFlatL2``, the same answers as ``torch`` (tested) and about twice as fast on
  large galleries (1,000 queries x 1,000,000 references: 2.5 s against 5.6 s on a 2-core CPU); ``auto`` from
  :data:`FAISS_MIN_SIZE` vectors up;
- ``faiss-ivf``: approximate, ``faiss.IndexIVFFlat`` with ``sqrt(N)`` lists, :data:`IVF_NPROBE` of them
  searched per query (k-means on at most 64 points per list), for galleries too large for exact search;
  recall against exact search is measured by ``benchmarks/bench_recognizer.py``.

faiss indexes are built on first search and kept until the gallery changes.

One class, :class:`Gallery`, over 300 lines: its storage, its file format and its search change together.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import torch
from filelock import FileLock
from filelock import Timeout as LockTimeout
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save

from sldml.errors import ConfigError, DataError
from sldml.resources import write_bytes_atomic

FORMAT_VERSION = "2"
RESERVED_LABELS = ("unknown",)
"""Labels a gallery may not hold: ``unknown`` is the answer for queries far from every reference."""
LOCK_TIMEOUT_S = 120.0
"""How long :meth:`Gallery.update` waits for another process's change of the same gallery."""
FAISS_MIN_SIZE = 100_000
"""Galleries of at least this many vectors are searched with exact faiss when ``backend="auto"``."""
IVF_NPROBE = 16
"""Inverted lists searched per query by the ``faiss-ivf`` backend."""
_CHUNK = 131_072
Backend = Literal["auto", "torch", "faiss", "faiss-ivf"]
BACKENDS = ("auto", "torch", "faiss", "faiss-ivf")


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _digest(vectors: npt.NDArray[np.float32], metadata: dict[str, str]) -> str:
    """sha256 of the vectors' bytes and of every metadata field but the digest itself (sorted, JSON)."""
    digest = hashlib.sha256(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
    fields = {k: v for k, v in metadata.items() if k != "sha256"}
    digest.update(json.dumps(fields, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def check_label(label: object, where: str = "label") -> str:
    """A label a gallery may hold: non-empty text, not reserved, without control characters.

    Raises:
        ConfigError: Naming what is wrong.
    """
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}: expected a non-empty name, got {label!r}")
    if label in RESERVED_LABELS:
        raise ConfigError(f"{where}: {label!r} is the answer for queries far from every reference; choose another")
    if any(not ch.isprintable() for ch in label):
        raise ConfigError(f"{where}: {label!r} holds control characters; expected printable text")
    return label


def _topk_torch(gallery: npt.NDArray[np.float32], queries: npt.NDArray[np.float32], k: int) -> tuple[Any, Any]:
    g = torch.from_numpy(gallery)
    q = torch.from_numpy(queries)
    best_d = torch.zeros((len(q), 0))
    best_i = torch.zeros((len(q), 0), dtype=torch.long)
    for start in range(0, len(g), _CHUNK):
        chunk = g[start : start + _CHUNK]
        # |q - g|^2 = |q|^2 + |g|^2 - 2 q.g; |q|^2 is the same for every reference, so rank by |g|^2 - 2 q.g
        score = torch.mm(q, chunk.T).mul_(-2.0).add_((chunk * chunk).sum(1))
        d, i = torch.topk(score, min(k, len(chunk)), dim=1, largest=False)
        best_d, order = torch.sort(torch.cat([best_d, d], 1), dim=1)
        best_i = torch.gather(torch.cat([best_i, i + start], 1), 1, order)
        best_d, best_i = best_d[:, :k], best_i[:, :k]
    squared = best_d + (q * q).sum(1, keepdim=True)
    return squared.clamp_(min=0.0).sqrt().numpy(), best_i.numpy()


def _faiss_index(gallery: npt.NDArray[np.float32], approximate: bool) -> Any:
    import faiss  # imported here: only large galleries need it

    dim = gallery.shape[1]
    index: Any
    if not approximate:
        index = faiss.IndexFlatL2(dim)
    else:
        lists = max(1, int(np.sqrt(len(gallery))))
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(dim), dim, lists)
        sample = np.random.default_rng(0).choice(len(gallery), min(len(gallery), 64 * lists), replace=False)
        index.train(gallery[np.sort(sample)])
        index.nprobe = min(IVF_NPROBE, lists)
    index.add(gallery)
    return index


class Gallery:
    """Enrolled references of one model.

    Args:
        model: Fingerprint of the model whose embeddings these are.
        dim: Embedding size.
        input_spec: What the model reads (layout, modality, representation), stored with the gallery.
    """

    def __init__(self, model: str, dim: int, input_spec: dict[str, Any] | None = None) -> None:
        self.model = model
        self.dim = dim
        self.input_spec = dict(input_spec or {})
        self.vectors = np.zeros((0, dim), dtype=np.float32)
        self.labels: list[str] = []
        self.sources: list[str] = []
        self.created = _now()
        self.updated = self.created
        self._index: tuple[str, Any] | None = None  # (backend, faiss index), built on first search

    def __len__(self) -> int:
        return len(self.labels)

    def counts(self) -> dict[str, int]:
        """References per label, in enrolment order."""
        return dict(Counter(self.labels))

    def add(self, label: str, vectors: npt.ArrayLike, sources: list[str] | None = None) -> None:
        """Enrol references of a label (adds to any it already has).

        Raises:
            ConfigError: If the label is empty, reserved or not printable, or the vectors have the wrong size or are
                not finite.
        """
        check_label(label)
        array = np.asarray(vectors, dtype=np.float32)
        array = array[None] if array.ndim == 1 else array
        if array.ndim != 2 or array.shape[1] != self.dim or len(array) == 0:
            raise ConfigError(f"label {label!r}: expected (N, {self.dim}) embeddings, got shape {np.shape(vectors)}")
        if not np.all(np.isfinite(array)):
            raise ConfigError(f"label {label!r}: embeddings contain NaN or infinity")
        names = list(sources) if sources is not None else [""] * len(array)
        if len(names) != len(array):
            raise ConfigError(f"label {label!r}: {len(array)} embeddings but {len(names)} sources")
        self.vectors = np.concatenate([self.vectors, array])
        self.labels += [label] * len(array)
        self.sources += names
        self.updated = _now()
        self._index = None

    def remove(self, label: str) -> int:
        """Forget every reference of a label; returns how many were removed.

        Raises:
            ConfigError: If the label is not enrolled.
        """
        keep = [i for i, name in enumerate(self.labels) if name != label]
        removed = len(self.labels) - len(keep)
        if removed == 0:
            raise ConfigError(f"label {label!r} is not enrolled; enrolled: {', '.join(self.counts()) or 'none'}")
        self.vectors = self.vectors[keep]
        self.labels = [self.labels[i] for i in keep]
        self.sources = [self.sources[i] for i in keep]
        self.updated = _now()
        self._index = None
        return removed

    def search(self, queries: npt.ArrayLike, k: int, backend: Backend = "auto") -> tuple[Any, Any]:
        """The ``k`` nearest references of each query (Euclidean; exact unless the backend is ``faiss-ivf``).

        Returns:
            (Q, k') distances (ascending) and indices into the gallery, k' = min(k, len(gallery)).

        Raises:
            ConfigError: If the gallery is empty or the queries have the wrong size.
        """
        if not self.labels:
            raise ConfigError("the gallery is empty: enrol at least one label first")
        q = np.ascontiguousarray(np.atleast_2d(np.asarray(queries, dtype=np.float32)))
        if backend not in BACKENDS:
            raise ConfigError(f"backend={backend!r}; valid: {', '.join(BACKENDS)}")
        if q.shape[1] != self.dim:
            raise ConfigError(f"queries of size {q.shape[1]}; the gallery holds {self.dim}-d embeddings")
        k = min(k, len(self.labels))
        if backend == "auto":
            backend = "faiss" if len(self.labels) >= FAISS_MIN_SIZE else "torch"
        if backend == "torch":
            return _topk_torch(np.ascontiguousarray(self.vectors), q, k)
        if self._index is None or self._index[0] != backend:
            self._index = (backend, _faiss_index(np.ascontiguousarray(self.vectors), backend == "faiss-ivf"))
        squared, indices = self._index[1].search(q, k)
        return np.sqrt(np.maximum(squared, 0.0)), indices

    def nearest_labels(
        self, queries: npt.ArrayLike, k: int, backend: Backend = "auto"
    ) -> list[list[tuple[str, float]]]:
        """Per query, the ``k`` nearest distinct labels with their distance (the nearest reference of each).

        Searches enough references that the answer is exact: the k-th distinct label's nearest reference is
        at most ``(k - 1) * m + 1`` deep, where ``m`` is the largest number of references of one label.
        """
        most = max(self.counts().values(), default=1)
        distances, indices = self.search(queries, (k - 1) * most + 1, backend)
        out = []
        for row_d, row_i in zip(distances, indices, strict=True):
            seen: dict[str, float] = {}
            for d, i in zip(row_d, row_i, strict=True):
                if i >= 0 and self.labels[i] not in seen:
                    seen[self.labels[i]] = float(d)
                if len(seen) == k:
                    break
            out.append(list(seen.items()))
        return out

    def nearest_labels_from(self, distances: npt.ArrayLike, k: int) -> list[list[tuple[str, float]]]:
        """Per query, the ``k`` nearest distinct labels, from a full (Q x len(gallery)) distance matrix (any metric).

        Raises:
            ConfigError: If the gallery is empty or the matrix has the wrong number of columns.
        """
        matrix = np.atleast_2d(np.asarray(distances, dtype=np.float64))
        if not self.labels:
            raise ConfigError("the gallery is empty: enrol at least one label first")
        if matrix.shape[1] != len(self.labels):
            raise ConfigError(f"{matrix.shape[1]} distances per query for a gallery of {len(self.labels)}")
        names = list(self.counts())
        number = {name: i for i, name in enumerate(names)}
        codes = np.fromiter((number[label] for label in self.labels), dtype=np.int64, count=len(self.labels))
        grouped = np.argsort(codes, kind="stable")  # each label's columns together, in label order
        starts = np.searchsorted(codes[grouped], np.arange(len(names)))
        per_label = np.minimum.reduceat(matrix[:, grouped], starts, axis=1)
        order = np.argsort(per_label, axis=1, kind="stable")[:, :k]
        return [[(names[j], float(row[j])) for j in ranks] for row, ranks in zip(per_label, order, strict=True)]

    def _metadata(self) -> dict[str, str]:
        metadata = {
            "sldml_gallery": FORMAT_VERSION,
            "labels": json.dumps(self.labels),
            "sources": json.dumps(self.sources),
            "model": self.model,
            "input": json.dumps(self.input_spec, sort_keys=True),
            "created": self.created,
            "updated": self.updated,
        }
        metadata["sha256"] = _digest(self.vectors, metadata)
        return metadata

    def save(self, path: str | Path) -> Path:
        """Write the gallery atomically (temporary file, then rename)."""
        vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        return write_bytes_atomic(path, save({"vectors": vectors}, metadata=self._metadata()))

    @classmethod
    @contextmanager
    def update(
        cls, path: str | Path, model: str | None, dim: int = 0, input_spec: dict[str, Any] | None = None
    ) -> Iterator[Gallery]:
        """Change a gallery file under a lock: load it (or start an empty one), let the caller change it, save it.

        Args:
            path: The gallery file.
            model: The fingerprint of the model that changes it (a stored gallery of another model is refused);
                ``None``: any model, and the file must exist.
            dim: Embedding size of a new gallery.
            input_spec: What the model reads, for a new gallery.

        Other processes that change the same file wait for the lock (``<file>.lock`` beside it), so N concurrent
        enrolments keep all N labels. Nothing is saved if the caller raises.

        Raises:
            DataError: If the stored gallery is damaged or another model's, or the lock is not free within
                :data:`LOCK_TIMEOUT_S` seconds.
        """
        target = Path(path)
        lock = FileLock(str(target) + ".lock")
        try:
            lock.acquire(timeout=LOCK_TIMEOUT_S)
        except LockTimeout:
            raise DataError(target, f"another process holds its lock for over {LOCK_TIMEOUT_S:.0f} s") from None
        try:
            stored = target.exists() or model is None
            gallery = cls.load(target, model=model) if stored else cls(str(model), dim, input_spec)
            yield gallery
            gallery.save(target)
        finally:
            lock.release()

    def build_index(self, backend: Backend = "auto") -> None:
        """Build the faiss index now rather than on the first search (no-op for torch search)."""
        if len(self.labels):
            self.search(self.vectors[:1], 1, backend)

    @classmethod
    def load(cls, path: str | Path, model: str | None = None) -> Gallery:
        """Read a gallery written by :meth:`save`.

        Args:
            path: The gallery file.
            model: If given, the fingerprint of the model that will search it; a gallery of another model
                is refused.

        Raises:
            DataError: If the file is missing, truncated, edited, not a gallery, or made by another model.
        """
        source = Path(path)
        if not source.is_file():
            raise DataError(source, "gallery file not found")
        try:
            with safe_open(str(source), framework="np") as handle:
                meta = handle.metadata() or {}
                if "vectors" not in handle.keys():  # noqa: SIM118  (safe_open has keys(), not __contains__)
                    raise DataError(source, "not an sldml gallery: no 'vectors' tensor")
                vectors = handle.get_tensor("vectors")
        except (SafetensorError, OSError, ValueError) as err:
            reason = str(err).splitlines()[0][:100] if str(err) else type(err).__name__
            raise DataError(source, f"not a readable gallery file (truncated or damaged?): {reason}") from None
        if meta.get("sldml_gallery") != FORMAT_VERSION:
            found = meta.get("sldml_gallery")
            hint = "; format 1 did not cover labels by its checksum: enrol the references again" if found == "1" else ""
            raise DataError(source, f"field 'sldml_gallery': expected format {FORMAT_VERSION}, got {found!r}{hint}")
        try:
            labels, sources, spec = json.loads(meta["labels"]), json.loads(meta["sources"]), json.loads(meta["input"])
            fingerprint, digest = meta["model"], meta["sha256"]
        except (KeyError, json.JSONDecodeError) as err:
            problem = f"{type(err).__name__}: {str(err)[:80]}"
            raise DataError(source, f"gallery metadata is damaged or incomplete ({problem})") from None
        if vectors.ndim != 2 or vectors.dtype != np.float32:
            raise DataError(source, f"field 'vectors': expected float32 (N, d), got {vectors.dtype} {vectors.shape}")
        if not (isinstance(labels, list) and isinstance(sources, list) and len(labels) == len(vectors) == len(sources)):
            raise DataError(source, f"field 'labels': {len(labels)} labels for {len(vectors)} vectors")
        if _digest(vectors, meta) != digest:
            raise DataError(source, "field 'sha256': checksum mismatch; the file was edited or damaged")
        if not np.all(np.isfinite(vectors)):
            raise DataError(source, "field 'vectors': NaN or infinite values; expected finite embeddings")
        for number, label in enumerate(labels):
            try:
                check_label(label, f"field 'labels' [{number}]")
            except ConfigError as err:
                raise DataError(source, str(err)) from None
        if model is not None and fingerprint != model:
            raise DataError(
                source,
                f"field 'model': this gallery was made by model {fingerprint}, not by the loaded model {model}; "
                "enrol the references again with this model",
            )
        gallery = cls(fingerprint, int(vectors.shape[1]), spec)
        gallery.vectors, gallery.labels, gallery.sources = vectors, list(labels), [str(x) for x in sources]
        gallery.created, gallery.updated = meta.get("created", ""), meta.get("updated", "")
        return gallery

    def describe(self) -> dict[str, Any]:
        """JSON-friendly summary: labels with counts, model, input, size, times."""
        return {
            "labels": self.counts(),
            "references": len(self),
            "dim": self.dim,
            "model": self.model,
            "input": self.input_spec,
            "created": self.created,
            "updated": self.updated,
        }
