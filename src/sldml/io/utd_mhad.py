"""Reader for UTD-MHAD skeleton and inertial ``.mat`` files.

``aA_sS_tT_skeleton.mat`` holds ``d_skel``, 20 joints x 3 (x, y, z in metres) x T frames of a Kinect v1
at 30 Hz; ``aA_sS_tT_inertial.mat`` holds ``d_iner``, T x 6 (accelerometer x, y, z in g, gyroscope
x, y, z in deg/s) at 50 Hz. The file name gives action A (1-27), subject S and trial T.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io

from sldml import classnames
from sldml.errors import DataError
from sldml.io._text import excerpt
from sldml.io.limits import check_shape
from sldml.io.registry import register_format
from sldml.layouts import IMU6, KINECT_V1
from sldml.sequence import Sequence

SKELETON_RATE_HZ = 30.0
INERTIAL_RATE_HZ = 50.0
_NAME = re.compile(r"^a(\d+)_s(\d+)_t(\d+)_(skeleton|inertial)\.mat$")
_VARIABLES = {"skeleton": "d_skel", "inertial": "d_iner"}


def parse_name(path: Path) -> tuple[int, int, int, str] | None:
    """(action, subject, trial, modality) from a UTD-MHAD file name, or ``None`` if it is not one."""
    match = _NAME.match(path.name)
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), match.group(4)


def _load_mat(path: Path) -> dict[str, Any]:
    """The variables of a .mat file, after checking the sizes its header declares (:mod:`sldml.io.limits`)."""
    try:
        for name, shape, _ in scipy.io.whosmat(str(path)):
            check_shape(path, f"variable {excerpt(name)}: declared shape", tuple(shape), 8, None)
        return dict(scipy.io.loadmat(str(path)))
    except DataError:
        raise
    except Exception as err:  # scipy raises many types (ValueError, OSError, TypeError) for bad files
        reason = excerpt(str(err).splitlines()[0] if str(err) else "", 80)
        raise DataError(path, f"not a readable MATLAB .mat file ({type(err).__name__}: {reason})") from None


@register_format("utd_mhad", lambda p: p.suffix.lower() == ".mat", "UTD-MHAD .mat (d_skel / d_iner)")
def read_utd_mhad(path: Path) -> list[Sequence]:
    """Read one UTD-MHAD skeleton or inertial file.

    Files whose name does not follow ``aA_sS_tT_{skeleton,inertial}.mat`` are still read (by the
    variable they hold), with label, subject and trial left empty.

    Raises:
        DataError: If the file is unreadable, lacks the variable, or the variable has the wrong shape.
    """
    path = Path(path)
    parsed = parse_name(path)
    mat = _load_mat(path)
    if parsed is not None:
        modality = parsed[3]
    else:
        found = [m for m, var in _VARIABLES.items() if var in mat]
        modality = found[0] if found else "skeleton"
    var = _VARIABLES[modality]
    if var not in mat:
        present = sorted(k for k in mat if not k.startswith("__")) or ["none"]
        raise DataError(
            path,
            f"variable {var!r} missing; expected {var!r} ({'20x3xT' if modality == 'skeleton' else 'Tx6'}), "
            f"found: {', '.join(present)}",
        )
    raw = np.asarray(mat[var])
    if modality == "skeleton":
        if raw.ndim != 3 or raw.shape[:2] != (KINECT_V1.size, 3):
            raise DataError(path, f"variable 'd_skel': shape {raw.shape}; expected (20, 3, T)")
        data, layout, rate = np.transpose(raw, (2, 0, 1)), KINECT_V1.name, SKELETON_RATE_HZ
    else:
        if raw.ndim != 2 or raw.shape[1] != IMU6.size:
            raise DataError(path, f"variable 'd_iner': shape {raw.shape}; expected (T, 6)")
        data, layout, rate = raw, IMU6.name, INERTIAL_RATE_HZ
    label = class_id = subject = trial = None
    if parsed is not None:
        class_id, subject, trial, _ = parsed
        try:
            label = classnames.utd_mhad().name(class_id)
        except ValueError as err:
            raise DataError(path, f"file name: {err}") from None
    return [
        Sequence(
            data=data,
            layout=layout,
            rate_hz=rate,
            label=label,
            class_id=class_id,
            subject=subject,
            trial=trial,
            modality=modality,
            source=str(path),
            meta={"format": "utd_mhad"},
        )
    ]
