"""Teach a trained model new actions from one example each, then recognise them or say "unknown".

>>> rec = Recognizer.load("runs/my-run")          # doctest: +SKIP
>>> rec.enrol("wave", [wave_sequence])            # doctest: +SKIP
>>> rec.recognize(query).label                    # doctest: +SKIP
'wave'

A model reads one kind of input, recorded in its run folder's ``input.json`` at training time (layout,
modality, frame rate) and ``config.yaml`` (centring, representation and its parameters): a query of another
layout or modality is refused with a message that says what the model expects.

Decision rule: the answer is the enrolled label whose nearest reference is nearest to the query, unless that
reference is farther than the threshold, in which case it is ``unknown``. The threshold comes from the run's
``calibration.json`` (:mod:`sldml.evaluation.openset`), from :meth:`Recognizer.calibrate` on the user's own
labelled data, or is given. ``confidence`` = (softmax share of the best label among the ``k`` nearest labels,
temperature = the calibration's median genuine distance) x (1 - the calibrated false-accept rate at the
query's distance): near 1 when one label is clearly nearest and a never-enrolled action would rarely come as
close.

One class, :class:`Recognizer`, over 300 lines: checking, fusing, embedding, enrolling, searching (exact or
shortlisted DTW) and deciding belong to one object a user holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from sldml.alignment import dtw
from sldml.bodies import convert
from sldml.errors import ConfigError, DataError
from sldml.evaluation.openset import DEFAULT_POINT, Calibration, OperatingPoint, calibrate
from sldml.fusion import fuse, fuse_pairs
from sldml.inference.gallery import Backend, Gallery, check_label
from sldml.layouts import get_layout
from sldml.runs import Run, embed, embedding_distances, load_run, write_calibration
from sldml.runs.folder import CALIBRATION, read_json
from sldml.sequence import Sequence, class_label

UNKNOWN = "unknown"
_GENERIC_MODALITIES = ("sensor",)  # what the array reader assigns when a file declares no modality


@dataclass(frozen=True)
class Recognition:
    """The answer for one query.

    Attributes:
        label: The recognised label, or ``"unknown"``.
        known: Whether the nearest reference is within the threshold.
        distance: Distance to the nearest reference.
        confidence: See the module docstring; 0 to 1.
        top_k: The nearest enrolled labels with their distances, nearest first.
        threshold: The threshold applied (``None``: no rejection).
        source: The query's source file.
    """

    label: str
    known: bool
    distance: float
    confidence: float
    top_k: list[tuple[str, float]] = field(default_factory=list)
    threshold: float | None = None
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields."""
        out = asdict(self)
        out["top_k"] = [{"label": label, "distance": d} for label, d in self.top_k]
        return out


