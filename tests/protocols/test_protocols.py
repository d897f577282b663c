from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sldml.errors import ConfigError
from sldml.io.synthetic import generate
from sldml.protocols import load_protocol, named_protocols, protocol_from_dict, protocol_to_dict


@pytest.fixture(scope="module")
def synthetic():
    return [s for s in generate(n_classes=6, n_subjects=3, n_trials=2) if s.modality == "skeleton"]


def test_shipped_protocols_load() -> None:
    names = named_protocols()
    for k in (4, 8, 12, 16, 20, 24):
        assert f"utd-mhad-{27 - k}-{k}" in names
        protocol = load_protocol(f"utd-mhad-{27 - k}-{k}")
        assert protocol.evaluation == tuple(range(28 - k, 28))
    ntu = load_protocol("ntu120-oneshot")
    assert ntu.evaluation == tuple(range(1, 120, 6)) and len(ntu.evaluation) == 20
    assert dict(ntu.rule_for(7).where)["setup"] == ("1",) and dict(ntu.rule_for(67).where)["setup"] == ("18",)
    dev = load_protocol("ntu120-oneshot-dev")
    assert dev.evaluation == tuple(range(2, 120, 6)) and set(dev.exclude) == set(ntu.evaluation)


def test_split_reference_and_queries(synthetic) -> None:
    protocol = protocol_from_dict({"name": "t", "dataset": "synthetic", "evaluation": [2, 5]})
    split = protocol.split(synthetic)
    assert [s.class_id for s in split.references] == [2, 5]
    assert all((s.subject, s.trial) == (1, 1) for s in split.references)
    assert len(split.queries) == 2 * 5 and {s.class_id for s in split.queries} == {2, 5}
    assert {s.class_id for s in split.auxiliary} == {1, 3, 4, 6}


def test_overlapping_classes_are_rejected() -> None:
    with pytest.raises(ConfigError, match=r"class\(es\) 3 are both auxiliary and evaluation"):
        protocol_from_dict({"name": "bad", "dataset": "x", "evaluation": [3, 4], "auxiliary": [1, 2, 3]})


def test_missing_reference_is_rejected(synthetic) -> None:
    protocol = protocol_from_dict(
        {"name": "t", "dataset": "synthetic", "evaluation": [2], "reference": [{"subject": 9, "trial": 1}]}
    )
    with pytest.raises(
        ConfigError, match=r"no sample of class 2 match\(es\) the reference rule \{'subject': 9, 'trial': 1\}"
    ):
        protocol.split(synthetic)
    with pytest.raises(ConfigError, match=r"evaluation class 99 has no samples"):
        protocol_from_dict({"name": "t", "dataset": "synthetic", "evaluation": [99]}).split(synthetic)


def test_rules_by_class_range(synthetic) -> None:
    protocol = protocol_from_dict(
        {
            "name": "t",
            "dataset": "synthetic",
            "evaluation": [1, 6],
            "reference": [{"classes": "1-3", "subject": 2, "trial": 2}, {"classes": [6], "subject": 3, "trial": 1}],
        }
    )
    split = protocol.split(synthetic)
    assert [(s.class_id, s.subject, s.trial) for s in split.references] == [(1, 2, 2), (6, 3, 1)]


def test_random_variants_keep_size_and_exclusions() -> None:
    protocol = load_protocol("utd-mhad-23-4")
    variants = protocol.random_variants(range(1, 28), 10, seed=1)
    assert len({v.evaluation for v in variants}) == 10
    assert all(len(v.evaluation) == 4 and v.auxiliary is None for v in variants)
    assert variants[0].evaluation == protocol.random_variants(range(1, 28), 10, seed=1)[0].evaluation


def test_bad_protocol_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"shipped: .*utd-mhad-23-4"):
        load_protocol("utd-mhad-99-1")
    path = tmp_path / "p.yaml"
    path.write_text("name: x\ndataset: y\nevaluation: [1]\nsplits: 3\n")
    with pytest.raises(ConfigError, match=r"unknown key\(s\) splits; valid: name, dataset"):
        load_protocol(str(path))


def test_utd_protocol_on_real_data(utd_dir: Path) -> None:
    from sldml.io import load_folder

    skeletons = [s for s in load_folder(utd_dir).sequences if s.modality == "skeleton"]
    split = load_protocol("utd-mhad-23-4").split(skeletons)
    assert [s.label for s in split.references] == ["sit2stand", "stand2sit", "lunge", "squat"]
    assert len(split.queries) == 123  # as FINDINGS.md counts
    split = load_protocol("utd-mhad-7-20").split(skeletons)
    assert len(split.queries) == 617


def test_ntu_reference_rule_uses_setup_camera_performer_replication(ntu_dir: Path) -> None:
    from sldml.io import read

    [seq] = read(ntu_dir / "S001C003P008R002A058.skeleton")  # setup 1, camera 3, performer 8, replication 2
    protocol = load_protocol("ntu120-oneshot")
    assert not protocol.rule_for(58).matches(seq)  # replication 2 is not the reference
    assert protocol.rule_for(55).matches(seq.replace(trial=1))
    assert not protocol.rule_for(67).matches(seq.replace(trial=1))  # above 60 the reference is setup 18


