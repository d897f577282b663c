"""Fusion of a sensor and a skeleton recording of the same trial into one sequence (SL-DML Section IV-A).

The paper concatenates the signal matrices, S_fused = (S_imu | S_skl); concatenation needs equal column
counts, so the recording with the higher sample rate is first resampled to the frame count of the other.
Here the sensor's 3-axis groups become rows above the skeleton's joints, in the fused layout
``SENSOR+SKELETON`` (:func:`sldml.layouts.fused`), so every transform and representation applies as usual.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sldml.errors import DataError
from sldml.layouts import fused
from sldml.sequence import Sequence
from sldml.transforms import resample_array


def fuse(sensor: Sequence, skeleton: Sequence) -> Sequence:
    """Fuse a sensor recording (e.g. ``imu6``) and a skeleton recording of the same trial.

    Returns:
        A ``fused`` sequence of the lower rate's frame count: the sensor's groups as rows, then the joints.

    Raises:
        DataError: If the layouts cannot be fused or the two recordings disagree on label, subject or trial.
    """
    both = f"{sensor.source} + {skeleton.source}"
    for field in ("label", "class_id", "subject", "trial"):
        a, b = getattr(sensor, field), getattr(skeleton, field)
        if a is not None and b is not None and a != b:
            raise DataError(both, f"field {field!r}: {a!r} and {b!r}; fusion needs two recordings of one trial")
    sensor_layout, skeleton_layout = sensor.get_layout(), skeleton.get_layout()
    try:
        layout = fused(sensor_layout, skeleton_layout)
    except ValueError as err:
        raise DataError(both, str(err)) from None
    frames = sensor.frames if sensor.rate_hz <= skeleton.rate_hz else skeleton.frames
    rate = min(sensor.rate_hz, skeleton.rate_hz)
    channels = resample_array(sensor.data, frames)
    rows = np.stack([channels[:, list(group)] for group in sensor_layout.groups], axis=1)  # (T, groups, 3)
    data = np.concatenate([rows, resample_array(skeleton.data, frames)], axis=1)
    return Sequence(
        data=data,
        layout=layout.name,
        rate_hz=rate,
        label=skeleton.label if skeleton.label is not None else sensor.label,
        class_id=skeleton.class_id if skeleton.class_id is not None else sensor.class_id,
        subject=skeleton.subject if skeleton.subject is not None else sensor.subject,
        trial=skeleton.trial if skeleton.trial is not None else sensor.trial,
        modality="fused",
        source=both,
        meta={"fused_from": [str(sensor.source), str(skeleton.source)]},
    )


def fuse_pairs(
    sequences: Iterable[Sequence], sensor: str = "inertial", skeleton: str = "skeleton"
) -> tuple[list[Sequence], list[str]]:
    """Fuse every trial recorded in both modalities.

    Trials are matched on (class, subject, trial). Returns the fused sequences and one line for each
    recording that has no partner (so that nothing is dropped silently).
    """
    groups: dict[tuple[object, ...], dict[str, Sequence]] = {}
    fused_out, unpaired = [], []
    for seq in sequences:
        if seq.modality in (sensor, skeleton):
            key = (seq.class_id if seq.class_id is not None else seq.label, seq.subject, seq.trial)
            group = groups.setdefault(key, {})
            if seq.modality in group:
                unpaired.append(
                    f"{seq.source}: a second {seq.modality} recording of class {key[0]}, subject {key[1]}, "
                    f"trial {key[2]} (first: {group[seq.modality].source}); not fused"
                )
                continue
            group[seq.modality] = seq
    for pair in groups.values():
        if sensor in pair and skeleton in pair:
            fused_out.append(fuse(pair[sensor], pair[skeleton]))
        else:
            [(have, alone)] = pair.items()
            missing = skeleton if have == sensor else sensor
            unpaired.append(f"{alone.source}: no {missing} recording of the same trial to fuse with")
    return fused_out, unpaired
