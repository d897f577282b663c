"""A corpus of hostile and malformed inputs for the ``sldml`` command, generated at test time.

Each :class:`Case` is a command line, the folder it may touch, the exit code it must end with and a pattern its
one-line error must match (naming the file and the field). :func:`build` writes every case's files under a root
folder; ``tests/cli/test_hostile.py`` runs them in-process and ``benchmarks/bench_robustness.py`` runs them as a
user would (real processes) and records the counts. A secret file outside every dataset folder holds
:data:`SECRET`: no output may ever contain it.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.io
from safetensors.numpy import load as load_safetensors
from safetensors.numpy import save as save_safetensors

SECRET = "SECRET-4c1f9e-never-echo-me"
NTU_HEADER = "7 0 1 1 1 1 0 0.1 -0.2 2"
NTU_JOINT = "0.1 0.2 0.3 0 0 0 0 0 0 0 0 2"


@dataclass
class Case:
    """One hostile input.

    Attributes:
        name: Short id.
        command: What is tried, for the record (``info``, ``train``, ...).
        argv: The ``sldml`` arguments.
        code: The exit code expected (1: bad input, 2: a refused option, 0: read correctly despite the trap).
        pattern: A regular expression the error line (or, with code 0, the output) must match.
        folder: The folder whose files must not change (``None``: the case writes on purpose).
        refuse: Text that must NOT appear in the output (besides :data:`SECRET`).
    """

    name: str
    command: str
    argv: list[str]
    code: int
    pattern: str
    folder: Path | None = None
    refuse: list[str] = field(default_factory=list)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below a folder with its size and modification time (to check that nothing changed)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            out[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return out


def _ntu(frames: list[list[str]], count: str | None = None) -> str:
    lines = [count if count is not None else str(len(frames))]
    for frame in frames:
        lines += frame
    return "\n".join(lines) + "\n"


def _ntu_frame(joints: int = 25, joint: str = NTU_JOINT) -> list[str]:
    return ["1", NTU_HEADER, str(joints), *([joint] * joints)]


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_header(shape: tuple[int, ...]) -> bytes:
    """A valid version-1.0 .npy header that declares ``shape`` (float64), followed by 48 bytes of data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + bytes(48)


def _walk(rng: np.random.Generator, frames: int = 30) -> np.ndarray:
    return np.cumsum(rng.normal(0, 0.05, size=(frames, 20, 3)), axis=0) + rng.normal(size=(1, 20, 3))


