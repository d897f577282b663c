"""ResNet18 (torchvision) as an image backbone, adapted to small signal images.

SL-DML's compact image of a Kinect v1 skeleton is 20 rows (joints) by 64 columns (time). torchvision's
ResNet18 stem (7x7 stride-2 convolution, then 3x3 stride-2 max-pool) divides both sides by 4 before the
first residual block, so 20 rows become 5 and, after three more stride-2 stages, 1: most of the joint
structure is gone before the network can use it. The ``small`` stem therefore uses a 3x3 stride-1
convolution and keeps the max-pool: 20x64 becomes 10x32 at layer1 and 2x4 at layer4. Dropping the
max-pool as well (CIFAR style) keeps 20x64 at layer1 but costs 4x the compute (32 instead of about 100
training samples per second on a 2-core CPU) for no measured gain. The ``imagenet`` stem keeps
torchvision's original for images resized to 224-256 px (the paper's setting). Either way the
classification layer is dropped: the backbone returns the 512 pooled features.

Weights: ``none`` (random, the default), ``imagenet`` (torchvision's ImageNet weights, only when they are
already on disk in torch's hub cache; sldml never downloads) or a path to a local state dict, loaded with
``torch.load(weights_only=True)``. With the small stem, ImageNet's 7x7 first convolution does not fit and
is left at its random initialisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from torch import Tensor, nn
from torchvision.models import ResNet18_Weights, resnet18

from sldml.errors import ConfigError
from sldml.models.registry import Backbone, register_backbone

Stem = Literal["small", "imagenet"]


@register_backbone("resnet18")
class ResNetBackbone(Backbone):
    """ResNet18 trunk returning (B, 512) pooled features (``model.backbone=resnet18``); any layout.

    Args:
        stem: ``small`` or ``imagenet`` (see the module docstring).
        pretrained: ``none``, ``imagenet`` or a path to a state dict (see the module docstring).
    """

    def __init__(self, stem: Stem = "small", pretrained: str = "none") -> None:
        super().__init__()
        if stem not in ("small", "imagenet"):
            raise ConfigError(f"resnet18 stem {stem!r}; valid: small, imagenet")
        net = resnet18(weights=None)
        if stem == "small":
            net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        net.fc = nn.Identity()
        self.net = net
        self.stem = stem
        self.num_features = 512
        _load(self, pretrained)

    def forward(self, x: Tensor) -> Tensor:
        """(B, 3, H, W) images to (B, 512) features."""
        out: Tensor = self.net(x)
        return out


def imagenet_weights_path() -> Path:
    """Where torchvision keeps ResNet18's ImageNet weights once downloaded (torch hub cache)."""
    url: str = ResNet18_Weights.IMAGENET1K_V1.url
    return Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]


def load_state_dict_file(path: Path) -> dict[str, Tensor]:
    """A state dict from a ``.pt`` / ``.pth`` / ``.ckpt`` file, loaded without unpickling arbitrary objects.

    Raises:
        ConfigError: If the file is missing or holds no tensors.
    """
    if not path.is_file():
        raise ConfigError(f"weights file {path} not found")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for bad or unsafe files
        unsafe = "weights_only" in str(err) or "Unsupported global" in str(err)
        reason = (
            "it holds Python objects besides tensors, and sldml never unpickles code from a file (it loads weights "
            "with weights_only=True); save a plain state dict of tensors"
            if unsafe
            else f"not a readable PyTorch weights file ({type(err).__name__})"
        )
        raise ConfigError(f"weights file {path}: cannot be loaded safely: {reason}") from None
    state = loaded.get("state_dict", loaded) if isinstance(loaded, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise ConfigError(f"weights file {path}: expected a state dict of tensors (optionally under 'state_dict')")
    return state


def _load(backbone: ResNetBackbone, pretrained: str) -> None:
    if pretrained == "none":
        return
    if pretrained == "imagenet":
        path = imagenet_weights_path()
        if not path.is_file():
            raise ConfigError(
                f"model.pretrained=imagenet: ResNet18 ImageNet weights are not on disk (expected {path}); sldml "
                "never downloads. Copy resnet18-f37072fd.pth there, give a path (model.pretrained=/path/weights.pth), "
                "or use none"
            )
        state = load_state_dict_file(path)
    else:
        state = load_state_dict_file(Path(pretrained))
        state = {k.removeprefix("backbone.").removeprefix("net."): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("fc.")}
    own = backbone.net.state_dict()
    if (
        backbone.stem == "small"
        and state.get("conv1.weight") is not None
        and state["conv1.weight"].shape != own["conv1.weight"].shape
    ):
        del state["conv1.weight"]  # a 7x7 ImageNet stem does not fit the 3x3 small stem
    missing, unexpected = backbone.net.load_state_dict(state, strict=False)
    missing = [k for k in missing if k != "conv1.weight" or backbone.stem != "small"]
    if missing or unexpected:
        raise ConfigError(
            f"model.pretrained={pretrained}: weights do not fit resnet18 ({len(missing)} missing, e.g. "
            f"{missing[:3]}; {len(unexpected)} unexpected, e.g. {unexpected[:3]})"
        )
