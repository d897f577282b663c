from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from sldml.config import ModelConfig
from sldml.errors import ConfigError
from sldml.models import (
    Backbone,
    EmbeddingNet,
    backbone_class,
    backbone_options,
    create_backbone,
    list_backbones,
    method_name,
)
from sldml.models.resnet import imagenet_weights_path
from sldml.representations.columns import resolve_norm


def _create(name: str, layout: str | None = None, pretrained: str = "none", **options: object) -> Backbone:
    return create_backbone(name, layout=layout, pretrained=pretrained, options=options)


@pytest.mark.parametrize("name", list_backbones())
def test_every_backbone_keeps_the_contract(name: str) -> None:
    """Every registered backbone: a Backbone subclass whose output has the declared kind, size and length."""
    torch.manual_seed(0)
    cls = backbone_class(name)
    assert issubclass(cls, Backbone) and cls.output_kind in ("pooled", "frames")
    assert not {"layout", "pretrained"} & set(backbone_options(name))  # filled in by the registry, never options
    backbone = create_backbone(name, layout="kinect_v1")
    x = torch.rand(4, 3, 20, 32, requires_grad=False)
    features = backbone(x)
    if cls.output_kind == "frames":  # frame-level: (B, features, frames)
        assert features.shape == (4, backbone.num_features, backbone.output_length(32))
        assert method_name(ModelConfig(backbone=name)) == f"aligned ({name}, DTW)"
    else:
        assert features.shape == (4, backbone.num_features) and backbone.output_length(32) == 1
        assert method_name(ModelConfig(backbone=name)) == f"SL-DML ({name})"
    features.sum().backward()
    grads = [p.grad for p in backbone.parameters() if p.requires_grad]
    assert all(g is not None for g in grads) and any(float(g.abs().sum()) > 0 for g in grads)
    assert cls.metric_untrained == (name == "frames")  # only the frames backbone may be used untrained


def test_backbone_options_are_checked_by_name_and_type() -> None:
    assert backbone_options("tcn") == {"channels": 128, "blocks": 3}
    assert backbone_options("lstm") == {"hidden": 128, "layers": 1}
    assert _create("lstm", hidden=16, layers=2).num_features == 16
    with pytest.raises(ConfigError, match=r"model.options: backbone 'tcn' has no option stem; valid: channels, blocks"):
        _create("tcn", stem="small")
    with pytest.raises(ConfigError, match=r"model.options.channels='wide'; expected int"):
        _create("tcn", channels="wide")
    with pytest.raises(ConfigError, match=r"model.options.stem='huge'; valid: small, imagenet"):
        _create("resnet18", stem="huge")


def test_small_stem_keeps_joint_rows() -> None:
    small, imagenet = create_backbone("resnet18"), _create("resnet18", stem="imagenet")
    x = torch.rand(1, 3, 20, 64)
    assert small.net.conv1.stride == (1, 1) and small.net.conv1.kernel_size == (3, 3)
    assert small.net.layer1(small.net.maxpool(small.net.relu(small.net.bn1(small.net.conv1(x))))).shape[-2:] == (10, 32)
    assert imagenet.net.layer1(imagenet.net.maxpool(imagenet.net.relu(imagenet.net.bn1(imagenet.net.conv1(x))))).shape[
        -2:
    ] == (5, 16)


def test_embedding_net_shapes_and_resize() -> None:
    net = EmbeddingNet(create_backbone("resnet18"), embedding_dim=128, num_classes=7, resize=40)
    net.eval()
    embeddings, logits = net(torch.rand(2, 3, 20, 64))
    assert embeddings.shape == (2, 128) and logits is not None and logits.shape == (2, 7)