def _readers(root: Path, rng: np.random.Generator) -> list[Case]:
    folder = root / "files"
    folder.mkdir()
    cases: list[Case] = []

    def case(name: str, text: bytes | str, code: int, pattern: str) -> None:
        path = folder / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        cases.append(Case(f"file {name}", "info", ["info", str(path)], code, pattern, folder))

    def mat(name: str, variables: dict[str, np.ndarray], code: int, pattern: str) -> None:
        buffer = io.BytesIO()
        scipy.io.savemat(buffer, variables)
        case(name, buffer.getvalue(), code, pattern)

    # UTD-MHAD .mat
    case("a1_s1_t1_skeleton.mat", b"MATLAB 5.0 MAT-file" + bytes(range(256)) * 3, 1, r"not a readable MATLAB \.mat")
    case("a1_s1_t2_skeleton.mat", b"", 1, r"a1_s1_t2_skeleton\.mat: not a readable MATLAB \.mat")
    mat("a1_s1_t3_skeleton.mat", {"skeleton": np.zeros((20, 3, 5))}, 1, r"variable 'd_skel' missing; expected")
    mat("a1_s1_t4_skeleton.mat", {"d_skel": rng.normal(size=(19, 3, 9))}, 1, r"'d_skel': shape \(19, 3, 9\)")
    mat("a1_s2_t1_inertial.mat", {"d_iner": rng.normal(size=(40, 5))}, 1, r"'d_iner': shape \(40, 5\); expected")
    nan = rng.normal(size=(20, 3, 9))
    nan[3, 1, 4] = np.nan
    mat("a1_s2_t2_skeleton.mat", {"d_skel": nan}, 1, r"field 'data': 1 non-finite values")
    mat("a1_s2_t3_skeleton.mat", {"d_skel": rng.normal(size=(20, 3, 1))}, 1, r"1 frames; expected at least 2")
    mat("a99_s1_t1_skeleton.mat", {"d_skel": rng.normal(size=(20, 3, 9))}, 1, r"a99_s1_t1_skeleton\.mat: file name")
    # NTU RGB+D .skeleton
    case("S001C001P001R001A001.skeleton", "", 1, r"A001\.skeleton: truncated: file ends after line 0")
    case("S001C001P001R001A002.skeleton", "many\n", 1, r"A002\.skeleton: line 1: 'many'; expected the frame count")
    case("S001C001P001R001A003.skeleton", "0\n", 1, r"A003\.skeleton: line 1: frame count 0; expected at least 1")
    case(
        "S001C001P001R001A004.skeleton",
        _ntu([_ntu_frame()] * 3, count="100000000"),
        1,
        r"A004\.skeleton: line 1: frame count 100000000; expected at most",
    )
    case(
        "S001C001P001R001A005.skeleton",
        _ntu([["10000000", NTU_HEADER, "25", *[NTU_JOINT] * 25]]),
        1,
        r"A005\.skeleton: line 2: body count 10000000; expected at most 10,000",
    )
    case(
        "S001C001P001R001A014.skeleton",
        _ntu([_ntu_frame()] * 2, count="500000"),
        1,
        r"A014\.skeleton: line 1: frame count 500000, but the file's size can hold at most 56",
    )
    case("S001C001P001R001A006.skeleton", _ntu([_ntu_frame(joints=24)] * 2), 1, r"joint count 24; expected 25")
    bad_joint = "0.1 zero 0.3 0 0 0 0 0 0 0 0 2"
    case("S001C001P001R001A007.skeleton", _ntu([_ntu_frame(joint=bad_joint)] * 2), 1, r"'zero' is not a number")
    case("S001C001P001R001A008.skeleton", _ntu([_ntu_frame()] * 2)[:600], 1, r"A008\.skeleton: (truncated|line)")
    case("S001C001P001R001A009.skeleton", _ntu([_ntu_frame()] * 2) + "junk\n", 1, r"unexpected content after the last")
    case("S001C001P001R001A010.skeleton", _ntu([["0"], ["0"]]), 1, r"no body is tracked in any of the 2 frames")
    case("S001C001P001R001A011.skeleton", _ntu([["-1"]]), 1, r"line 2: body count -1; expected 0 or more")
    case("S001C001P001R001A012.skeleton", b"\xff\xfe\x00garbage" * 50, 1, r"A012\.skeleton: cannot read as text")
    nan_joint = "0.1 nan 0.3 0 0 0 0 0 0 0 0 2"
    case("S001C001P001R001A013.skeleton", _ntu([_ntu_frame(joint=nan_joint)] * 2), 1, r"non-finite values")
    # Simitate CSV (ROS tf dump)
    head = "%time,field.header.seq,field.header.stamp,field.header.frame_id,field.child_frame_id,x,y,z,qx,qy,qz,qw\n"

    def tf(stamp: str, x: str = "0.1", child: str = "hand") -> str:
        return f"0,1,{stamp},world,{child},{x},0.2,0.3,0,0,0,1\n"

    case("sim-cols_1.csv", head + "0,1,2\n", 1, r"sim-cols_1\.csv: line 2: 3 columns; expected 12")
    case("sim-text_1.csv", head + tf("1000") + tf("2000", x="left"), 1, r"line 3: 'left' is not a number")
    case("sim-nohand_1.csv", head + tf("1000", child="elbow") * 3, 1, r"0 'world -> hand' rows; expected at least 2")
    case("sim-back_1.csv", head + tf("2000") + tf("1000"), 1, r"time stamps do not increase")
    case("sim-float_1.csv", head + "".join(tf(f"{1.5e9 + i * 3.3e7:.4e}") for i in range(5)), 0, r"mocap")
    # .npy arrays
    case("noise.npy", bytes(rng.integers(0, 256, 400, dtype=np.uint8)), 1, r"noise\.npy: not a \.npy file")
    case("huge.npy", _npy_header((10_000_000_000, 6)), 1, r"huge\.npy: field 'shape' of the \.npy header")
    case(
        "cut.npy",
        _npy_header((1000, 20, 3)),
        1,
        r"cut\.npy: field 'shape' .* needs 480,000 bytes, but the file holds 48",
    )
    obj = io.BytesIO()
    np.save(obj, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    case("pickled.npy", obj.getvalue(), 1, r"pickled\.npy: the \.npy array holds Python objects")
    case("flat2.npy", _npy_bytes(rng.normal(size=(9, 20, 2))), 1, r"cannot infer a layout for an array of shape")
    case("one.npy", _npy_bytes(rng.normal(size=(1, 20, 3))), 1, r"one\.npy: field 'data': 1 frames")
    big = rng.normal(size=(9, 6))
    big[4, 2] = 1e300
    case("overflow.npy", _npy_bytes(big), 1, r"values beyond float32's range")
    case("zeros.npy", _npy_bytes(np.zeros((9, 20, 3))), 1, r"zeros\.npy: field 'data': all 9 frames are zero")
    case("words.npy", _npy_bytes(np.array([["abc"] * 6] * 9)), 1, r"words\.npy: field 'data': expected real numbers")
    case("cube.npy", _npy_bytes(rng.normal(size=(4, 4, 4, 3))), 1, r"cannot infer a layout for an array of shape")
    # .csv arrays
    case("ragged.csv", "1,2,3\n4,5\n", 1, r"ragged\.csv: data row 2: 2 columns; expected 3")
    case("prose.csv", "1,2,3\n4," + "x" * 500 + ",6\n", 1, r"prose\.csv: data row 2, column 2: 'x{40}\.\.\.' is not")
    case("header-only.csv", "ax,ay,az\n", 1, r"header-only\.csv: 0 rows of numbers")
    case("latin.csv", b"1,2,3\n4,\xe9,6\n", 1, r"latin\.csv: cannot read as CSV text")
    bom = "\ufeffax,ay,az,gx,gy,gz\n" + "".join(",".join(f"{v:.3f}" for v in row) + "\n" for row in big[:, :6] * 0 + 1)
    case("bom.csv", bom.encode("utf-8"), 0, r"frames\s+\S*\s*9")
    return cases


def _manifests(root: Path, rng: np.random.Generator) -> list[Case]:
    cases: list[Case] = []
    (root / "outside").mkdir()
    secret = root / "outside" / "secret.csv"
    secret.write_text(f"{SECRET}\n1,2,3\n")
    np.save(root / "outside" / "walk.npy", _walk(rng))

    def dataset(name: str, manifest: str | bytes, code: int, pattern: str, files: tuple[str, ...] = ("a", "b")) -> Path:
        folder = root / name
        folder.mkdir()
        for stem in files:
            np.save(folder / f"{stem}.npy", _walk(rng))
        (folder / "manifest.csv").write_bytes(manifest.encode() if isinstance(manifest, str) else manifest)
        cases.append(Case(name, "info", ["info", str(folder)], code, pattern, folder, refuse=["1,2,3"]))
        return folder

    dataset("m-missing", "file,label\na.npy,x\n", 1, r"manifest\.csv: header 'file,label': missing column\(s\) path")
    dataset("m-repeat", "path,label,label\na.npy,x,y\n", 1, r"a column name is empty or repeated")
    dataset(
        "m-up",
        "path,label\na.npy,x\n../outside/secret.csv,x\n",
        0,
        r"line 3: field 'path' '\.\./outside/secret\.csv' leads outside",
    )
    dataset(
        "m-abs", f"path,label\na.npy,x\n{secret},x\n", 0, r"line 3: field 'path' '/.*' leads outside the dataset folder"
    )
    linked = dataset(
        "m-link", "path,label\na.npy,x\nlink.csv,x\n", 0, r"line 3: field 'path' 'link\.csv' leads outside"
    )
    os.symlink(secret, linked / "link.csv")
    dataset("m-link-npy", "path,label\na.npy,x\nwalk.npy,x\n", 0, r"'walk\.npy' leads outside", files=("a",))
    os.symlink(root / "outside" / "walk.npy", root / "m-link-npy" / "walk.npy")
    dataset(
        "m-twice", "path,label\na.npy,wave\nb.npy,wave\na.npy,kick\n", 1, r"'a\.npy' is listed twice \(lines 2 and 4\)"
    )
    dataset("m-bom", "\ufeffpath,label\na.npy,wave\nb.npy,kick\n", 0, r"2 samples, 2 classes")
    dataset("m-latin", b"path,label\na.npy,w\xe9ve\n", 1, r"manifest\.csv: cannot read the manifest")
    dataset("m-rate", "path,label,rate_hz\na.npy,x,fast\n", 0, r"field 'rate_hz' is 'fast'; expected a number")
    dataset("m-subject", "path,label,subject\na.npy,x,one\n", 0, r"field 'subject' is 'one'; expected a whole number")
    dataset("m-label", "path,label\na.npy,\n", 0, r"line 2: field 'label' is empty")
    dataset("m-lost", "path,label\na.npy,x\nlost.npy,x\n", 0, r"line 3: field 'path': 'lost\.npy' not found")
    walk = root / "w-link"
    walk.mkdir()
    np.save(walk / "a.npy", _walk(rng))
    os.symlink(root / "outside" / "walk.npy", walk / "b.npy")
    cases.append(Case("w-link", "info", ["info", str(walk)], 0, r"b\.npy: a symbolic link to a file outside", walk))
    return cases


def _configs(root: Path) -> list[Case]:
    folder = root / "configs"
    folder.mkdir()
    (folder / "broken.yaml").write_text("train: {epochs: 3\n")
    (folder / "python.yaml").write_text(f"name: !!python/object/apply:os.system ['echo {SECRET} > {folder}/pwned']\n")
    (folder / "list.yaml").write_text("- 1\n- 2\n")
    args: list[tuple[str, list[str], str]] = [
        ("key", ["default", "train.epoch=3"], r"unknown config key\(s\) train\.epoch in train"),
        ("type", ["default", "train.epochs=many"], r"train\.epochs='many'; expected int"),
        ("range", ["default", "train.epochs=-1"], r"train\.epochs=-1 is out of range; expected >= 0"),
        ("nan", ["default", "optim.lr=.nan"], r"optim\.lr=nan is out of range; expected > 0"),
        ("yaml", [str(folder / "broken.yaml")], r"broken\.yaml: not valid YAML"),
        ("python-tag", [str(folder / "python.yaml")], r"python\.yaml: not valid YAML"),
        ("not-mapping", [str(folder / "list.yaml")], r"list\.yaml: expected a mapping at the top level"),
        ("backbone", ["default", "model.backbone=vgg"], r"unknown backbone 'vgg'; valid: frames"),
        ("option", ["default", "model.options.depth=3"], r"backbone 'resnet18' has no option depth"),
        ("baseline", ["default", "evaluate.baselines=[knn]"], r"evaluate\.baselines: unknown knn"),
        ("dataset", ["default", "data.dataset=kinetics"], r"data\.dataset='kinetics'; valid: synthetic"),
        (
            "path",
            ["default", "data.dataset=folder", f"data.path={folder / 'nowhere'}"],
            r"nowhere: data\.path: folder not found",
        ),
        ("protocol", ["default", f"protocol={folder / 'none.yaml'}"], r"protocol file .*none\.yaml not found"),
        ("override", ["default", "train.epochs=[1,"], r"override 'train\.epochs=\[1,': the value is not valid YAML"),
        (
            "batch",
            ["default", "train.batch_size=30"],
            r"train\.batch_size=30 must be a multiple of train\.m_per_class=4",
        ),
    ]
    import pickle

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"echo {SECRET} > {folder}/pwned",))

    (folder / "evil.pt").write_bytes(pickle.dumps({"conv1.weight": Evil()}))
    args.append(
        (
            "pickle",
            ["default", f"model.pretrained={folder / 'evil.pt'}"],
            r"evil\.pt: cannot be loaded safely: it holds Python objects",
        )
    )
    cases = [Case(f"config {name}", "train", ["train", *a], 1, p, folder) for name, a, p in args]
    cases[-1].refuse.append("weights_only=False")  # never suggest the unsafe way
    return cases


