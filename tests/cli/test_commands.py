from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import scipy.io
from typer.testing import CliRunner

from sldml.cli import app

runner = CliRunner()


def _json(args: list[str]) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_info_on_utd_mhad_folder(utd_dir: Path, tmp_path: Path) -> None:
    summary = _json(["info", str(utd_dir), "--cache-dir", str(tmp_path)])  # 1,722 files: through a cache
    assert summary["by_modality"] == {"inertial": 861, "skeleton": 861}
    assert (summary["classes"], summary["subjects"], summary["skipped"]) == (27, 8, [])


@pytest.mark.parametrize(
    ("name", "frames", "bodies"),
    [
        ("S001C001P001R001A011", 82, 1),
        ("S001C003P008R002A058", 70, 2),
        ("S002C001P003R001A003", 100, 1),
        ("S003C001P015R001A034", 71, 1),
        ("S004C002P003R001A017", 124, 1),
    ],
)
def test_info_on_ntu_files(ntu_dir: Path, name: str, frames: int, bodies: int) -> None:
    info = _json(["info", str(ntu_dir / f"{name}.skeleton")])
    [seq] = info["sequences"]
    assert info["format"] == "ntu_skeleton"
    assert (seq["frames"], seq["bodies"], seq["joints"], seq["layout"]) == (frames, bodies, 25, "kinect_v2")


def test_info_on_a_utd_file_in_text(utd_dir: Path) -> None:
    result = runner.invoke(app, ["info", str(utd_dir / "Inertial" / "a5_s2_t3_inertial.mat")])
    assert result.exit_code == 0
    assert "throw" in result.stdout and "imu6" in result.stdout and "channels" in result.stdout


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    header = "7 0 1 1 1 1 0 0.1 -0.2 2"
    joint = "0.1 0.2 0.3 0 0 0 0 0 0 0 0 2"
    cases: dict[str, tuple[Path, str]] = {}

    def write(name: str, text: str, expect: str) -> None:
        path = tmp_path / name
        path.write_text(text)
        cases[name] = (path, expect)

    write("S001C001P001R001A001.skeleton", "\n".join(["2", "1", header, "25", *[joint] * 25]), "truncated")
    write(
        "S001C001P001R001A002.skeleton",
        "\n".join(["1", "1", header, "25", *[joint] * 24, "0.1 x 0.3 0 0 0 0 0 0 0 0 2"]),
        "'x' is not a number",
    )
    write(
        "S001C001P001R001A003.skeleton",
        "\n".join(["1", "1", header, "20", *[joint] * 20]),
        "joint count 20; expected 25",
    )
    write("S001C001P001R001A004.skeleton", "0\n", "frame count 0")
    nan = np.zeros((8, 6))
    nan[2, 3] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    cases["nan.npy"] = (tmp_path / "nan.npy", "non-finite values")
    scipy.io.savemat(str(tmp_path / "a1_s1_t1_skeleton.mat"), {"x": np.zeros(3)})
    cases["a1_s1_t1_skeleton.mat"] = (tmp_path / "a1_s1_t1_skeleton.mat", "variable 'd_skel' missing")
    cases["gone.mat"] = (tmp_path / "gone.mat", "file not found")
    return cases


def test_malformed_inputs_give_one_line_errors(tmp_path: Path) -> None:
    for name, (path, expect) in _bad_files(tmp_path).items():
        result = runner.invoke(app, ["info", str(path)])
        assert result.exit_code == 1, name
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ") and name in lines[0] and expect in lines[0], lines[0]
        assert "Traceback" not in result.output


def test_manifest_row_with_missing_file_is_listed_as_skipped(tmp_path: Path) -> None:
    np.save(tmp_path / "ok.npy", np.ones((5, 20, 3)))
    (tmp_path / "manifest.csv").write_text("path,label\nok.npy,wave\nlost.npy,wave\n")
    summary = _json(["info", str(tmp_path)])
    assert summary["samples"] == 1
    [skipped] = summary["skipped"]
    assert "manifest.csv line 3: field 'path'" in skipped["reason"] and "'lost.npy' not found" in skipped["reason"]
    text = runner.invoke(app, ["info", str(tmp_path)])
    assert "skipped" in text.stderr and "lost.npy" in text.stderr


def test_render_writes_an_enlarged_png(tmp_path: Path, utd_dir: Path) -> None:
    out = tmp_path / "img.png"
    result = runner.invoke(
        app, ["render", str(utd_dir / "Skeleton" / "a1_s1_t1_skeleton.mat"), "-o", str(out), "--width", "32"]
    )
    assert result.exit_code == 0, result.output
    pixels = matplotlib.image.imread(out)
    assert pixels.shape[:2] == (20 * 16, 32 * 16)  # 20 joints x 32 steps, 16x enlarged to >= 512 px


def test_render_rejects_unknown_representation(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.zeros((5, 6)))
    result = runner.invoke(
        app, ["render", str(tmp_path / "a.npy"), "-o", str(tmp_path / "o.png"), "--representation", "nope"]
    )
    assert result.exit_code == 1 and "unknown representation 'nope'; valid: compact" in result.stderr


