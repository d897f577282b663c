"""Rank class NAMES for a recording with a trained zero-shot run: no example of the classes is needed.

A zero-shot run folder (``runs/experiments/zeroshot-utd/<split>/seed<k>``) holds the ST-GCN
(``stgcn.safetensors``), the heads trained with learned class embeddings (``devise.safetensors``,
``relation.safetensors``) and ``results.json`` (config, layout, sizes). Any class text can be ranked: the heads
score a visual feature against the text's embedding, whatever the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from sldml.config import PreprocessConfig, build_section
from sldml.errors import ConfigError, DataError
from sldml.models.stgcn import STGCN
from sldml.models.zeroshot import DeViSE, RelationNet
from sldml.records import ZeroShotRunResults
from sldml.runs import features
from sldml.sequence import Sequence
from sldml.text import embed_texts


@dataclass
class Ranking:
    """Class texts ranked for one recording, best first, with the head's scores."""

    source: str
    classes: list[str]
    scores: list[float]


class ZeroShotModel:
    """A trained zero-shot run: ST-GCN + a head, ready to rank class texts.

    Args:
        folder: The run folder.
        backbone: The ST-GCN.
        head: DeViSE or Relation Net (trained with learned class embeddings).
        preprocess: The run's preprocessing.
        layout: The skeleton layout the ST-GCN reads.
    """

    def __init__(
        self, folder: Path, backbone: STGCN, head: torch.nn.Module, preprocess: PreprocessConfig, layout: str
    ) -> None:
        self.folder = folder
        self.backbone = backbone
        self.head = head
        self.preprocess = preprocess
        self.layout = layout

    @classmethod
    def load(cls, folder: str | Path, head: str = "relation") -> ZeroShotModel:
        """Load a zero-shot run folder.

        Raises:
            ConfigError: If the folder is not a finished zero-shot run, or the head is unknown.
        """
        path = Path(folder)
        for required in ("results.json", "stgcn.safetensors", f"{head}.safetensors"):
            if not (path / required).is_file():
                raise ConfigError(f"{path} is not a finished zero-shot run with a {head} head: {required} is missing")
        if head not in ("devise", "relation"):
            raise ConfigError(f"zero-shot head {head!r}; valid: devise, relation")
        results = ZeroShotRunResults.read(path / "results.json")
        config: dict[str, Any] = results.config
        try:
            visual, relation = config["visual"], config["relation"]
            backbone = STGCN(visual["strategy"], visual["widths"], results.layout)
            preprocess: PreprocessConfig = build_section(PreprocessConfig, config["preprocess"], "preprocess.")
        except (KeyError, TypeError) as err:
            raise DataError(
                path / "results.json", f"field 'config' is incomplete ({type(err).__name__}: {err})"
            ) from None
        backbone.load_state_dict(load_file(str(path / "stgcn.safetensors")))
        model: torch.nn.Module = (
            DeViSE(results.visual_dim, results.text_dim)
            if head == "devise"
            else RelationNet(results.visual_dim, results.text_dim, relation["hidden"])
        )
        model.load_state_dict(load_file(str(path / f"{head}.safetensors")))
        return cls(path, backbone.eval(), model.eval(), preprocess, results.layout)

    def rank(self, sequences: list[Sequence], classes: list[str]) -> list[Ranking]:
        """Rank ``classes`` (any texts) for every sequence.

        Raises:
            DataError: If a sequence's layout is not the model's.
            ConfigError: If fewer than 2 classes are given.
        """
        if len(classes) < 2:
            raise ConfigError(f"zero-shot ranking needs at least 2 class names; got {classes}")
        for seq in sequences:
            if seq.layout != self.layout:
                raise DataError(seq.source or "<sequence>", f"layout {seq.layout!r}; the model reads {self.layout!r}")
        text = torch.from_numpy(embed_texts(classes, "learned"))
        visual = torch.from_numpy(features(self.backbone, sequences, self.preprocess))
        with torch.no_grad():
            scores = self.head(visual, text).numpy()
        out = []
        for seq, row in zip(sequences, scores, strict=True):
            order = np.argsort(-row, kind="stable")
            out.append(Ranking(str(seq.source), [classes[i] for i in order], [float(row[i]) for i in order]))
        return out