def _damage(run: Path, name: str, change: Callable[[Path], None], legacy: bool) -> Path:
    """A copy of a run with one file changed (``legacy``: without finished.json, as runs of earlier versions)."""
    copy = run.parent / f"run-{name}"
    shutil.copytree(run, copy)
    change(copy)
    if legacy:
        (copy / "finished.json").unlink()
    return copy


def _runs(root: Path, run: Path, gallery: Path, query: Path) -> list[Case]:
    cases: list[Case] = []

    def text(name: str, content: str) -> Callable[[Path], None]:
        return lambda folder: (folder / name).write_text(content)

    def cut(name: str) -> Callable[[Path], None]:
        return lambda folder: (folder / name).write_bytes((folder / name).read_bytes()[:100])

    damaged = [
        (
            "unfinished",
            lambda f: (f / "finished.json").unlink() or (f / "results.json").unlink(),
            False,
            r"run-unfinished: is not a finished sldml run: an unfinished run \(no finished\.json",
        ),
        ("weights", cut("model.safetensors"), False, r"model\.safetensors: checksum mismatch"),
        ("classes", text("classes.json", '["a", '), False, r"classes\.json: checksum mismatch"),
        ("legacy-weights", cut("model.safetensors"), True, r"model\.safetensors: not readable weights"),
        ("legacy-classes", text("classes.json", '["a", '), True, r"classes\.json: not valid JSON"),
        (
            "legacy-classes-type",
            text("classes.json", '{"a": 1}'),
            True,
            r"classes\.json: expected a JSON list of class names",
        ),
        ("legacy-config", text("config.yaml", "model: {backbone: frames\n"), True, r"config\.yaml: not valid YAML"),
        ("legacy-config-key", text("config.yaml", "trainer: 3\n"), True, r"config\.yaml: not a valid run config"),
        ("legacy-input", text("input.json", "[1, 2]"), True, r"input\.json: expected a JSON mapping"),
        (
            "legacy-results",
            text("results.json", '{"method": '),
            True,
            r"run-legacy-results: is not a finished sldml run: not valid JSON",
        ),
        ("calibration", text("calibration.json", '{"threshold": '), False, r"calibration\.json: not valid JSON"),
        (
            "calibration-field",
            text("calibration.json", '{"threshold": 1}'),
            False,
            r"calibration\.json: not a calibration",
        ),
    ]
    for name, change, legacy, pattern in damaged:
        copy = _damage(run, name, change, legacy)
        argv = ["recognize", "--model", str(copy), "--gallery", str(gallery), str(query)]
        cases.append(Case(f"run {name}", "recognize", argv, 1, pattern, copy))
    copy = _damage(
        run, "evaluate-unfinished", lambda f: (f / "finished.json").unlink() or (f / "results.json").unlink(), False
    )
    cases.append(Case("evaluate unfinished", "evaluate", ["evaluate", str(copy)], 1, r"an unfinished run", copy))
    return cases


