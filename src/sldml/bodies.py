"""Convert a skeleton sequence from one layout to another through the common body.

Every single-body skeleton layout that sldml ships (``kinect_v1``, ``kinect_v2``, ``openpose_body25``,
``openpose_coco18``, ``coco17``, ``mediapipe``, ``mediapipe_world``, ``cmu31``) maps onto the 15 joints of the
common body (:data:`sldml.layouts.COMMON_JOINTS`: head, neck, pelvis, shoulders, elbows, wrists, hips, knees,
ankles). :func:`convert` goes through it:

1. Each common joint is read from the source: its joint, or the mean of its joints (a COCO-17 pelvis is the
   mean of the hips, its neck the mean of the shoulders).
2. Each target joint that *is* a common joint is copied from it.
3. Each other target joint is estimated from two common joints by the target layout's rule
   ``a + t * (b - a)`` (``Layout.estimates``, written beside each layout): a Kinect v1 hand is
   ``elbow + 1.3 * (wrist - elbow)``, its spine ``pelvis + 0.15 * (neck - pelvis)``; face points go on the
   head point. The rules are rough for joints that point somewhere the common body cannot say (feet, faces).

So the common joints survive a round trip exactly where both layouts have them as joints; a joint one side
derives (a neck that is the mean of the shoulders) comes back as that derivation. Converting between 2-D image
keypoints and 3-D positions is refused, and units are not changed (pixels stay pixels).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sldml.errors import DataError
from sldml.layouts import COMMON_JOINTS, Layout, get_layout, list_layouts
from sldml.layouts.base import copied_joints
from sldml.sequence import Sequence


def common_layout(dims: int = 3) -> Layout:
    """The common body as a layout: ``common`` (3-D) or ``common_2d`` (image keypoints)."""
    return get_layout("common" if dims == 3 else "common_2d")


def mapped_layouts() -> list[str]:
    """Names of the layouts with a mapping onto the common body."""
    return [name for name in list_layouts() if get_layout(name).body]


def _check(layout: Layout, seq: Sequence, role: str) -> None:
    if layout.kind != "skeleton" or not layout.body:
        raise DataError(
            seq.source,
            f"convert: {role} layout {layout.name!r} has no mapping onto the common body; "
            f"expected one of {', '.join(mapped_layouts())}",
        )


def to_common(data: npt.NDArray[np.float32], layout: Layout) -> npt.NDArray[np.float32]:
    """(T, J, 3) data of ``layout`` -> (T, 15, 3) common joints (each the mean of its mapped joints)."""
    mapping = dict(layout.body)
    out = np.empty((data.shape[0], len(COMMON_JOINTS), 3), dtype=np.float32)
    for k, name in enumerate(COMMON_JOINTS):
        rows = [layout.index(j) for j in mapping[name]]
        out[:, k] = data[:, rows].mean(axis=1)
    return out


def from_common(body: npt.NDArray[np.float32], layout: Layout) -> npt.NDArray[np.float32]:
    """(T, 15, 3) common joints -> (T, J, 3) data of ``layout``: copies, then estimates (module docstring)."""
    index = {name: k for k, name in enumerate(COMMON_JOINTS)}
    out = np.empty((body.shape[0], layout.size, 3), dtype=np.float32)
    for joint, name in copied_joints(layout).items():
        out[:, layout.index(joint)] = body[:, index[name]]
    for joint, a, b, t in layout.estimates:
        start, end = body[:, index[a]], body[:, index[b]]
        out[:, layout.index(joint)] = start + np.float32(t) * (end - start)
    return out


def convert(seq: Sequence, layout: str) -> Sequence:
    """Convert a skeleton sequence to another layout through the common body (see the module docstring).

    Args:
        seq: A sequence in a layout with a common-body mapping.
        layout: The target layout's name (``common`` / ``common_2d`` for the common joints alone).

    Returns:
        A new sequence in ``layout``; ``meta["converted_from"]`` names the source layout.

    Raises:
        DataError: If either layout has no mapping onto the common body, or one is 2-D image keypoints and the
            other 3-D positions.
        ConfigError: If ``layout`` names no layout.
    """
    source, target = seq.get_layout(), get_layout(layout)
    if source.name == target.name:
        return seq
    _check(source, seq, "source")
    _check(target, seq, "target")
    if source.dims != target.dims:
        raise DataError(
            seq.source,
            f"convert: layout {source.name!r} is {source.dims}-D and {target.name!r} is {target.dims}-D; "
            "expected layouts of the same dimension (2-D image keypoints and 3-D positions do not convert)",
        )
    data = from_common(to_common(seq.data, source), target)
    return seq.replace(data=data, layout=target.name, meta={**seq.meta, "converted_from": source.name})
