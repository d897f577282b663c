"""ST-GCN (Yan et al., AAAI 2018): spatial graph convolution over the skeleton graph + temporal convolution.

The graph comes from :mod:`sldml.layouts` (the one home of bone lists): joints are nodes, bones are edges.
Partitioning strategy ``spatial`` (ST-GCN's best): for every joint, its neighbours (distance 1 in the bone
graph, itself included) fall into three subsets by their hop distance to the layout's centre joint: the joint
itself (root), neighbours closer to the centre (centripetal), neighbours farther from it (centrifugal). Each
subset is an adjacency matrix A_k, normalised by column degree (A_k D^-1 of the summed neighbourhood), so a
layer mixes features as ``sum_k (X W_k) A_k``. ``uniform`` uses one subset (all neighbours alike). A learnable
edge-importance mask (initialised to 1) scales each A_k, as in the original.

A block: graph convolution -> BN -> ReLU -> temporal convolution (kernel 9 over frames, stride 1 or 2) -> BN,
plus a residual connection, then ReLU. The default widths are the original 10 blocks (64 x 4, 128 x 3 with the
first strided, 256 x 3 with the first strided); global average pooling over time and joints gives the
256-d feature the zero-shot paper uses.

Input: the ``compact`` representation image (B, 3, J, T) (channels x, y, z; rows = joints; columns = time),
so every preprocessing option applies unchanged.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence as Seq
from typing import Literal

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

from sldml.errors import ConfigError
from sldml.layouts import Layout, get_layout
from sldml.models.registry import Backbone, register_backbone

DEFAULT_WIDTHS: tuple[tuple[int, int], ...] = (
    (64, 1),
    (64, 1),
    (64, 1),
    (64, 1),
    (128, 2),
    (128, 1),
    (128, 1),
    (256, 2),
    (256, 1),
    (256, 1),
)
"""(channels, temporal stride) of the original ST-GCN's 10 blocks."""


def hop_distances(layout: Layout) -> npt.NDArray[np.int64]:
    """(J,) hop distance of every joint to the layout's centre joint along the bones (-1: not connected).

    Raises:
        ConfigError: If the layout is not a skeleton or has no centre joint.
    """
    if layout.kind != "skeleton" or layout.centre is None or not layout.bones:
        raise ConfigError(f"layout {layout.name!r}: ST-GCN needs a skeleton layout with bones and a centre joint")
    neighbours: list[list[int]] = [[] for _ in range(layout.size)]
    for a, b in layout.bones:
        neighbours[a].append(b)
        neighbours[b].append(a)
    distance = np.full(layout.size, -1, dtype=np.int64)
    start = layout.index(layout.centre)
    distance[start] = 0
    queue = deque([start])
    while queue:
        joint = queue.popleft()
        for other in neighbours[joint]:
            if distance[other] < 0:
                distance[other] = distance[joint] + 1
                queue.append(other)
    return distance


def adjacency(layout: Layout, strategy: str = "spatial") -> npt.NDArray[np.float32]:
    """The (K, J, J) normalised partition matrices of a layout's graph (K = 3 ``spatial``, 1 ``uniform``).

    ``A[k, i, j]`` is the weight with which joint i's features reach joint j in subset k.

    Raises:
        ConfigError: On an unknown strategy or a layout ST-GCN cannot use.
    """
    distance = hop_distances(layout)
    size = layout.size
    near = np.eye(size, dtype=np.float64)
    for a, b in layout.bones:
        near[a, b] = near[b, a] = 1.0
    degree = near.sum(axis=0)
    normalised = near / degree[None, :]  # column-normalised: A D^-1
    if strategy == "uniform":
        uniform: npt.NDArray[np.float32] = normalised[None].astype(np.float32)
        return uniform
    if strategy != "spatial":
        raise ConfigError(f"ST-GCN partition strategy {strategy!r}; valid: spatial, uniform")
    parts = np.zeros((3, size, size))
    for i in range(size):
        for j in range(size):
            if not near[i, j]:
                continue
            # subset by where neighbour i lies relative to the root j: itself, nearer the centre, farther
            k = 0 if distance[i] == distance[j] else (1 if distance[i] < distance[j] else 2)
            parts[k, i, j] = normalised[i, j]
    return parts.astype(np.float32)