def _galleries(root: Path, run: Path, gallery: Path, query: Path) -> list[Case]:
    folder = root / "galleries"
    folder.mkdir()
    cases: list[Case] = []
    tensors = load_safetensors(gallery.read_bytes())
    from safetensors import safe_open

    with safe_open(str(gallery), framework="np") as handle:
        meta = dict(handle.metadata())

    def write(name: str, vectors: np.ndarray, changes: dict[str, str], redigest: bool) -> Path:
        from sldml.inference.gallery import _digest

        fields = {**meta, **changes}
        if redigest:
            fields["sha256"] = _digest(vectors, fields)
        path = folder / name
        path.write_bytes(save_safetensors({"vectors": vectors}, metadata=fields))
        return path

    vectors = tensors["vectors"]
    labels = json.loads(meta["labels"])
    swapped = json.dumps([labels[-1], *labels[:-1]])
    galleries = [
        ("noise.sldml", lambda p: p.write_bytes(bytes(range(256)) * 4), r"noise\.sldml: not a readable gallery file"),
        ("cut.sldml", lambda p: p.write_bytes(gallery.read_bytes()[:200]), r"cut\.sldml: not a readable gallery file"),
        (
            "edited.sldml",
            lambda p: write(p.name, vectors, {"labels": swapped}, False),
            r"edited\.sldml: field 'sha256': checksum mismatch",
        ),
        (
            "source.sldml",
            lambda p: write(p.name, vectors, {"sources": json.dumps(["x"] * len(labels))}, False),
            r"field 'sha256': checksum mismatch",
        ),
        (
            "unknown.sldml",
            lambda p: write(p.name, vectors, {"labels": json.dumps(["unknown"] * len(labels))}, True),
            r"field 'labels' \[0\]: 'unknown' is the answer",
        ),
        (
            "empty.sldml",
            lambda p: write(p.name, vectors, {"labels": json.dumps([" "] * len(labels))}, True),
            r"field 'labels' \[0\]: expected a non-empty name",
        ),
        (
            "nan.sldml",
            lambda p: write(p.name, np.full_like(vectors, np.nan), {}, True),
            r"nan\.sldml: field 'vectors': NaN or infinite",
        ),
        (
            "v1.sldml",
            lambda p: write(p.name, vectors, {"sldml_gallery": "1"}, True),
            r"expected format 2, got '1'; format 1 did not cover labels",
        ),
        (
            "other.sldml",
            lambda p: write(p.name, vectors, {"model": "0123456789abcdef"}, True),
            r"made by model 0123456789abcdef, not by the loaded model",
        ),
        (
            "count.sldml",
            lambda p: write(p.name, vectors, {"labels": json.dumps(labels[:-1])}, True),
            r"field 'labels': \d+ labels for \d+ vectors",
        ),
    ]
    for name, make, pattern in galleries:
        path = folder / name
        make(path)
        argv = ["recognize", "--model", str(run), "--gallery", str(path), str(query)]
        cases.append(Case(f"gallery {name}", "recognize", argv, 1, pattern, folder))
    cases.append(
        Case(
            "gallery show",
            "gallery show",
            ["gallery", "show", str(folder / "edited.sldml")],
            1,
            r"checksum mismatch",
            folder,
        )
    )
    return cases