def _fingerprint(run: Run, spec: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    for name, tensor in sorted(run.net.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    preprocess = {k: v for k, v in vars(run.config.preprocess).items() if k != "options" or v}  # as before options
    digest.update(json.dumps({"spec": spec, "preprocess": preprocess}, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def coarse_sequences(frames: torch.Tensor, segments: int) -> torch.Tensor:
    """(N, T, d) frame sequences to (N, segments * d) unit vectors: the mean frame of each equal time segment.

    Sequences shorter than ``segments`` frames repeat frames (adaptive average pooling).
    """
    pooled = torch.nn.functional.adaptive_avg_pool1d(frames.transpose(1, 2), segments)  # (N, d, segments)
    return torch.nn.functional.normalize(pooled.flatten(1), dim=1)


class Recognizer:
    """A trained embedding model, a gallery of enrolled references, and a rejection threshold.

    Build one with :meth:`load`.

    Args:
        run: A loaded run (:func:`sldml.runs.load_run`).
        spec: What the model reads: ``layout``, ``modality``, ``rate_hz``.
        calibration: The calibrated threshold, if any.
        threshold: Overrides the calibrated threshold (``None``: use the calibration's).

    Frame-level models (``frames``, ``tcn``) compare a query with every reference by DTW over their frames: exact, and
    about 5,000-7,000 pairs/s on a 2-core CPU. Above :attr:`shortlist_above` references the search is two-stage:
    the :attr:`shortlist` references nearest to the query by the Euclidean distance of coarse sequences (the
    mean frame of each of :attr:`shortlist_segments` equal time segments, concatenated, unit length), then exact
    DTW to those only; a reference outside the shortlist is never reported.
    """

    shortlist_above = 2000
    shortlist = 200
    shortlist_segments = 8

    def __init__(
        self, run: Run, spec: dict[str, Any], calibration: Calibration | None = None, threshold: float | None = None
    ) -> None:
        self.run = run
        self.spec = dict(spec)
        self.calibration = calibration
        self.threshold_override = threshold
        self.fingerprint = _fingerprint(run, self.spec)
        self.embedding_size = run.config.model.embedding_dim
        if run.net.frame_dim is not None:  # frame-level: frames x frame_dim values per embedding
            with torch.no_grad():
                self.embedding_size = int(run.net.embed(torch.zeros((1, *self.spec["image_shape"]))).shape[1])
        self.gallery = self.new_gallery()
        self._coarse_cache: tuple[npt.NDArray[Any], int, torch.Tensor] | None = None

    @classmethod
    def load(
        cls,
        path: str | Path,
        checkpoint: str = "last",
        threshold: float | None = None,
        layout: str | None = None,
        point: OperatingPoint | None = None,
    ) -> Recognizer:
        """Load a trained run (folder or checkpoint file) with its input spec and calibration.

        Args:
            path: The run folder or a checkpoint in it.
            checkpoint: ``last`` or ``best`` (see :func:`~sldml.runs.load_run`).
            threshold: Rejection threshold, overriding ``calibration.json``.
            layout: Only for runs made before ``input.json`` existed: the layout the model was trained on.
            point: Move the calibrated threshold to this operating point (``calibration.json`` keeps its own).

        Raises:
            ConfigError: If the run is incomplete, or has no ``input.json`` and no ``layout`` is given.
        """
        run = load_run(path, checkpoint)
        if run.spec:
            spec = run.spec
        elif layout is not None:
            spec = {"layout": layout, "modality": run.config.data.modality, "rate_hz": None}
        else:
            raise ConfigError(
                f"{run.path}: input.json is missing (a run from an older sldml); pass the layout it was trained on"
            )
        stored = read_json(run.path / CALIBRATION)
        calibration = None if stored is None else Calibration.from_dict(stored, str(run.path / CALIBRATION))
        if point is not None:
            if calibration is None:
                raise ConfigError(f"{run.path}: no calibration.json to choose an operating point on; calibrate first")
            calibration = calibration.at(point)
        return cls(run, spec, calibration, threshold)

    @property
    def threshold(self) -> float | None:
        """The rejection threshold in use (``None``: never answer unknown)."""
        if self.threshold_override is not None:
            return self.threshold_override
        return self.calibration.threshold if self.calibration is not None else None

    def new_gallery(self) -> Gallery:
        """An empty gallery for this model."""
        spec = {**self.spec, "preprocess": vars(self.run.config.preprocess)}
        return Gallery(self.fingerprint, self.embedding_size, spec)

    def load_gallery(self, path: str | Path) -> Gallery:
        """Use the gallery stored at ``path`` (refused if another model made it)."""
        self.gallery = Gallery.load(path, model=self.fingerprint)
        return self.gallery

    def to_model_layout(self, seq: Sequence) -> Sequence:
        """The sequence in the model's layout: as it is, or converted through the common body.

        A skeleton of another layout that maps onto the common body, as the model's does, with the same number of
        coordinates (3-D positions to 3-D positions), is converted (:func:`sldml.bodies.convert`): a gallery made
        from Kinect v1 answers MediaPipe world landmarks or motion capture.

        Raises:
            DataError: If it cannot be read by this model (see :meth:`check`).
        """
        want = self.spec["layout"]
        if seq.layout == want or self.spec["modality"] == "fused":
            return seq
        if seq.get_layout().body and get_layout(want).body:
            return convert(seq, want)
        return seq

    def check(self, seq: Sequence) -> None:
        """Refuse a sequence this model cannot read (after :meth:`to_model_layout`).

        Raises:
            DataError: If its layout or modality differs from the model's (the message says what it expects).
        """
        want_layout, want_modality = self.spec["layout"], self.spec["modality"]
        seq = self.to_model_layout(seq)
        generic = seq.modality in _GENERIC_MODALITIES and seq.layout == want_layout
        if seq.layout != want_layout or (seq.modality != want_modality and not generic):
            raise DataError(
                seq.source or "<sequence>",
                f"layout {seq.layout!r}, modality {seq.modality!r}: the model at {self.run.path} expects layout "
                f"{want_layout!r} ({want_modality}), or a skeleton it can convert through the common body",
            )

    def prepare(self, sequences: list[Sequence]) -> list[Sequence]:
        """Check sequences; for a fused model, fuse each trial's inertial and skeleton recordings first.

        Raises:
            DataError: If a sequence does not fit the model, or a fused model gets recordings it cannot pair.
        """
        if self.spec["modality"] == "fused" and any(s.modality != "fused" for s in sequences):
            separate = [s for s in sequences if s.modality != "fused"]
            if all(s.subject is not None and s.trial is not None for s in separate):
                fused, unpaired = fuse_pairs(separate)  # matched on class, subject and trial
            else:  # recordings without trial metadata: the i-th inertial with the i-th skeleton recording
                sensors = [s for s in separate if s.get_layout().kind != "skeleton"]
                skeletons = [s for s in separate if s.get_layout().kind == "skeleton"]
                if len(sensors) != len(skeletons):
                    where = ", ".join(str(s.source) for s in separate)
                    raise DataError(
                        where,
                        f"a fused model needs inertial and skeleton recordings in pairs; got {len(sensors)} "
                        f"inertial and {len(skeletons)} skeleton",
                    )
                fused, unpaired = [fuse(a, b) for a, b in zip(sensors, skeletons, strict=True)], []
            if unpaired:
                raise DataError(", ".join(str(s.source) for s in separate), f"cannot fuse: {'; '.join(unpaired)}")
            sequences = [s for s in sequences if s.modality == "fused"] + fused
        sequences = [self.to_model_layout(s) for s in sequences]
        for seq in sequences:
            self.check(seq)
        return sequences

    def embed(self, sequences: list[Sequence]) -> npt.NDArray[np.float32]:
        """Embeddings (N, d) of sequences, with the model's own preprocessing."""
        if not sequences:
            return np.zeros((0, self.embedding_size), dtype=np.float32)
        return embed(self.run.net, self.prepare(sequences), self.run.config).astype(np.float32)

    def enrol(self, label: str, sequences: list[Sequence]) -> Recognizer:
        """Add one or more references of ``label`` to the gallery.

        Raises:
            ConfigError: If no sequence is given or the label is invalid.
            DataError: If a sequence does not fit the model.
        """
        if not sequences:
            raise ConfigError(f"enrol {label!r}: give at least one sequence")
        prepared = self.prepare(sequences)
        self.gallery.add(label, self.embed(prepared), [str(s.source or "") for s in prepared])
        return self

    def enrol_into(self, path: str | Path, label: str, sequences: list[Sequence]) -> Gallery:
        """Add references of ``label`` to the gallery FILE at ``path`` (made if missing), under its lock.

        The sequences are embedded first; the file is then loaded, changed and saved while its lock is held
        (:meth:`Gallery.update`), so that concurrent enrolments into one file never lose each other's labels.
        The updated gallery becomes this recognizer's.

        Raises:
            ConfigError: If no sequence is given or the label is invalid.
            DataError: If a sequence does not fit the model, or the stored gallery is damaged or another model's.
        """
        if not sequences:
            raise ConfigError(f"enrol {label!r}: give at least one sequence")
        check_label(label)
        prepared = self.prepare(sequences)
        vectors = self.embed(prepared)
        spec = self.new_gallery().input_spec
        with Gallery.update(path, self.fingerprint, self.embedding_size, spec) as gallery:
            gallery.add(label, vectors, [str(s.source or "") for s in prepared])
        self.gallery = gallery
        return gallery

    def forget(self, label: str) -> int:
        """Remove every reference of ``label``; returns how many were removed."""
        return self.gallery.remove(label)

    def calibrate(
        self, sequences: list[Sequence], point: OperatingPoint = DEFAULT_POINT, source: str = ""
    ) -> Calibration:
        """Calibrate the threshold on labelled sequences of classes that will not be enrolled (see openset)."""
        prepared = self.prepare(sequences)
        labels = [class_label(s) for s in prepared]
        self.calibration = calibrate(self.embed(prepared), labels, point, source, self.distances)
        self.threshold_override = None
        return self.calibration

    def save_calibration(self) -> Path:
        """Write the current calibration into the run folder's ``calibration.json``.

        Raises:
            ConfigError: If there is no calibration.
        """
        if self.calibration is None:
            raise ConfigError("no calibration to save: calibrate first")
        return write_calibration(self.run.path, self.calibration.to_dict())

    def distances(self, references: npt.NDArray[Any], queries: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """(queries x references) distances in the model's metric (Euclidean, or DTW of frame-level embeddings)."""
        return embedding_distances(self.run.net, references, queries)

    def shortlisted_distances(self, references: npt.NDArray[Any], queries: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Two-stage distances: exact DTW to each query's shortlist, infinity to every other reference.

        The shortlist is the :attr:`shortlist` references nearest by the Euclidean distance of coarse sequences
        (:func:`coarse_sequences`; a single mean frame would be zero for frames centred over time).

        Raises:
            ConfigError: If the model is not frame-level.
        """
        frame_dim = self.run.net.frame_dim
        if frame_dim is None:
            raise ConfigError("a shortlist needs a frame-level model (frames, tcn)")
        refs = torch.from_numpy(np.asarray(references, dtype=np.float32)).reshape(len(references), -1, frame_dim)
        qs = torch.from_numpy(np.asarray(queries, dtype=np.float32)).reshape(len(queries), -1, frame_dim)
        pooled_refs = self._coarse_references(references, refs)
        pooled_qs = coarse_sequences(qs, self.shortlist_segments)
        m = min(self.shortlist, len(refs))
        out = np.full((len(qs), len(refs)), np.inf)
        for start in range(0, len(qs), 32):
            # Coarse sequences are unit vectors: the nearest by Euclidean distance have the largest dot products.
            block = pooled_qs[start : start + 32] @ pooled_refs.T
            candidates = block.topk(m, dim=1).indices
            rows = torch.arange(start, start + len(block)).repeat_interleave(m)
            aligned = dtw(qs[rows], refs[candidates.reshape(-1)]).double().numpy()
            out[rows.numpy(), candidates.reshape(-1).numpy()] = aligned
        return out

    def _coarse_references(self, references: npt.NDArray[Any], frames: torch.Tensor) -> torch.Tensor:
        """The references' coarse sequences, computed once per references array (a gallery's, between changes).

        :meth:`Gallery.add` and :meth:`Gallery.remove` replace the gallery's array, so a changed gallery is pooled
        again; with 100,000 references, pooling them for every query would cost more than the whole search.
        """
        cached = self._coarse_cache
        if cached is not None and cached[0] is references and cached[1] == self.shortlist_segments:
            return cached[2]
        pooled = coarse_sequences(frames, self.shortlist_segments)
        self._coarse_cache = (references, self.shortlist_segments, pooled)
        return pooled

    def _nearest(self, embeddings: npt.ArrayLike, k: int, backend: Backend) -> list[list[tuple[str, float]]]:
        if self.run.net.frame_dim is None:
            return self.gallery.nearest_labels(embeddings, k, backend)
        queries = np.asarray(embeddings)
        if len(self.gallery.vectors) <= self.shortlist_above:  # exact aligned distance to every reference
            return self.gallery.nearest_labels_from(self.distances(self.gallery.vectors, queries), k)
        ranked = self.gallery.nearest_labels_from(self.shortlisted_distances(self.gallery.vectors, queries), k)
        return [[(label, d) for label, d in top if np.isfinite(d)] for top in ranked]

    def recognize(self, seq: Sequence, k: int = 5, backend: Backend = "auto") -> Recognition:
        """Recognise one sequence (see :meth:`recognize_many`)."""
        return self.recognize_many([seq], k, backend)[0]

    def recognize_many(self, sequences: list[Sequence], k: int = 5, backend: Backend = "auto") -> list[Recognition]:
        """Recognise sequences against the gallery.

        Args:
            sequences: Queries.
            k: How many nearest labels to report.
            backend: Gallery search backend (``auto``, ``torch`` or ``faiss``).

        Raises:
            ConfigError: If the gallery is empty or ``k`` < 1.
        """
        if k < 1:
            raise ConfigError(f"k={k}: expected at least 1")
        prepared = self.prepare(sequences)
        ranked = self._nearest(self.embed(prepared), k, backend)
        return [self._decide(top, seq.source) for top, seq in zip(ranked, prepared, strict=True)]

    def recognize_embeddings(
        self, embeddings: npt.ArrayLike, k: int = 5, backend: Backend = "auto"
    ) -> list[Recognition]:
        """Recognise already embedded queries (as :meth:`embed` returns them)."""
        return [self._decide(top, None) for top in self._nearest(embeddings, k, backend)]

    def _decide(self, top: list[tuple[str, float]], source: str | None) -> Recognition:
        best_label, best = top[0]
        threshold = self.threshold
        known = threshold is None or best <= threshold
        temperature = self.calibration.temperature if self.calibration is not None else 1.0
        distances = np.array([d for _, d in top])
        weights = np.exp(-(distances - best) / max(temperature, 1e-12))
        share = float(weights[0] / weights.sum())
        novelty = 1.0 - self.calibration.false_accept_rate(best) if self.calibration is not None else 1.0
        return Recognition(
            label=best_label if known else UNKNOWN,
            known=known,
            distance=best,
            confidence=round(share * novelty, 4),
            top_k=top,
            threshold=threshold,
            source=source,
        )
