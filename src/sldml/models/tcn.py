"""A temporal convolution network that keeps time: frame-level features for time-aligned metrics.

It reads the same representation image as the ResNet (``compact``: rows = joints or sensor axes, columns =
time, channels = x, y, z), as a multichannel signal: the 3 x rows values of a column are one time step's input.
So every preprocessing option (centring, per-sensor scaling, width, augmentation) applies unchanged.

Architecture: a stem (1-D convolution, kernel 5, stride 2) halves the time axis, then residual blocks of two
dilated 1-D convolutions (kernel 3; dilations 1, 2, 4, ...), each with batch norm and ReLU. Output: (B, C, T')
with ``T' = (T + 1) // 2`` for an input of T columns (:meth:`TemporalConvNet.output_length`). The stem's input size
is set by the first batch it sees (a lazy convolution), so one backbone fits every layout.
"""

from __future__ import annotations

from torch import Tensor, nn

from sldml.errors import ConfigError
from sldml.models.registry import Backbone, register_backbone


class _Block(nn.Module):
    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm1d(channels),
            nn.ReLU(inplace=True),
            nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation, bias=False),
            nn.BatchNorm1d(channels),
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.relu(x + self.layers(x))
        return out


@register_backbone("tcn")
class TemporalConvNet(Backbone):
    """Frame-level features of a representation image: (B, 3, rows, T) -> (B, channels, (T + 1) // 2).

    ``model.backbone=tcn``; trained from scratch (no pretrained weights); any layout.

    Args:
        channels: Feature channels of every frame (``model.options.channels``).
        blocks: Residual blocks; block k has dilation 2**k (``model.options.blocks``).
    """

    output_kind = "frames"

    def __init__(self, channels: int = 128, blocks: int = 3) -> None:
        super().__init__()
        if channels < 1 or blocks < 1:
            raise ConfigError(f"tcn: channels={channels}, blocks={blocks}; both must be at least 1")
        self.stem = nn.Sequential(
            nn.LazyConv1d(channels, 5, stride=2, padding=2, bias=False),
            nn.BatchNorm1d(channels),
            nn.ReLU(inplace=True),
        )
        self.blocks = nn.Sequential(*[_Block(channels, 2**k) for k in range(blocks)])
        self.num_features = channels

    def forward(self, x: Tensor) -> Tensor:
        """(B, 3, rows, T) images, or (B, C, T) signals, to (B, channels, (T + 1) // 2) frame features."""
        if x.dim() == 4:
            x = x.flatten(1, 2)
        out: Tensor = self.blocks(self.stem(x))
        return out

    def output_length(self, frames: int) -> int:
        """Frames of the output for an input of ``frames`` columns (the stem: kernel 5, stride 2, padding 2)."""
        return (frames + 1) // 2
