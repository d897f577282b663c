"""A full-size stand-in for NTU RGB+D 120: ``.skeleton`` text files with the real naming and shapes, made up.

For measuring the whole pipeline at NTU RGB+D 120's size (114,480 files) without the real data, which is
distributed on request only. It imitates what costs time and memory, not what makes the task hard: it is not a
benchmark of accuracy.

* **Names** ``SsssCcccPpppRrrrAaaa``, in NTU RGB+D 120's structure: setups 1-17 hold actions 1-60 and setups
  18-32 actions 61-120; each (setup, performer) pair records every action of its half from 3 cameras, 2
  replications each (360 files). The first pairs are (setup 1, performer 8) and (setup 18, performer 8), camera 3
  and replication 1 first, so that the files of the ``ntu120-oneshot`` protocol's references (S001C003P008R001
  for actions up to 60, S018C003P008R001 above) come within the first 420 files of any count.
* **Content.** 120 actions from the built-in synthetic body (:mod:`sldml.io.synthetic`): the 23 synthetic
  actions in 6 variants (as made, time-reversed, mirrored, both, slowed at the start, slowed at the end),
  converted to the 25 Kinect v2 joints through the common body (:mod:`sldml.bodies`) and seen by cameras 1-3 from
  -45, 0 and +45 degrees. Two styles of performer (by the performer number's parity).
* **Lengths** log-normal, mean about 85 frames, clipped to 30-300, each file a random crop of its clip
  stretched to its length.
* **Bodies.** The mutual actions (50-60, 106-120: 26 of 120, about a fifth of the files) have a second
  performer in every frame; about 3 % of the other files have a still bystander in their first frames (the
  reader's main-actor rule must drop it) and about 2 % start with frames without any body (the reader fills
  them).
* **Text** as the Kinect SDK's files: per joint x y z (metres) and the depth, colour, orientation and
  tracking-state columns, 7 significant digits, CRLF line ends; about 2.6 KB per body and frame, so the whole
  stand-in is about 30 GB.

Speed: every clip's frames are formatted once into one block of text; a file is then put together from slices of
those blocks (its crop and length choose the frames), so writing costs little more than the disk. Files are
written by worker processes into a temporary folder beside the target, which is renamed into place at the end
(an interrupted run leaves no half-written dataset). File ``i``'s content depends on ``(seed, i)`` only.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sldml.bodies import convert
from sldml.errors import ConfigError, DataError
from sldml.io.synthetic import View, generate, list_actions
from sldml.resources import removed_on_failure
from sldml.sequence import Sequence

N_FILES = 114_480
"""Files of NTU RGB+D 120."""
MUTUAL = frozenset([*range(50, 61), *range(106, 121)])
"""Actions with two performers (NTU RGB+D 120's mutual actions)."""
CAMERA_AZIMUTHS = {1: -45.0, 2: 0.0, 3: 45.0}
_STYLES = 2
_VARIANTS = 6
_MEAN_FRAMES, _MIN_FRAMES, _MAX_FRAMES = 85, 30, 300
_LOG_SIGMA = 0.45
_BYSTANDER_SHARE, _EMPTY_SHARE = 0.03, 0.02
_CHUNK = 64
_PARTNER_OFFSET = np.array([0.85, 0.0, 0.35])
_BYSTANDER_OFFSET = np.array([-1.3, 0.0, 0.6])
_FX_DEPTH, _FX_COLOUR = 365.5, 1081.4
_BYTES_PER_FILE = 300_000  # about 85 frames of 1.2 bodies of 2.6 KB (measured: 290 KB a file)

Advance = Callable[[int], None]


@dataclass(frozen=True)
class StandinFile:
    """One file of the stand-in: its numbers and its name."""

    setup: int
    camera: int
    performer: int
    replication: int
    action: int

    @property
    def name(self) -> str:
        """``SsssCcccPpppRrrrAaaa.skeleton``."""
        return (
            f"S{self.setup:03d}C{self.camera:03d}P{self.performer:03d}R{self.replication:03d}A{self.action:03d}"
            ".skeleton"
        )


def _pairs() -> list[tuple[int, int]]:
    """(setup, performer) pairs in writing order, alternating the two halves of the actions."""
    out = [(1, 8), (18, 8)]
    seen = set(out)
    for k in range(17 * 106):  # every pair of both halves (17 and 106, 15 and 106 are coprime)
        for pair in ((k % 17 + 1, (7 * k + 3) % 106 + 1), (k % 15 + 18, (11 * k + 5) % 106 + 1)):
            if pair not in seen:
                seen.add(pair)
                out.append(pair)
    return out


def standin_files(n_files: int = N_FILES) -> list[StandinFile]:
    """The first ``n_files`` files of the stand-in, in writing order (see the module docstring).

    Raises:
        ConfigError: If ``n_files`` is below 1 or above what the naming allows (1,221,120 files).
    """
    pairs = _pairs()
    per_pair = 60 * 3 * 2
    if not 1 <= n_files <= len(pairs) * per_pair:
        raise ConfigError(f"--files {n_files}: expected 1 to {len(pairs) * per_pair:,}")
    out: list[StandinFile] = []
    for setup, performer in pairs:
        actions = range(1, 61) if setup <= 17 else range(61, 121)
        for replication in (1, 2):
            for camera in (3, 1, 2):
                for action in actions:
                    out.append(StandinFile(setup, camera, performer, replication, action))
                    if len(out) == n_files:
                        return out
    return out


def _variant(data: npt.NDArray[np.float64], variant: int) -> npt.NDArray[np.float64]:
    """One of the 6 variants of a synthetic action (see the module docstring)."""
    if variant in (1, 3):
        data = data[::-1]
    if variant in (2, 3):
        centre = data[0, :, 0].mean()
        data = data.copy()
        data[..., 0] = 2 * centre - data[..., 0]
    if variant in (4, 5):
        t = np.linspace(0.0, 1.0, len(data))
        warped = t**2 if variant == 4 else np.sqrt(t)
        index = np.clip(np.round(warped * (len(data) - 1)).astype(int), 0, len(data) - 1)
        data = data[index]
    return np.ascontiguousarray(data)


def _frame_text(joints: npt.NDArray[np.float64], rng: np.random.Generator) -> list[bytes]:
    """Each frame's 25 joint lines, as the Kinect SDK writes them (12 columns, CRLF)."""
    frames = len(joints)
    x, y, z = joints[..., 0], joints[..., 1], np.maximum(joints[..., 2], 0.5)
    quaternion = rng.normal(size=(1, 25, 4))
    quaternion /= np.linalg.norm(quaternion, axis=-1, keepdims=True)
    columns = [
        x,
        y,
        z,
        256.0 + _FX_DEPTH * x / z,
        212.0 - _FX_DEPTH * y / z,
        960.0 + _FX_COLOUR * x / z,
        540.0 - _FX_COLOUR * y / z,
        *np.broadcast_to(quaternion, (frames, 25, 4)).transpose(2, 0, 1),
        np.where(rng.random((frames, 25)) < 0.03, 1.0, 2.0),
    ]
    table = np.stack(columns, axis=-1).reshape(frames, 25 * 12)
    line = "%.7g %.7g %.7g %.7g %.7g %.7g %.7g %.7g %.7g %.7g %.7g %d\r\n"
    frame_format = line * 25
    return [(frame_format % tuple(row)).encode() for row in table.tolist()]


@dataclass
class _Clip:
    """One clip's frames as text: one block of bytes and where each frame starts."""

    text: bytes
    starts: npt.NDArray[np.int64]

    @classmethod
    def of(cls, frames: list[bytes]) -> _Clip:
        starts = np.concatenate([[0], np.cumsum([len(f) for f in frames])]).astype(np.int64)
        return cls(b"".join(frames), starts)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def frame(self, index: int) -> memoryview:
        return memoryview(self.text)[self.starts[index] : self.starts[index + 1]]


@dataclass
class _Pool:
    """Every clip the files are made of: (action, style, camera) -> main clip, and partner clips for mutual ones."""

    main: dict[tuple[int, int, int], _Clip]
    partner: dict[tuple[int, int, int], _Clip]
    bystander: _Clip


def _clip_pool(files: list[StandinFile], seed: int) -> _Pool:
    """Format the clips the given files use, each once; a clip's text depends on the seed and its key only."""
    bases = list_actions()
    views = [View(CAMERA_AZIMUTHS[c]) for c in (1, 2, 3)]
    needed = sorted({(f.action, f.performer % _STYLES, f.camera) for f in files})
    main: dict[tuple[int, int, int], _Clip] = {}
    partner: dict[tuple[int, int, int], _Clip] = {}
    made: dict[int, dict[tuple[int, int, int], Sequence]] = {}  # variant -> (base action, style, camera) -> clip

    def body(variant: int, base: int, style: int, camera: int) -> npt.NDArray[np.float64]:
        if variant not in made:
            samples = generate(len(bases), _STYLES, 1, seed * 100 + variant, modalities=("skeleton",), views=views)
            azimuths = [round(v.azimuth_deg) for v in views]
            made[variant] = {
                (int(q.class_id or 0), int(q.subject or 0) - 1, 1 + azimuths.index(int(q.meta["view"]))): q
                for q in samples
            }
        joints = convert(made[variant][(base, style, camera)], "kinect_v2").data.astype(np.float64)
        return _variant(joints, variant)

    for action, style, camera in needed:
        variant, base = divmod(action - 1, len(bases))
        joints = body(variant, base + 1, style, camera)
        main[(action, style, camera)] = _Clip.of(
            _frame_text(joints, np.random.default_rng([seed, action, style, camera]))
        )
        if action in MUTUAL:
            moved = body(variant, base + 1, 1 - style, camera) + _PARTNER_OFFSET
            rng = np.random.default_rng([seed, action, style, camera, 1])
            partner[(action, style, camera)] = _Clip.of(_frame_text(moved, rng))
    still = np.repeat(body(0, 1, 0, 2)[:1] + _BYSTANDER_OFFSET, 2, axis=0)  # whoever first stood in camera 2
    bystander = _Clip.of(_frame_text(still, np.random.default_rng([seed, 0])))
    return _Pool(main, partner, bystander)


def _frames_of(rng: np.random.Generator) -> int:
    mu = math.log(_MEAN_FRAMES) - _LOG_SIGMA**2 / 2
    return int(np.clip(round(rng.lognormal(mu, _LOG_SIGMA)), _MIN_FRAMES, _MAX_FRAMES))


def _body_line(body_id: int, rng: np.random.Generator) -> bytes:
    lean = rng.normal(0.0, 0.15, size=2)
    return f"{body_id} 0 1 1 1 1 0 {lean[0]:.7g} {lean[1]:.7g} 2\r\n".encode()


def _pick(clip: _Clip, frames: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Which of the clip's frames make a file's frames: a random crop stretched to ``frames``."""
    start = rng.uniform(0.0, 0.12) * (len(clip) - 1)
    end = (1.0 - rng.uniform(0.0, 0.12)) * (len(clip) - 1)
    return np.round(np.linspace(start, end, frames)).astype(np.int64)


def file_content(file: StandinFile, number: int, seed: int, pool: _Pool) -> tuple[bytes, int, int]:
    """The text of file ``number`` (see the module docstring), its frame count and its body count."""
    rng = np.random.default_rng([seed, number])
    style = file.performer % _STYLES
    clip = pool.main[(file.action, style, file.camera)]
    frames = _frames_of(rng)
    main_frames = _pick(clip, frames, rng)
    main_id = 72057594037900000 + (seed * 1_000_003 + number * 7) % 10_000_000
    main_line = _body_line(main_id, rng)
    empty = int(rng.integers(1, 4)) if rng.random() < _EMPTY_SHARE else 0
    second: tuple[_Clip, npt.NDArray[np.int64], bytes, int] | None = None
    if file.action in MUTUAL:
        other = pool.partner[(file.action, style, file.camera)]
        second = (other, _pick(other, frames, rng), _body_line(main_id + 1, rng), frames)
    elif rng.random() < _BYSTANDER_SHARE:
        seen = int(rng.integers(3, 15))
        second = (pool.bystander, np.zeros(frames, dtype=np.int64), _body_line(main_id + 2, rng), seen)
    parts: list[bytes | memoryview] = [f"{frames}\r\n".encode()]
    joint_count = b"25\r\n"
    for t in range(frames):
        if t < empty:
            parts.append(b"0\r\n")
            continue
        both = second is not None and t < second[3]
        parts += [b"2\r\n" if both else b"1\r\n", main_line, joint_count, clip.frame(int(main_frames[t]))]
        if both:
            assert second is not None
            parts += [second[2], joint_count, second[0].frame(int(second[1][t]))]
    bodies = 1 + (second is not None)
    return b"".join(parts), frames, bodies


@dataclass(frozen=True)
class StandinSummary:
    """What :func:`write_ntu_standin` wrote.

    Attributes:
        folder: The folder.
        files: Files written.
        bytes: Their total size.
        two_body_files: Files with a second body (mutual actions and bystanders).
        mean_frames: Mean frame count.
        min_frames: Shortest file, in frames.
        max_frames: Longest file, in frames.
        seconds: Wall time, clip formatting included.
        workers: Processes that wrote the files.
    """

    folder: str
    files: int
    bytes: int
    two_body_files: int
    mean_frames: float
    min_frames: int
    max_frames: int
    seconds: float
    workers: int


_STATE: dict[str, object] = {}  # the clip pool, inherited by forked worker processes


def _write_chunk(task: tuple[str, int, list[int]]) -> tuple[int, int, int, list[int]]:
    """Write files ``numbers`` (a worker's task): bytes, two-body files, total frames, frame counts."""
    folder, seed, numbers = task
    pool = _STATE["pool"]
    files = _STATE["files"]
    assert isinstance(pool, _Pool) and isinstance(files, list)
    written = two = 0
    counts = []
    for number in numbers:
        text, frames, bodies = file_content(files[number], number, seed, pool)
        with open(os.path.join(folder, files[number].name), "wb") as handle:
            handle.write(text)
        written += len(text)
        two += bodies == 2
        counts.append(frames)
    return written, two, sum(counts), counts


def _workers(requested: int, tasks: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(cores if requested <= 0 else requested, tasks))


def write_ntu_standin(
    folder: str | Path,
    n_files: int = N_FILES,
    seed: int = 0,
    workers: int = 0,
    force: bool = False,
    advance: Advance | None = None,
) -> StandinSummary:
    """Write the NTU RGB+D 120 stand-in (see the module docstring).

    Args:
        folder: The folder to write; it must be new or empty (``force``: files of the same names are replaced,
            other files are kept).
        n_files: How many files (the first ``n_files`` of :func:`standin_files`; NTU RGB+D 120 has 114,480).
        seed: The seed; the same seed and count give the same files.
        workers: Processes that write (0: one per core).
        force: Write into a folder that is not empty.
        advance: Called with the number of files written after each batch (a progress bar).

    Raises:
        ConfigError: If ``n_files`` is out of range.
        DataError: If the folder exists and is not empty (without ``force``), or is a file, or the disk has too little
            room for the files.
        Interrupted: If stopped (Ctrl-C); the partial folder is removed.
    """
    start = time.perf_counter()
    target = Path(folder)
    files = standin_files(n_files)
    if target.exists() and not target.is_dir():
        raise DataError(target, "exists and is not a folder; expected a folder to write the stand-in into")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise DataError(target, "the folder is not empty; choose an empty or new folder, or pass --force")
    target.parent.mkdir(parents=True, exist_ok=True)
    needed, free = n_files * _BYTES_PER_FILE, shutil.disk_usage(target.parent).free
    if needed > free:
        raise DataError(
            target, f"{n_files:,} stand-in files need about {needed / 1e9:.1f} GB; {free / 1e9:.1f} GB are free there"
        )
    temporary = target.with_name(f".{target.name}.writing-{uuid.uuid4().hex[:8]}")
    temporary.mkdir()
    stopped = f"writing the NTU stand-in into {target}; nothing was written there"
    try:
        with removed_on_failure(temporary, stopped):
            _STATE.update(pool=_clip_pool(files, seed), files=files)
            tasks = [
                (str(temporary), seed, list(range(a, min(a + _CHUNK, n_files)))) for a in range(0, n_files, _CHUNK)
            ]
            count = _workers(workers, len(tasks))
            total = two = frames_total = 0
            lengths: list[int] = []
            if count == 1:
                results = map(_write_chunk, tasks)
                for written, pairs, frames, counts in results:
                    total, two, frames_total = total + written, two + pairs, frames_total + frames
                    lengths += counts
                    if advance:
                        advance(len(counts))
            else:
                with multiprocessing.get_context("fork").Pool(count) as workers_pool:
                    for written, pairs, frames, counts in workers_pool.imap(_write_chunk, tasks):
                        total, two, frames_total = total + written, two + pairs, frames_total + frames
                        lengths += counts
                        if advance:
                            advance(len(counts))
            if target.is_dir():
                for path in temporary.iterdir():
                    os.replace(path, target / path.name)
                temporary.rmdir()
            else:
                os.replace(temporary, target)
    finally:
        _STATE.clear()
    return StandinSummary(
        folder=str(target),
        files=n_files,
        bytes=total,
        two_body_files=two,
        mean_frames=round(frames_total / n_files, 1),
        min_frames=min(lengths),
        max_frames=max(lengths),
        seconds=round(time.perf_counter() - start, 2),
        workers=count,
    )
