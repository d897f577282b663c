"""Reader for pyskl / mmaction2 skeleton annotation pickles (``.pkl``), through a restricted unpickler.

The file is a dict ``{"split": {name: [frame_dir, ...]}, "annotations": [...]}`` (pyskl), or the bare list of
annotations (older mmaction2 files). Each annotation is a dict:

* ``frame_dir`` (str): the sample's name, e.g. ``S001C001P001R001A001`` for NTU RGB+D;
* ``label`` (int): the class index as the file numbers it (pyskl counts from 0);
* ``keypoint``: float array (M, T, V, C) for M people, T frames, V joints, C = 2 (image pixels) or 3 (metres);
* ``keypoint_score`` (M, T, V), optional: the confidence of 2-D keypoints;
* ``total_frames`` (int, optional, must equal T) and ``img_shape`` ((height, width), optional).

One pickle holds many samples: one sequence per annotation (the main person), or one per person with
``people="all"``. The layout follows (V, C): 2-D 17 joints ``coco17`` (pyskl's HRNet keypoints), 18
``openpose_coco18`` (Kinetics-skeleton), 25 ``openpose_body25``; 3-D 25 ``kinect_v2`` (NTU), 20 ``kinect_v1``,
any other V ``points-V``. 2-D keypoints with a score below ``threshold`` are missing and filled
(:mod:`sldml.io._keypoints`); without scores, a person's all-zero frames (pyskl's padding) are the missing ones.

Labels: ``label`` is ``str(label)`` and ``class_id`` the number, or the class name when the file carries a
list of names under ``"classes"``. When ``frame_dir`` follows NTU naming, subject and trial are its performer
and replication. ``meta["split"]`` lists the split names that contain the sample. The rate is not in the file:
30 Hz unless ``rate_hz`` is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sldml.errors import DataError
from sldml.io._keypoints import CONFIDENCE, People, Track, check_people, choose
from sldml.io.ntu import parse_name
from sldml.io.pickles import is_pickle, load_data_pickle
from sldml.io.registry import register_format
from sldml.sequence import Sequence

RATE_HZ = 30.0
_LAYOUTS_2D = {17: "coco17", 18: "openpose_coco18", 25: "openpose_body25"}
_LAYOUTS_3D = {25: "kinect_v2", 20: "kinect_v1"}


def _layout(path: Path, where: str, joints: int, coords: int) -> str:
    if coords == 3:
        return _LAYOUTS_3D.get(joints, f"points-{joints}")
    if joints not in _LAYOUTS_2D:
        raise DataError(path, f"{where} field 'keypoint': {joints} 2-D joints; expected 17 (COCO), 18 or 25 (OpenPose)")
    return _LAYOUTS_2D[joints]


def _annotations(path: Path, top: Any) -> tuple[list[Any], dict[str, list[str]], list[str] | None]:
    if isinstance(top, list):
        return top, {}, None
    if not isinstance(top, dict) or not isinstance(top.get("annotations"), list):
        raise DataError(
            path,
            f"top level is {type(top).__name__}; expected a dict with 'split' and 'annotations' (a list) "
            "or a list of annotations",
        )
    split = top.get("split", {})
    if not isinstance(split, dict) or not all(isinstance(v, list | tuple) for v in split.values()):
        raise DataError(path, "field 'split': expected a dict of split name -> list of frame_dir")
    classes = top.get("classes")
    if classes is not None and not (isinstance(classes, list | tuple) and all(isinstance(c, str) for c in classes)):
        raise DataError(path, "field 'classes': expected a list of class names")
    names = list(classes) if classes is not None else None
    return top["annotations"], {str(k): [str(x) for x in v] for k, v in split.items()}, names


def _array(path: Path, where: str, ann: dict[str, Any], key: str, ndim: int, shape: str) -> np.ndarray:
    value = ann.get(key)
    if not isinstance(value, np.ndarray) or value.ndim != ndim or not np.issubdtype(value.dtype, np.number):
        got = f"shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise DataError(path, f"{where} field {key!r}: {got}; expected a numeric array {shape}")
    return value.astype(np.float64)


def _tracks(path: Path, where: str, ann: dict[str, Any]) -> tuple[list[Track], int, int]:
    keypoint = _array(path, where, ann, "keypoint", 4, "(M, T, V, C)")
    m, t, v, c = keypoint.shape
    if c not in (2, 3) or t < 1 or m < 1:
        raise DataError(path, f"{where} field 'keypoint': shape {keypoint.shape}; expected (M, T, V, 2 or 3)")
    if "keypoint_score" in ann:
        scores = _array(path, where, ann, "keypoint_score", 3, f"(M, T, V) = ({m}, {t}, {v})")
        if scores.shape != (m, t, v):
            raise DataError(path, f"{where} field 'keypoint_score': shape {scores.shape}; expected ({m}, {t}, {v})")
    else:  # no scores: a person's all-zero frames are padding
        scores = np.repeat(np.any(keypoint != 0, axis=(2, 3))[:, :, None], v, axis=2).astype(np.float64)
    points = keypoint if c == 3 else np.concatenate([keypoint, np.zeros((m, t, v, 1))], axis=3)
    if not np.all(np.isfinite(points)):
        raise DataError(path, f"{where} field 'keypoint': NaN or inf values; expected finite numbers")
    return [Track(points[i], scores[i], str(i)) for i in range(m)], v, c


def _label(path: Path, where: str, ann: dict[str, Any], classes: list[str] | None) -> tuple[str, int]:
    label = ann.get("label")
    if isinstance(label, np.integer):
        label = int(label)
    if not isinstance(label, int) or isinstance(label, bool) or label < 0:
        raise DataError(path, f"{where} field 'label': {label!r}; expected a class index >= 0")
    if classes is not None:
        if label >= len(classes):
            raise DataError(path, f"{where} field 'label': {label}; expected < {len(classes)} (the 'classes' list)")
        return classes[label], label
    return str(label), label


def read_pyskl(
    path: Path, people: People = "main", threshold: float = CONFIDENCE, rate_hz: float = RATE_HZ
) -> list[Sequence]:
    """Read every annotation of a pyskl / mmaction2 pickle (see the module docstring).

    Raises:
        DataError: If the pickle is unsafe (a forbidden global), unreadable, or an annotation lacks a field or has
            one of the wrong type or shape (the message names the annotation's index and frame_dir).
        ConfigError: If ``people`` is not ``main`` or ``all``.
    """
    check_people(people)
    path = Path(path)
    annotations, split, classes = _annotations(path, load_data_pickle(path))
    splits_of: dict[str, list[str]] = {}
    for split_name, members in split.items():
        for member in members:
            splits_of.setdefault(member, []).append(split_name)
    out: list[Sequence] = []
    for index, ann in enumerate(annotations):
        if not isinstance(ann, dict) or not isinstance(ann.get("frame_dir"), str):
            raise DataError(path, f"annotations[{index}]: expected a dict with a 'frame_dir' string")
        frame_dir = ann["frame_dir"]
        where = f"annotations[{index}] ({frame_dir}):"
        tracks, joints, coords = _tracks(path, where, ann)
        frames = tracks[0].points.shape[0]
        total = ann.get("total_frames", frames)
        if not isinstance(total, int | np.integer) or int(total) != frames:
            raise DataError(path, f"{where} field 'total_frames': {total}; expected {frames} (the keypoint's T)")
        label, class_id = _label(path, where, ann, classes)
        name = parse_name(Path(frame_dir))
        shape = ann.get("img_shape")
        meta: dict[str, object] = {
            "format": "pyskl",
            "frame_dir": frame_dir,
            "index": index,
            "split": splits_of.get(frame_dir, []),
        }
        if isinstance(shape, tuple | list) and len(shape) == 2:
            meta["img_shape"] = [int(shape[0]), int(shape[1])]
        for _, points, extra in choose(tracks, people, threshold, path, f"{where} "):
            out.append(
                Sequence(
                    data=points,
                    layout=_layout(path, where, joints, coords),
                    rate_hz=rate_hz,
                    label=label,
                    class_id=class_id,
                    subject=name["performer"] if name else None,
                    trial=name["replication"] if name else None,
                    source=str(path),
                    meta={**meta, **extra},
                )
            )
    return out


@register_format(
    "pyskl", is_pickle, "pyskl / mmaction2 skeleton annotation pickle (.pkl)", priority=40, aliases=("mmaction",)
)
def _read_default(path: Path) -> list[Sequence]:
    return read_pyskl(path)
