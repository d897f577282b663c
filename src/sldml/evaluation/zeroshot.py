"""Zero-shot metrics (hit@k, ZSL, GZSL with the harmonic mean) and the rules that choose unseen classes.

Metrics take a score matrix (samples x classes; higher = more likely), so DeViSE, the Relation Network and any
future head are scored by the same code.

* **ZSL**: samples of unseen classes, ranked among the unseen classes only: top-1.
* **GZSL**: samples ranked among ALL classes: top-1 and top-5 of the unseen samples (the paper's Table 2), the
  top-1 accuracy of the seen test samples (``seen``) and of the unseen ones (``unseen``), and their harmonic
  mean H = 2 seen unseen / (seen + unseen).

Unseen-class splits from class-text embeddings (cosine distance d = 1 - cos), the paper's Sec. 4.2 made exact:

* every class c gets its nearest-neighbour distance n(c) = min over other classes of d(c, other);
* ``nearest``: go through the classes by increasing n(c); take c as unseen unless its nearest neighbour is
  already unseen or c is the nearest neighbour of an unseen class (so every unseen class keeps its closest
  class among the seen ones), until ``count`` are taken;
* ``furthest``: the ``count`` classes with the largest n(c) (the most isolated: nothing like them is seen);
* ``random``: ``count`` classes drawn with a seed.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError

SplitRule = Literal["nearest", "furthest", "random"]
SPLIT_RULES: tuple[SplitRule, ...] = ("nearest", "random", "furthest")

FloatMatrix = npt.NDArray[np.floating[Any]]


def hit_at_k(scores: FloatMatrix, labels: Seq[int], k: int) -> float:
    """Fraction of samples whose true class (column index) is among their ``k`` highest scores.

    Ties are broken by column order (stable sort), the same for every method.
    """
    if scores.ndim != 2 or scores.shape[0] != len(labels):
        raise ConfigError(f"hit@k: scores {scores.shape} for {len(labels)} labels")
    if not len(labels):
        return 0.0
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.mean([label in row for label, row in zip(labels, top, strict=True)]))


def zero_shot_scores(scores: FloatMatrix, labels: Seq[int], unseen: Seq[int]) -> dict[str, float]:
    """ZSL and GZSL metrics of a score matrix over all classes.

    Args:
        scores: (samples, all classes) scores.
        labels: True class index (column) of each sample; seen and unseen test samples alike.
        unseen: Column indices of the unseen classes.

    Returns:
        ``zsl_top1``, ``gzsl_top1`` and ``gzsl_top5`` (unseen samples), ``seen`` and ``unseen`` (GZSL top-1 of the
        seen and the unseen samples) and ``harmonic``; a metric without samples is 0.
    """
    labels_array = np.asarray(labels)
    unseen_list = list(unseen)
    is_unseen = np.isin(labels_array, unseen_list)
    remap = {c: i for i, c in enumerate(unseen_list)}
    zsl = hit_at_k(scores[is_unseen][:, unseen_list], [remap[c] for c in labels_array[is_unseen]], 1)
    seen_acc = hit_at_k(scores[~is_unseen], labels_array[~is_unseen].tolist(), 1)
    unseen_acc = hit_at_k(scores[is_unseen], labels_array[is_unseen].tolist(), 1)
    harmonic = 2 * seen_acc * unseen_acc / (seen_acc + unseen_acc) if seen_acc + unseen_acc else 0.0
    return {
        "zsl_top1": zsl,
        "gzsl_top1": unseen_acc,
        "gzsl_top5": hit_at_k(scores[is_unseen], labels_array[is_unseen].tolist(), 5),
        "seen": seen_acc,
        "unseen": unseen_acc,
        "harmonic": harmonic,
    }


def _distances(embeddings: FloatMatrix) -> npt.NDArray[np.float64]:
    unit = np.asarray(embeddings, dtype=np.float64)
    unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    distance: npt.NDArray[np.float64] = 1.0 - unit @ unit.T
    np.fill_diagonal(distance, np.inf)
    return distance


def unseen_split(embeddings: FloatMatrix, count: int, rule: SplitRule, seed: int = 0) -> list[int]:
    """Indices (sorted) of ``count`` unseen classes chosen by ``rule`` from the classes' text embeddings.

    Raises:
        ConfigError: On an unknown rule, or a count that leaves no seen class.
    """
    classes = len(embeddings)
    if not 1 <= count < classes:
        raise ConfigError(f"unseen classes: {count} of {classes}; expected 1 to {classes - 1}")
    if rule == "random":
        return sorted(np.random.default_rng(seed).choice(classes, size=count, replace=False).tolist())
    distance = _distances(embeddings)
    nearest = distance.argmin(axis=1)
    isolation = distance.min(axis=1)
    if rule == "furthest":
        return sorted(np.argsort(-isolation, kind="stable")[:count].tolist())
    if rule != "nearest":
        raise ConfigError(f"split rule {rule!r}; valid: {', '.join(SPLIT_RULES)}")
    chosen: list[int] = []
    for c in np.argsort(isolation, kind="stable"):
        if nearest[c] in chosen or any(nearest[u] == c for u in chosen):
            continue
        chosen.append(int(c))
        if len(chosen) == count:
            break
    if len(chosen) < count:
        raise ConfigError(f"nearest split: only {len(chosen)} of {count} classes keep their nearest class seen")
    return sorted(chosen)


def fixed_split(name: str) -> tuple[str, list[int]]:
    """A shipped fixed split (``sldml/data/zeroshot_splits.yaml``): its class list name and unseen class ids.

    Raises:
        ConfigError: On an unknown name (the message lists the shipped ones).
    """
    from importlib import resources

    import yaml

    text = resources.files("sldml").joinpath("data").joinpath("zeroshot_splits.yaml").read_text(encoding="utf-8")
    splits = yaml.safe_load(text)
    if name not in splits:
        raise ConfigError(f"unknown zero-shot split {name!r}; shipped: {', '.join(sorted(splits))}")
    return str(splits[name]["classes"]), [int(c) for c in splits[name]["unseen"]]