def test_synth_writes_a_folder_that_info_reads(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", str(tmp_path / "syn"), "--classes", "3", "--subjects", "2", "--trials", "1"])
    assert result.exit_code == 0, result.output
    summary = _json(["info", str(tmp_path / "syn")])
    assert summary["by_modality"] == {"inertial": 6, "skeleton": 6}
    assert (summary["classes"], summary["subjects"], summary["skipped"]) == (3, 2, [])


def test_synth_ntu_then_cache_build_info_and_clear(tmp_path: Path) -> None:
    folder, cache = tmp_path / "ntu", tmp_path / "cache"
    result = runner.invoke(app, ["synth", str(folder), "--format", "ntu", "--files", "40", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "wrote 40 .skeleton files" in result.stdout and len(list(folder.glob("S*.skeleton"))) == 40
    assert _json(["cache", "info", str(folder), "--cache-dir", str(cache)])["state"] == "missing"
    result = runner.invoke(app, ["cache", "build", str(folder), "--cache-dir", str(cache), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "fresh" in result.stdout and "40 sequences from 40 files" in result.stdout
    assert "note: parsing 40 files" in result.stderr
    info = _json(["cache", "info", str(folder), "--cache-dir", str(cache), "--verify"])
    assert (info["state"], info["sequences"], info["files"], info["workers"]) == ("fresh", 40, 40, 2)
    summary = _json(["info", str(folder), "--cache-dir", str(cache)])
    assert (summary["samples"], summary["classes"], summary["skipped"]) == (40, 40, [])
    (folder / "S001C003P008R001A001.skeleton").unlink()
    info = _json(["cache", "info", str(folder), "--cache-dir", str(cache)])
    assert info["state"] == "stale" and "0 changed, 0 added, 1 removed" in info["reason"]
    result = runner.invoke(app, ["cache", "clear", str(folder), "--cache-dir", str(cache)])
    assert result.exit_code == 0 and "removed" in result.stdout
    assert _json(["cache", "info", str(folder), "--cache-dir", str(cache)])["state"] == "missing"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "ntu", "--classes", "3"], "--classes: for --format array"),
        (["--files", "3"], "--files: for --format ntu"),
        (["--format", "bvh"], "--format bvh: expected array or ntu"),
        (["--format", "ntu", "--files", "0"], "--files 0: expected 1 to 1,221,120"),
    ],
)
def test_synth_refuses_options_of_the_other_format(tmp_path: Path, argv: list[str], message: str) -> None:
    result = runner.invoke(app, ["synth", str(tmp_path / "x"), *argv])
    assert result.exit_code in (1, 2) and message in result.output
    assert not (tmp_path / "x").exists()


def test_train_with_an_unknown_key_lists_the_valid_ones() -> None:
    result = runner.invoke(app, ["train", "default", "train.epoch=3"])
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: unknown config key(s) train.epoch") and "valid: epochs, batch_size" in line


def test_evaluate_on_a_folder_that_is_no_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(tmp_path)])
    assert result.exit_code == 1
    assert "is not a finished sldml run: not an sldml run folder (no config.yaml)" in result.stderr


def test_splits_baselines_only(tmp_path: Path) -> None:
    args = [
        "splits",
        "default",
        "data.synthetic_classes=8",
        "data.synthetic_subjects=2",
        "data.synthetic_trials=2",
        f"output_dir={tmp_path}",
        "--count",
        "3",
        "--baselines-only",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "sldml-splits-synthetic-15-5-3x-seed0.json").read_text())
    assert len(summary["novel_classes"]) == 3 and all(len(c) == 5 for c in summary["novel_classes"])
    for method in ("1-NN euclidean", "1-NN dtw"):
        values = summary["methods"][method]["values"]
        assert len(values) == 3 and summary["methods"][method]["mean"] == pytest.approx(sum(values) / 3)
    # a second study never replaces the first one's summary; name= names it
    assert runner.invoke(app, args).exit_code == 0 and runner.invoke(app, [*args, "name=mine"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "mine-splits-synthetic-15-5-3x-seed0.json",
        "sldml-splits-synthetic-15-5-3x-seed0-2.json",
        "sldml-splits-synthetic-15-5-3x-seed0.json",
    ]


def test_experiment_options_reach_zero_shot_or_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sldml.experiments.zeroshot as zeroshot

    seen: list[list[str]] = []

    def fake_run(config: object, sequences: object, root: Path, progress: object) -> Path:
        seen.append([f"seeds={config.seeds}", f"splits={config.splits}"])  # type: ignore[attr-defined]
        (tmp_path / "table.md").write_text("table\n")
        return tmp_path / "table.md"

    monkeypatch.setattr(zeroshot, "run_zeroshot_experiment", fake_run)
    monkeypatch.setattr(zeroshot, "load_data", lambda data, runs_dir="runs": ([], []))
    result = runner.invoke(app, ["experiment", "zeroshot-utd", "splits=[nearest]", "--seeds", "2"])
    assert result.exit_code == 0, result.output
    assert seen == [["seeds=2", "splits=['nearest']"]]  # the file's config, the user's overrides, --seeds
    listed = runner.invoke(app, ["experiment", "--list"])
    assert (
        listed.exit_code == 0 and "utd-table5: UTD-MHAD inter-joint, inertial (SL-DML Table V) (sldml)" in listed.stdout
    )
    for args, expect in (
        (["siamese-utd", "--seeds", "2"], "--seeds: a siamese experiment has no cells or methods or seeds"),
        (["zeroshot-utd", "--cell", "7/20"], "--cell: a zeroshot experiment has no cells or methods"),
        (["utd-table4", "--seeds", "0", "--table-only"], "--seeds=0: expected at least 1"),
    ):
        result = runner.invoke(app, ["experiment", *args])
        assert result.exit_code == 1 and expect in result.stderr, result.output


def test_demo_refuses_a_zero_epoch_option_by_its_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--aligned-epochs", "0", "--output", str(tmp_path)])
    assert result.exit_code == 1 and "--aligned-epochs=0: expected at least 1 epoch" in result.stderr
    assert list(tmp_path.iterdir()) == []  # refused before anything trains or writes
