"""Recurrent networks over frame sequences: the Siamese-LSTM (S-LSTM) of the siamese pipeline and LSTM classifiers.

* :class:`SequenceEncoder`: an LSTM over variable-length sequences of frame vectors (packed, no resampling);
  its output is the last layer's final hidden state, (B, hidden).
* :class:`SiameseLSTM`: ONE encoder applied to both sequences of a pair (shared parameters), the two final
  states concatenated, then an MLP with ReLU to 2 logits (no match, match). The paper's two configurations are
  the shipped siamese configs ``slstm-small`` (1 layer of 128, FC 256-128-64-2) and ``slstm-large`` (2 stacked
  layers of 200, FC 400-300-150-50-2).
* :class:`LSTMClassifier`: the 1- and 2-layer LSTM classifier baselines (encoder + linear layer over classes).
* backbone ``lstm``: the same encoder behind the backbone registry, so the one-shot pipeline (triplet +
  classifier loss, evaluator, Recognizer) can use it: it reads the representation image's columns as frames
  ((B, 3, rows, T) -> T frames of 3 x rows values).
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from itertools import pairwise

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from sldml.errors import ConfigError
from sldml.models.registry import Backbone, register_backbone

MATCH = 1
"""Index of the "match" logit of :class:`SiameseLSTM`."""


def pad_batch(series: Seq[Tensor]) -> tuple[Tensor, Tensor]:
    """Pad (T_i, F) tensors into (B, max T, F) with zeros, and their lengths (B,) as an int64 CPU tensor."""
    if not series:
        raise ConfigError("pad_batch: no sequences")
    lengths = torch.tensor([len(s) for s in series], dtype=torch.int64)
    if int(lengths.min()) < 1:
        raise ConfigError("pad_batch: a sequence has zero frames")
    return pad_sequence(list(series), batch_first=True), lengths


class SequenceEncoder(nn.Module):
    """An LSTM over padded frame sequences; returns the last layer's final hidden state.

    Args:
        input_size: Values per frame (e.g. joints x 3).
        hidden: Hidden size of every layer.
        layers: Stacked LSTM layers.
    """

    def __init__(self, input_size: int, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        if input_size < 1 or hidden < 1 or layers < 1:
            raise ConfigError(f"LSTM: input_size={input_size}, hidden={hidden}, layers={layers}; all must be >= 1")
        self.lstm = nn.LSTM(input_size, hidden, num_layers=layers, batch_first=True)
        self.input_size = input_size
        self.num_features = hidden

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, T, input_size) padded frames and their (B,) lengths (``None``: all T) to (B, hidden)."""
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ConfigError(f"LSTM input {tuple(x.shape)}; expected (batch, frames, {self.input_size})")
        if lengths is None:
            _, (hidden, _) = self.lstm(x)
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, (hidden, _) = self.lstm(packed)
        out: Tensor = hidden[-1]
        return out


def _mlp(sizes: Seq[int], out: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in pairwise(sizes):
        layers += [nn.Linear(a, b), nn.ReLU(inplace=True)]
    layers.append(nn.Linear(sizes[-1], out))
    return nn.Sequential(*layers)


class SiameseLSTM(nn.Module):
    """Shared LSTM encoder + MLP over the concatenated final states -> (no match, match) logits.

    Args:
        input_size: Values per frame.
        hidden: LSTM hidden size.
        layers: Stacked LSTM layers.
        head: Hidden sizes of the MLP after the concatenation (its input is 2 x hidden).
    """

    def __init__(self, input_size: int, hidden: int = 128, layers: int = 1, head: Seq[int] = (128, 64)) -> None:
        super().__init__()
        if any(size < 1 for size in head):
            raise ConfigError(f"siamese head sizes {list(head)}; every size must be >= 1")
        self.encoder = SequenceEncoder(input_size, hidden, layers)
        self.head = _mlp([2 * hidden, *head], 2)

    def encode(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Final states (B, hidden) of padded sequences."""
        out: Tensor = self.encoder(x, lengths)
        return out

    def pair_logits(self, a: Tensor, b: Tensor) -> Tensor:
        """(B, 2) logits of pairs of encoded sequences (B, hidden) each."""
        out: Tensor = self.head(torch.cat([a, b], dim=1))
        return out

    def match_probability(self, a: Tensor, b: Tensor) -> Tensor:
        """(B,) probability that the encoded sequences a[i] and b[i] show the same action."""
        return torch.softmax(self.pair_logits(a, b), dim=1)[:, MATCH]

    def forward(self, xa: Tensor, la: Tensor | None, xb: Tensor, lb: Tensor | None) -> Tensor:
        """(B, 2) logits of pairs of padded sequences."""
        return self.pair_logits(self.encode(xa, la), self.encode(xb, lb))


class LSTMClassifier(nn.Module):
    """An LSTM classifier (the paper's 1-layer / 2-layer LSTM baselines): encoder + linear layer.

    Args:
        input_size: Values per frame.
        num_classes: Classes.
        hidden: LSTM hidden size.
        layers: Stacked LSTM layers.
    """

    def __init__(self, input_size: int, num_classes: int, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        self.encoder = SequenceEncoder(input_size, hidden, layers)
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """(B, num_classes) logits."""
        out: Tensor = self.classifier(self.encoder(x, lengths))
        return out


@register_backbone("lstm")
class ImageLSTM(Backbone):
    """The LSTM encoder reading a representation image's columns as frames: (B, 3, rows, T) -> (B, hidden).

    ``model.backbone=lstm`` in the one-shot pipeline; trained from scratch (no pretrained weights). The frame size
    is fixed by the first input (a lazy linear projection to ``hidden`` values per frame, then ReLU, feeds the
    LSTM), so one backbone fits every layout.

    Args:
        hidden: Hidden size (``model.options.hidden``).
        layers: Stacked LSTM layers (``model.options.layers``).
    """

    def __init__(self, hidden: int = 128, layers: int = 1) -> None:
        super().__init__()
        self.project = nn.Sequential(nn.LazyLinear(hidden), nn.ReLU(inplace=True))
        self.encoder = SequenceEncoder(hidden, hidden, layers)
        self.num_features = hidden

    def forward(self, x: Tensor) -> Tensor:
        """(B, 3, rows, T) images, or (B, C, T) signals, to (B, hidden) final states."""
        if x.dim() == 4:
            x = x.flatten(1, 2)
        out: Tensor = self.encoder(self.project(x.transpose(1, 2)))
        return out
