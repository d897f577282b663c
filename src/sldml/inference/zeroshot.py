"""Rank class NAMES for a recording with a trained zero-shot run: no example of the classes is needed.

A zero-shot run folder (``runs/experiments/zeroshot-utd/<split>/seed<k>``) holds the ST-GCN
(``stgcn.safetensors``), the heads trained with learned class embeddings (``devise.safetensors``,
``relation.safetensors``) and ``results.json`` (config, layout, sizes). Any class text can be ranked: the heads
score a visual feature against the text's embedding, whatever the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from sldml.config import PreprocessConfig, build_section
from sldml.datasets import SignalImageDataset
from sldml.errors import ConfigError, DataError
from sldml.layouts import get_layout
from sldml.models.stgcn import STGCN
from sldml.models.zeroshot import DeViSE, RelationNet
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
        results: dict[str, Any] = json.loads((path / "results.json").read_text())
        config = results["config"]
        widths = [(int(w[0]), int(w[1])) for w in config["visual"]["widths"]]
        backbone = STGCN(get_layout(results["layout"]), config["visual"]["strategy"], widths)
        backbone.load_state_dict(load_file(str(path / "stgcn.safetensors")))
        model: torch.nn.Module = (
            DeViSE(results["visual_dim"], results["text_dim"])
            if head == "devise"
            else RelationNet(results["visual_dim"], results["text_dim"], config["relation"]["hidden"])
        )
        model.load_state_dict(load_file(str(path / f"{head}.safetensors")))
        preprocess: PreprocessConfig = build_section(PreprocessConfig, config["preprocess"], "preprocess.")
        return cls(path, backbone.eval(), model.eval(), preprocess, results["layout"])

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
        data = SignalImageDataset(sequences, self.preprocess, [0] * len(sequences), None)
        text = torch.from_numpy(embed_texts(classes, "learned"))
        with torch.no_grad():
            features = self.backbone(torch.stack([data[i][0] for i in range(len(data))]))
            scores = self.head(features, text).numpy()
        out = []
        for seq, row in zip(sequences, scores, strict=True):
            order = np.argsort(-row, kind="stable")
            out.append(Ranking(str(seq.source), [classes[i] for i in order], [float(row[i]) for i in order]))
        return out
