"""Embeddings of sequences by a network, distances in its metric, and what a model reads (torch, no Lightning)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor
from torch.utils.data import DataLoader

from sldml.alignment import distance_matrix
from sldml.config import Config, PreprocessConfig
from sldml.datasets import image, preprocess
from sldml.datasets.tensors import SignalImageDataset
from sldml.distances import euclidean_distances
from sldml.errors import ConfigError
from sldml.models import EmbeddingNet
from sldml.sequence import Sequence


def features(
    fn: Callable[[Tensor], Tensor],
    sequences: list[Sequence],
    preprocess: PreprocessConfig,
    batch_size: int = 128,
    device: torch.device | None = None,
    num_workers: int = 0,
) -> npt.NDArray[np.float32]:
    """``fn`` applied to the images of sequences in batches, without gradients: (N, ...) float32 on the CPU.

    The one loop that turns samples into a network's outputs (embeddings, ST-GCN features); the network must be
    in evaluation mode and on ``device`` (default: the CPU). Images are built batch by batch (never all at once),
    by ``num_workers`` DataLoader worker processes when there are more than two batches (fewer samples, such as
    one query, are not worth starting processes for).
    """
    dataset = SignalImageDataset(sequences, preprocess, [0] * len(sequences), None)
    device = device or torch.device("cpu")
    workers = num_workers if len(dataset) > 2 * batch_size else 0
    batches = DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=workers)
    chunks = []
    with torch.no_grad():
        for images, _ in batches:
            chunks.append(fn(images.to(device)).float().cpu().numpy())
    return np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros((0,), dtype=np.float32)


def embed(net: EmbeddingNet, sequences: list[Sequence], config: Config) -> npt.NDArray[np.float32]:
    """Embeddings (N, embedding_dim) of sequences, with the run's preprocessing, in evaluation mode.

    Images are built by ``train.num_workers`` DataLoader workers when there are enough samples (:func:`features`).
    """
    net.eval()
    if not sequences:
        return np.zeros((0, config.model.embedding_dim), dtype=np.float32)
    device = next(net.parameters()).device
    return features(
        net.embed, sequences, config.preprocess, config.evaluate.batch_size, device, config.train.num_workers
    )


def embedding_distances(
    net: EmbeddingNet, references: npt.ArrayLike, queries: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """(queries x references) distances in the model's metric: Euclidean, or DTW of frame-level embeddings."""
    if net.frame_dim is None:
        return euclidean_distances(references, queries)
    frames = [
        torch.from_numpy(np.asarray(a, dtype=np.float32)).reshape(len(a), -1, net.frame_dim)  # type: ignore[arg-type]
        for a in (queries, references)
    ]
    return distance_matrix(frames[0], frames[1], "dtw").double().numpy()


def input_spec(sequences: list[Sequence], config: Config) -> dict[str, Any]:
    """What a model trained on ``sequences`` reads: their layout, modality, (median) frame rate, image shape.

    Raises:
        ConfigError: If the sequences mix layouts or modalities (a model reads one kind of input).
    """
    layouts = sorted({s.layout for s in sequences})
    modalities = sorted({s.modality for s in sequences})
    if len(layouts) != 1 or len(modalities) != 1:
        raise ConfigError(f"training samples mix layouts {layouts} / modalities {modalities}; a model reads one")
    return {
        "layout": layouts[0],
        "modality": modalities[0],
        "rate_hz": float(np.median([s.rate_hz for s in sequences])),
        "image_shape": list(image(preprocess(sequences[0], config.preprocess), config.preprocess).shape),
    }