def _options(root: Path, run: Path, gallery: Path, query: Path) -> list[Case]:
    folder = root / "options"
    folder.mkdir()
    (folder / "full").mkdir()
    (folder / "full" / "notes.txt").write_text("mine\n")
    base = ["recognize", "--model", str(run), "--gallery", str(gallery), str(query)]
    cases = [
        Case(
            "threshold nan",
            "recognize",
            [*base, "--threshold", "nan"],
            2,
            r"--threshold=nan: expected a finite number",
            folder,
        ),
        Case(
            "threshold negative",
            "recognize",
            [*base, "--threshold", "-1"],
            2,
            r"--threshold=-1.0: expected a finite number >= 0",
            folder,
        ),
        Case(
            "top-k zero", "recognize", [*base, "--top-k", "0"], 2, r"--top-k=0: expected a finite number >= 1", folder
        ),
        Case(
            "count zero", "splits", ["splits", "default", "--count", "0", "--baselines-only"], 2, r"--count=0", folder
        ),
        Case(
            "render width",
            "render",
            ["render", str(query), "-o", str(folder / "a.png"), "--width", "50000000"],
            2,
            r"--width=50000000: expected at most",
            folder,
        ),
        Case(
            "render folder",
            "render",
            ["render", str(query), "-o", str(folder)],
            2,
            r"is a folder; expected a \.png file",
            folder,
        ),
        Case(
            "render suffix",
            "render",
            ["render", str(query), "-o", str(folder / "a.jpg")],
            2,
            r"expected a file name ending in \.png",
            folder,
        ),
        Case(
            "synth non-empty",
            "synth",
            ["synth", str(folder / "full"), "--classes", "2"],
            1,
            r"full: the folder is not empty",
            folder,
        ),
        Case(
            "enrol unknown",
            "enrol",
            ["enrol", "--model", str(run), "--gallery", str(folder / "g.sldml"), "--label", "unknown", str(query)],
            1,
            r"'unknown' is the answer",
            folder,
        ),
        Case(
            "enrol control",
            "enrol",
            ["enrol", "--model", str(run), "--gallery", str(folder / "g.sldml"), "--label", "a\x1b[2Jb", str(query)],
            1,
            r"holds control characters",
            folder,
        ),
        Case(
            "demo epochs",
            "demo",
            ["demo", "--epochs", "0", "--output", str(folder)],
            1,
            r"--epochs=0: expected at least 1 epoch",
            folder,
        ),
    ]
    markup = root / "markup"
    markup.mkdir()
    (markup / "take[").mkdir()  # so that the path reads take[/x].npy: a closing tag of Rich markup
    for name in ("take[/x].npy", "wave[left].npy", "smile:x:.npy"):
        shutil.copy(query, markup / name)
        cases.append(
            Case(
                f"name {name}",
                "info",
                ["info", str(markup / name)],
                0,
                name.replace("[", r"\[").replace(".", r"\."),
                markup,
            )
        )
    return cases


def build(root: Path, run: Path, query: Path) -> list[Case]:
    """Write every case's files under ``root`` and return the cases.

    Args:
        root: An empty folder.
        run: A finished run folder (copied and damaged; never changed itself).
        query: A data file the run's model reads.
    """
    from sldml.inference import Recognizer
    from sldml.io import read

    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    gallery = root / "good.sldml"
    Recognizer.load(run).enrol_into(gallery, "wave", read(query))
    Recognizer.load(run).enrol_into(gallery, "kick", read(query))
    return [
        *_readers(root, rng),
        *_manifests(root, rng),
        *_configs(root),
        *_runs(root, run, gallery, query),
        *_galleries(root, run, gallery, query),
        *_options(root, run, gallery, query),
    ]
