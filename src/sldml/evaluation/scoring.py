"""Score a network on a one-shot split beside the configured baselines, and calibrate its open-set threshold."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from sldml.config import Config
from sldml.evaluation.baselines import run_baseline
from sldml.evaluation.oneshot import score_distances
from sldml.evaluation.openset import DEFAULT_POINT, OperatingPoint, calibrate
from sldml.models import EmbeddingNet, method_name
from sldml.protocols import OneShotSplit
from sldml.records import OneShotResults
from sldml.resources import write_bytes_atomic
from sldml.runs import embed, embedding_distances
from sldml.runs.folder import EMBEDDINGS
from sldml.sequence import Sequence, class_label

CALIBRATION_PER_CLASS = 20
"""Samples per class that the end-of-training calibration embeds."""


def frame_norm(config: Config) -> str:
    """The frame normalisation the ``dtw_frames`` baseline uses: the ``frames`` backbone's ``norm`` option."""
    return str(config.model.options.get("norm", "auto"))


def baseline_scores(config: Config, split: OneShotSplit) -> dict[str, Any]:
    """The configured baselines' scores on a split, by name."""
    return {
        name: run_baseline(name, split, config.preprocess, frame_norm(config)).summary()
        for name in config.evaluate.baselines
    }


def evaluate_split(
    net: EmbeddingNet, split: OneShotSplit, config: Config, run_dir: Path | None = None
) -> OneShotResults:
    """One-shot scores of the model and the configured baselines on a split; saves embeddings to ``run_dir``."""
    references, queries = embed(net, split.references, config), embed(net, split.queries, config)
    ref_labels = [class_label(s) for s in split.references]
    query_labels = [class_label(s) for s in split.queries]
    model = score_distances(embedding_distances(net, references, queries), ref_labels, query_labels)
    if run_dir is not None:
        buffer = io.BytesIO()
        np.savez(
            buffer,
            reference_embeddings=references,
            reference_labels=np.array(ref_labels),
            reference_sources=np.array([str(s.source) for s in split.references]),
            query_embeddings=queries,
            query_labels=np.array(query_labels),
            query_sources=np.array([str(s.source) for s in split.queries]),
        )
        write_bytes_atomic(run_dir / EMBEDDINGS, buffer.getvalue())
    return OneShotResults(
        method=method_name(config.model),
        epochs=config.train.epochs,
        references=len(ref_labels),
        queries=len(query_labels),
        evaluation_classes=ref_labels,
        model=model.summary(),
        baselines=baseline_scores(config, split),
    )


def calibrate_on(
    net: EmbeddingNet, sequences: list[Sequence], config: Config, source: str, point: OperatingPoint = DEFAULT_POINT
) -> dict[str, Any]:
    """Calibrate the rejection threshold on labelled samples (:func:`sldml.evaluation.openset.calibrate`).

    Each class's first sample (in the given order) is its reference; at most :data:`CALIBRATION_PER_CLASS`
    samples of a class are used.
    """
    by_class: dict[str, list[Sequence]] = {}
    for seq in sequences:
        by_class.setdefault(class_label(seq), []).append(seq)
    chosen = [s for group in by_class.values() for s in group[:CALIBRATION_PER_CLASS]]
    embeddings = embed(net, chosen, config)
    labels = [class_label(s) for s in chosen]
    return calibrate(embeddings, labels, point, source, lambda r, q: embedding_distances(net, r, q)).to_dict()