class _GraphConv(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, partitions: int) -> None:
        super().__init__()
        self.partitions = partitions
        self.conv = nn.Conv2d(in_channels, out_channels * partitions, kernel_size=1)

    def forward(self, x: Tensor, a: Tensor) -> Tensor:
        batch, _, frames, joints = x.shape
        y = self.conv(x).view(batch, self.partitions, -1, frames, joints)
        return torch.einsum("bkctv,kvw->bctw", y, a)


class STGCNBlock(nn.Module):
    """Graph convolution, temporal convolution, residual: (B, C_in, T, J) -> (B, C_out, T / stride, J)."""

    def __init__(self, in_channels: int, out_channels: int, partitions: int, stride: int = 1, kernel: int = 9):
        super().__init__()
        self.gcn = _GraphConv(in_channels, out_channels, partitions)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, (kernel, 1), (stride, 1), ((kernel - 1) // 2, 0)),
            nn.BatchNorm2d(out_channels),
        )
        if in_channels == out_channels and stride == 1:
            self.residual: nn.Module = nn.Identity()
        else:
            self.residual = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, (stride, 1)), nn.BatchNorm2d(out_channels)
            )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor, a: Tensor) -> Tensor:
        """Features (B, C_in, T, J) and the (K, J, J) adjacency (already scaled by edge importance)."""
        out: Tensor = self.relu(self.tcn(self.gcn(x, a)) + self.residual(x))
        return out


@register_backbone("stgcn")
class STGCN(Backbone):
    """ST-GCN feature extractor: (B, 3, J, T) compact images -> (B, widths[-1]) pooled features.

    ``model.backbone=stgcn``; trained from scratch (no pretrained weights); skeleton layouts with bones only.

    Args:
        strategy: ``spatial`` or ``uniform`` partitioning (``model.options.strategy``).
        widths: (channels, temporal stride) per block (``model.options.widths``, e.g. ``[[64, 1], [128, 2]]``).
        layout: The skeleton layout's name (its bones make the graph).

    Raises:
        ConfigError: If there is no layout, it has no bones, or ``widths`` is empty or malformed.
    """

    def __init__(
        self,
        strategy: Literal["spatial", "uniform"] = "spatial",
        widths: Seq[Seq[int]] = DEFAULT_WIDTHS,
        layout: str | None = None,
    ) -> None:
        super().__init__()
        if layout is None:
            raise ConfigError("the stgcn backbone needs the skeleton layout of its input (its bones make the graph)")
        if not widths or not all(len(w) == 2 and min(w) >= 1 for w in widths):
            raise ConfigError(f"ST-GCN widths {list(widths)}: expected at least one [channels, stride] pair, both >= 1")
        graph = get_layout(layout)
        a = torch.from_numpy(adjacency(graph, strategy))
        self.a: Tensor
        self.register_buffer("a", a)
        self.joints = graph.size
        partitions = int(a.shape[0])
        self.data_bn = nn.BatchNorm1d(3 * graph.size)
        channels = [3, *(w for w, _ in widths)]
        self.blocks = nn.ModuleList(
            STGCNBlock(channels[i], channels[i + 1], partitions, stride) for i, (_, stride) in enumerate(widths)
        )
        self.importance = nn.ParameterList(nn.Parameter(torch.ones_like(a)) for _ in widths)
        self.num_features = channels[-1]

    def forward(self, x: Tensor) -> Tensor:
        """(B, 3, J, T) to (B, num_features)."""
        x = x.transpose(2, 3)
        batch, coords, frames, joints = x.shape
        if coords != 3 or joints != self.joints:
            raise ConfigError(
                f"ST-GCN input {tuple(x.shape)}: expected 3 coordinates and {self.joints} joints of its layout"
            )
        x = self.data_bn(x.permute(0, 3, 1, 2).reshape(batch, joints * 3, frames))
        x = x.reshape(batch, joints, 3, frames).permute(0, 2, 3, 1)
        for block, importance in zip(self.blocks, self.importance, strict=True):
            x = block(x, self.a * importance)
        out: Tensor = x.mean(dim=(2, 3))
        return out