def test_pretrained_from_a_local_file(tmp_path: Path) -> None:
    source = create_backbone("resnet18")
    path = tmp_path / "weights.pt"
    torch.save(source.net.state_dict(), path)
    loaded = _create("resnet18", pretrained=str(path))
    for (name, a), (_, b) in zip(source.net.state_dict().items(), loaded.net.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_pretrained_errors(tmp_path: Path) -> None:
    if not imagenet_weights_path().exists():
        with pytest.raises(ConfigError, match=r"ImageNet weights are not on disk .* sldml never downloads"):
            _create("resnet18", pretrained="imagenet")
    with pytest.raises(ConfigError, match=r"weights file .*nope.pt not found"):
        _create("resnet18", pretrained=str(tmp_path / "nope.pt"))
    bad = tmp_path / "bad.pt"
    torch.save({"conv1.weight": torch.zeros(1)}, bad)
    with pytest.raises(ConfigError, match=r"weights do not fit resnet18"):
        _create("resnet18", pretrained=str(bad))
    with pytest.raises(ConfigError, match=r"unknown backbone 'vgg'; valid: frames, lstm, resnet18, stgcn, tcn"):
        create_backbone("vgg")


@pytest.mark.parametrize("frames", [1, 2, 3, 7, 64, 65])
def test_tcn_output_length_follows_its_rule(frames: int) -> None:
    tcn = _create("tcn", channels=8, blocks=2)
    assert tcn.output_length(frames) == (frames + 1) // 2
    assert tcn(torch.rand(2, 3, 5, frames)).shape == (2, 8, tcn.output_length(frames))


def test_frame_level_net_returns_unit_frames_and_pooled_logits() -> None:
    tcn = _create("tcn", channels=16, blocks=1)
    net = EmbeddingNet(tcn, embedding_dim=8, num_classes=3)
    net.eval()
    embeddings, logits = net(torch.rand(2, 3, 20, 64))
    frames = embeddings.reshape(2, tcn.output_length(64), 8)
    assert net.frame_dim == 8 and torch.allclose(frames.norm(dim=-1), torch.ones(2, 32), atol=1e-5)
    assert logits is not None and torch.allclose(logits, net.classifier(frames.mean(1)))  # type: ignore[misc]
    with pytest.raises(ConfigError, match="no pretrained weights"):
        _create("tcn", pretrained="imagenet")


@pytest.mark.parametrize(("layout", "joints"), [("kinect_v1", 20), ("kinect_v2", 25)])
def test_stgcn_runs_on_both_skeletons(layout: str, joints: int) -> None:
    torch.manual_seed(0)
    net = _create("stgcn", layout=layout, widths=[[16, 1], [32, 2], [32, 1]])
    x = torch.rand(2, 3, joints, 12)
    features = net(x)
    assert features.shape == (2, 32) and net.num_features == 32
    features.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    assert _create("stgcn", layout=layout).num_features == 256  # the paper's feature size
    with pytest.raises(ConfigError, match=rf"expected 3 coordinates and {joints} joints"):
        net(torch.rand(2, 3, joints + 1, 12))


def test_stgcn_adjacency_follows_the_bones() -> None:
    from sldml.layouts import get_layout
    from sldml.models.stgcn import adjacency, hop_distances

    layout = get_layout("kinect_v1")
    a = adjacency(layout, "spatial")
    assert a.shape == (3, 20, 20)
    edges = {(i, j) for i in range(20) for j in range(20) if a[:, i, j].sum() > 0}
    expected = {(i, i) for i in range(20)} | set(layout.bones) | {(b, c) for c, b in layout.bones}
    assert edges == expected
    np.testing.assert_allclose(a.sum(axis=(0, 1)), 1.0, rtol=1e-6)  # every joint's neighbourhood sums to 1
    hip, spine, shoulders = layout.index("hip_center"), layout.index("spine"), layout.index("shoulder_center")
    assert hop_distances(layout)[[hip, spine, shoulders]].tolist() == [0, 1, 2]
    assert a[0, spine, spine] > 0 and a[1, hip, spine] > 0 and a[2, shoulders, spine] > 0  # root, nearer, farther
    assert a[1, shoulders, spine] == 0 and a[2, hip, spine] == 0
    uniform = adjacency(layout, "uniform")
    np.testing.assert_allclose(uniform[0], a.sum(axis=0), rtol=1e-6)
    with pytest.raises(ConfigError, match="needs a skeleton layout"):
        adjacency(get_layout("imu6"))


@pytest.mark.parametrize("frames", [1, 2, 3, 7, 64, 65])
def test_frames_backbone_keeps_every_column(frames: int) -> None:
    backbone = _create("frames", norm="unit", kernel=5)
    assert backbone.output_length(frames) == frames
    assert backbone(torch.rand(2, 3, 5, frames)).shape == (2, 15, frames) and backbone.num_features == 15


def test_untrained_frames_net_is_the_normalised_columns() -> None:
    torch.manual_seed(0)
    x = torch.randn(3, 3, 6, 11) + 2.0
    columns = x.flatten(1, 2)  # (B, 18, T)
    for norm, expected in (
        ("unit", columns / columns.norm(dim=1, keepdim=True)),
        ("centre", columns - columns.mean(2, keepdim=True)),
        ("none", columns),
    ):
        net = EmbeddingNet(_create("frames", norm=norm, kernel=3), num_classes=4)
        net.eval()
        embeddings, logits = net(x)
        assert net.frame_dim == 18 and net.embedder is None
        frames = embeddings.reshape(3, 11, 18)
        torch.testing.assert_close(frames, expected.transpose(1, 2))
        assert logits is not None and logits.shape == (3, 4)
        assert torch.allclose(logits, net.classifier(frames.mean(1)))  # type: ignore[misc]


def test_frames_residual_learns_and_its_weights_load_back() -> None:
    torch.manual_seed(0)
    x = torch.randn(4, 3, 5, 9)
    net = EmbeddingNet(_create("frames", norm="centre_unit", kernel=3))
    before = net.embed(x).detach()
    optimiser = torch.optim.SGD(net.parameters(), lr=0.5)
    (net.embed(x)[:, :15] * torch.randn(15)).sum().backward()  # pull the first frame towards a direction
    optimiser.step()
    after = net.embed(x).detach()
    assert float((after - before).abs().max()) > 1e-3  # the residual moved away from zero
    assert torch.allclose(after.reshape(4, 9, 15).norm(dim=-1), torch.ones(4, 9))  # still unit frames
    fresh = EmbeddingNet(_create("frames", norm="centre_unit", kernel=3))
    fresh.embed(torch.zeros(1, 3, 5, 2))  # sizes the lazy residual, as build_net does
    fresh.load_state_dict(net.state_dict())
    torch.testing.assert_close(fresh.embed(x), after)


@pytest.mark.parametrize(
    ("layout", "expected"),
    [("kinect_v1", "unit"), ("points-7", "unit"), ("imu6", "centre"), ("imu6+kinect_v1", "centre"), (None, "unit")],
)
def test_frames_auto_norm_follows_the_layout(layout: str | None, expected: str) -> None:
    assert resolve_norm("auto", layout) == expected
    assert _create("frames", layout=layout).norm == expected
    assert resolve_norm("centre_unit", layout) == "centre_unit"


def test_frames_backbone_errors() -> None:
    with pytest.raises(ConfigError, match=r"model.options.norm='length'; valid: auto, none, unit, centre, centre_unit"):
        _create("frames", norm="length")
    with pytest.raises(ConfigError, match=r"model.options.kernel=4; expected an odd number >= 1"):
        _create("frames", kernel=4)
    with pytest.raises(ConfigError, match=r"frames backbone has no pretrained weights"):
        _create("frames", pretrained="imagenet")
