"""The image's own columns as frames, plus a learned residual that starts at zero (``model.backbone=frames``).

A metric learnt from a few auxiliary classes transfers worse than raw geometry compared by DTW
(benchmarks/results/utd_table4_aligned.md). This backbone starts from the strongest non-learned metric measured,
DTW over normalised columns of the representation image, and learns only a correction of it:

    frames = normalise(columns) + conv(normalise(columns)),   then scaled to unit length if ``norm`` says so,

where ``conv`` is a 1-D convolution over time with ``kernel`` taps (1: a per-frame linear map) whose weights
start at zero, so that an untrained network *is* the non-learned metric, and training moves away from it only
as far as the metric loss pulls. Every output frame has as many values as an input column (3 x rows).

``norm`` (``model.options.norm``):

* ``unit``: each column scaled to length one (compares the pose's shape, not its size: for skeletons);
* ``centre``: each channel minus its mean over time (removes an inertial sensor's offset, such as gravity on an
  accelerometer, and keeps the motion's intensity);
* ``centre_unit``: both; ``none``: the columns as they are;
* ``auto`` (the default): ``unit`` when every row is a 3-D point (skeletons, motion capture), ``centre`` when
  any row is channel data (inertial, fused). Measured on UTD-MHAD 7/20 with no training (1-NN DTW, %;
  none / unit / centre / centre_unit): skeleton 84.4 / 92.1 / 91.2 / 86.1, inertial 69.5 / 72.0 / 80.2 / 82.3,
  fused 90.9 / 90.8 / 96.6 / 93.4 (benchmarks/results/frames_utd.md).

Output: (B, 3 x rows, T) for (B, 3, rows, T) images: the time axis is kept (:meth:`FrameMap.output_length`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.modules.lazy import LazyModuleMixin
from torch.nn.parameter import UninitializedParameter

from sldml.errors import ConfigError
from sldml.models.registry import Backbone, register_backbone
from sldml.representations.columns import FRAME_NORMS, FrameNorm, resolve_norm


def normalise_frames(x: Tensor, norm: str) -> Tensor:
    """Centre each channel over time and/or scale each frame to unit length; x is (B, C, T).

    The torch twin of :func:`sldml.representations.columns.image_columns` (which the ``dtw_frames`` baseline
    uses); a test checks that both give the same frames.
    """
    if norm.startswith("centre"):
        x = x - x.mean(dim=2, keepdim=True)
    if norm.endswith("unit"):
        x = F.normalize(x, dim=1, eps=1e-12)
    return x


class _ZeroResidual(LazyModuleMixin, nn.Module):
    """x + conv1d(x) with a (C, C, kernel) weight sized by the first input and initialised to zero."""

    cls_to_become = None

    def __init__(self, kernel: int) -> None:
        super().__init__()
        self.kernel = kernel
        self.weight: UninitializedParameter | nn.Parameter = UninitializedParameter()

    def initialize_parameters(self, x: Tensor) -> None:  # called by the lazy mixin before the first forward
        if isinstance(self.weight, UninitializedParameter):
            with torch.no_grad():
                self.weight.materialize((x.shape[1], x.shape[1], self.kernel), dtype=x.dtype, device=x.device)
                self.weight.zero_()

    def forward(self, x: Tensor) -> Tensor:
        return x + F.conv1d(x, self.weight, padding=self.kernel // 2)


@register_backbone("frames")
class FrameMap(Backbone):
    """Normalised image columns plus a zero-initialised learned residual: (B, 3, rows, T) -> (B, 3 * rows, T).

    The network does not need an embedder: :attr:`embeds` tells :class:`~sldml.models.net.EmbeddingNet` to use
    these frames as they are. :attr:`num_features` is 0 until the first input sets it (3 x rows). Untrained, it
    is 1-NN DTW over normalised columns (:attr:`metric_untrained`). Pretrained weights: none.

    Args:
        norm: Frame normalisation (``model.options.norm``, see the module docstring); ``auto`` is resolved with
            the layout.
        kernel: Taps of the residual convolution over time (``model.options.kernel``; odd; 1 = a per-frame
            linear map).
        layout: The input's layout (resolves ``auto``).
    """

    output_kind = "frames"
    embeds = True
    metric_untrained = True

    def __init__(self, norm: FrameNorm = "auto", kernel: int = 1, layout: str | None = None) -> None:
        super().__init__()
        if norm not in FRAME_NORMS:
            raise ConfigError(f"model.options.norm={norm!r}; valid: {', '.join(FRAME_NORMS)}")
        if kernel < 1 or kernel % 2 == 0:
            raise ConfigError(f"model.options.kernel={kernel}; expected an odd number >= 1 (it keeps the length)")
        self.norm = resolve_norm(norm, layout)
        self.residual = _ZeroResidual(kernel)
        self.num_features = 0

    def output_length(self, frames: int) -> int:
        """Frames of the output for an input of ``frames`` columns: all of them."""
        return frames

    def forward(self, x: Tensor) -> Tensor:
        """(B, 3, rows, T) images, or (B, C, T) signals, to (B, C, T) frames."""
        if x.dim() == 4:
            x = x.flatten(1, 2)
        self.num_features = x.shape[1]
        out = self.residual(normalise_frames(x, self.norm))
        return F.normalize(out, dim=1, eps=1e-12) if self.norm.endswith("unit") else out