def test_rules_select_on_metadata_for_references_and_queries(tmp_path: Path) -> None:
    """A cross-view protocol on one folder: references from view 1, queries from view 3 (a manifest column)."""
    from sldml.io import load_folder
    from sldml.protocols import protocol_to_dict

    rng = np.random.default_rng(0)
    rows = ["path,label,subject,trial,view"]
    for label in ("wave", "kick", "bow"):
        for subject in (1, 2):
            for view in (1, 2, 3):
                name = f"{label}_{subject}_{view}.npy"
                np.save(tmp_path / name, rng.normal(size=(6, 20, 3)))
                rows.append(f"{name},{label},{subject},1,{view}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    data = load_folder(tmp_path).sequences
    assert {s.meta["view"] for s in data} == {1, 2, 3}  # an extra column is kept, whole numbers as numbers
    tree = {
        "name": "cross-view",
        "dataset": "folder",
        "evaluation": ["wave", "kick"],
        "reference": [{"subject": 1, "trial": 1, "view": 1}],
        "queries": {"view": [3]},
    }
    protocol = protocol_from_dict(tree)
    split = protocol.split(data)
    assert [(s.label, s.subject, s.meta["view"]) for s in split.references] == [("wave", 1, 1), ("kick", 1, 1)]
    assert sorted((s.label, s.subject, s.meta["view"]) for s in split.queries) == [
        ("kick", 1, 3),
        ("kick", 2, 3),
        ("wave", 1, 3),
        ("wave", 2, 3),
    ]
    assert {s.label for s in split.auxiliary} == {"bow"}
    assert protocol_from_dict(protocol_to_dict(protocol)) == protocol  # the run folder's protocol.yaml reads back
    with pytest.raises(ConfigError, match=r"no sample of class wave match\(es\) the reference rule .*'view': '7'"):
        protocol_from_dict({**tree, "reference": [{"subject": 1, "trial": 1, "view": 7}]}).split(data)
    with pytest.raises(ConfigError, match=r"queries: field 'view' is \{'a': 1\}; expected a value or a list"):
        protocol_from_dict({**tree, "queries": {"view": {"a": 1}}})


@pytest.mark.slow
def test_a_one_shot_protocol_runs_on_hdm05_from_a_yaml_file(hdm05_dir: Path, tmp_path: Path) -> None:
    from sldml.config import load_config
    from sldml.records import OneShotResults
    from sldml.training import train

    overrides = [
        f"data.path={hdm05_dir}",
        "data.dataset=hdm05",
        "data.modality=mocap",
        "protocol=hdm05-6-5",
        "train.epochs=0",
    ]
    run = train(load_config("aligned", [*overrides, "evaluate.baselines=[dtw]", f"output_dir={tmp_path}"]))
    assert run is not None
    results = OneShotResults.read(run / "results.json")
    takes = {"lieDownFloor": 20, "rotateArmsBothBackward1Reps": 16, "sneak2StepsLStart": 16, "squat1Reps": 52}
    assert results.references == 5 and results.queries == sum(takes.values()) + 14 - 5  # throwBasketball: 14
    assert len(results.auxiliary_classes) == 6 and 0.2 < results.model.top1 <= 1.0  # chance is 0.2


def test_auxiliary_none_makes_every_class_novel(synthetic) -> None:
    protocol = protocol_from_dict({"name": "all", "dataset": "synthetic", "evaluation": "1-6", "auxiliary": "none"})
    split = protocol.split(synthetic)
    assert split.auxiliary == [] and [s.class_id for s in split.references] == [1, 2, 3, 4, 5, 6]
    assert len(split.queries) == 6 * 5
    assert protocol_from_dict(protocol_to_dict(protocol)) == protocol
    with pytest.raises(ConfigError, match=r"protocol t: no auxiliary \(training\) samples"):  # only when said so
        protocol_from_dict({"name": "t", "dataset": "synthetic", "evaluation": "1-6"}).split(synthetic)
    with pytest.raises(ConfigError, match=r"'auxiliary: none' with auxiliary classes to train on"):
        protocol_from_dict({"name": "x", "dataset": "s", "evaluation": [1], "auxiliary": "none", "auxiliary_count": 2})


def test_all_novel_and_pretraining_protocols(utd_dir: Path) -> None:
    from sldml.io import load_folder

    utd = load_protocol("utd-mhad-27")
    skeletons = [s for s in load_folder(utd_dir, ["utd_mhad"]).sequences if s.modality == "skeleton"]
    split = utd.split(skeletons)
    assert len(split.references) == 27 and len(split.queries) == 861 - 27 and not split.auxiliary
    pretrain = load_protocol("procedural-pretrain")
    assert pretrain.evaluation == tuple(range(1, 21)) and pretrain.auxiliary is None
    assert len(load_protocol("hdm05-11").evaluation) == 11
