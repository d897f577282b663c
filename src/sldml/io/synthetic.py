"""The built-in synthetic dataset: seeded skeleton actions in the Kinect v1 layout, plus a wrist IMU.

It is the data of the fast tests, so that every code path runs without a download. A small forward-kinematics
body (pelvis, spine, head, two arms and two legs with the 20 Kinect v1 joints; :mod:`sldml.io._body`, shared
with the procedural generator :mod:`sldml.io.procedural`) is driven by joint-angle curves: each action is a
set of keyframed or oscillating angle curves over a phase from 0 to 1, interpolated smoothly (PCHIP).
Simulated subjects differ in body size, speed, movement amplitude, timing (a monotone time warp and idle
frames before and after), facing direction, position in front of the camera and sensor noise; each trial
varies them a little.

The IMU is worn on the right wrist, as UTD-MHAD's is for most actions. Its accelerometer is the
second derivative of the wrist trajectory plus gravity, expressed in the forearm's frame (in g); its
gyroscope is the angular velocity of the forearm's orientation (in deg/s). Skeletons are sampled at
30 Hz and the IMU at 50 Hz from the same motion.

Generation is deterministic: a (seed, subject, action, trial) tuple always gives the same sample,
whatever else is generated alongside it.

The body, the camera and the IMU live in :mod:`sldml.io._body`; this module holds the 23 actions' angle curves,
the subjects and the trials, so that each action reads as one table of curves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.interpolate import PchipInterpolator

from sldml.errors import ConfigError
from sldml.io._body import (
    GRAVITY,
    IMU_RATE_HZ,
    SKELETON_RATE_HZ,
    Placement,
    View,
    body_proportions,
    camera,
    envelope,
    facing,
    imu,
    pose,
    smootherstep,
)
from sldml.layouts import IMU6, KINECT_V1
from sldml.sequence import Sequence

__all__ = [
    "ACTIONS",
    "GRAVITY",
    "IMU_RATE_HZ",
    "SKELETON_RATE_HZ",
    "SubjectStyle",
    "View",
    "body_proportions",
    "generate",
    "list_actions",
]

Array = npt.NDArray[np.float64]
Curve = Callable[[Array], Array]

# Rest pose, in degrees. Arm angles: flexion raises the arm forward, abduction sideways (outwards).
_REST = {"r_sh_abd": 8.0, "l_sh_abd": 8.0, "r_el_flex": 12.0, "l_el_flex": 12.0}
_CHANNELS = (
    "torso_pitch",
    "torso_yaw",
    "jump",
    "r_sh_flex",
    "r_sh_abd",
    "r_el_flex",
    "r_el_abd",
    "l_sh_flex",
    "l_sh_abd",
    "l_el_flex",
    "l_el_abd",
    "r_hip_flex",
    "r_hip_abd",
    "r_knee",
    "l_hip_flex",
    "l_hip_abd",
    "l_knee",
)


def _keys(*points: tuple[float, float]) -> Curve:
    """A smooth curve through (phase, value) keyframes."""
    u, v = zip(*points, strict=True)
    interp = PchipInterpolator(np.asarray(u), np.asarray(v))
    return lambda phase: np.asarray(interp(phase), dtype=np.float64)


def _hold(value: float, rise: float = 0.2) -> Curve:
    """Rise from 0 to ``value``, hold it, come back to 0."""
    return _keys((0, 0), (rise, value), (1 - rise, value), (1, 0))


def _half(x: Array) -> Array:
    """The positive half of a wave, squared so that its slope is continuous."""
    return np.maximum(0.0, x) ** 2


def _osc(amplitude: float, cycles: float, offset: float = 0.0, shift: float = 0.0) -> Curve:
    """An oscillation inside the envelope: offset + amplitude * sin(2 pi cycles phase + shift)."""
    return lambda p: envelope(p) * (offset + amplitude * np.sin(2 * np.pi * cycles * p + shift))


def _pulses(amplitude: float, cycles: float, offset: float = 0.0) -> Curve:
    """Repeated 0 -> amplitude -> 0 pulses inside the envelope (punches, curls, jacks)."""
    return lambda p: envelope(p) * (offset + amplitude * (0.5 - 0.5 * np.cos(2 * np.pi * cycles * p)))


def _mirror(action: dict[str, Curve]) -> dict[str, Curve]:
    """The same action done with the other side of the body (yaw and abduction signs kept anatomical)."""
    swap = {"r_": "l_", "l_": "r_"}
    out: dict[str, Curve] = {}
    for name, curve in action.items():
        key = swap.get(name[:2], name[:2]) + name[2:] if name[:2] in swap else name
        out[key] = (lambda c: lambda p: -c(p))(curve) if name == "torso_yaw" else curve
    return out


def _walk(cycles: float, hip: float, knee: float, elbow: float, jump: float) -> dict[str, Curve]:
    return {
        "r_hip_flex": lambda p: envelope(p) * hip * _half(np.sin(2 * np.pi * cycles * p)),
        "l_hip_flex": lambda p: envelope(p) * hip * _half(-np.sin(2 * np.pi * cycles * p)),
        "r_knee": lambda p: envelope(p) * knee * _half(np.sin(2 * np.pi * cycles * p)),
        "l_knee": lambda p: envelope(p) * knee * _half(-np.sin(2 * np.pi * cycles * p)),
        "r_sh_flex": _osc(-25, cycles),
        "l_sh_flex": _osc(25, cycles),
        "r_el_flex": _hold(elbow),
        "l_el_flex": _hold(elbow),
        "jump": lambda p: envelope(p) * jump * np.sin(2 * np.pi * cycles * p) ** 2,
    }


_WAVE_RIGHT = {"r_sh_abd": _hold(135), "r_el_abd": _osc(30, 2, offset=10), "r_el_flex": _hold(10)}
_PUNCH_RIGHT = {
    "r_sh_flex": _hold(85),
    "r_el_flex": lambda p: envelope(p) * (110 - 105 * _half(np.sin(2 * np.pi * 2 * p))),
}
_KICK_RIGHT = {
    "r_hip_flex": _keys((0, 0), (0.3, 40), (0.5, 75), (0.7, 40), (1, 0)),
    "r_knee": _keys((0, 0), (0.3, 80), (0.5, 5), (0.7, 70), (1, 0)),
    "l_sh_abd": _hold(30),
    "r_sh_abd": _hold(30),
}
_THROW_RIGHT = {
    "r_sh_flex": _keys((0, 0), (0.45, 165), (0.58, 170), (0.8, 60), (0.92, 20), (1, 0)),
    "r_el_flex": _keys((0, 10), (0.45, 100), (0.58, 110), (0.8, 5), (1, 10)),
    "torso_pitch": _keys((0, 0), (0.5, -10), (0.8, 15), (1, 0)),
}
_CIRCLE_RIGHT = {"r_sh_flex": _osc(28, 2, offset=80), "r_sh_abd": _osc(28, 2, offset=10, shift=np.pi / 2)}
_SWIPE_LEFT = {"r_sh_flex": _hold(80), "r_sh_abd": _keys((0, 8), (0.3, 55), (0.45, 55), (0.7, -45), (0.8, -45), (1, 8))}

ACTIONS: dict[str, dict[str, Curve]] = {
    "wave_right": _WAVE_RIGHT,
    "wave_left": _mirror(_WAVE_RIGHT),
    "punch_right": _PUNCH_RIGHT,
    "punch_left": _mirror(_PUNCH_RIGHT),
    "kick_right": _KICK_RIGHT,
    "kick_left": _mirror(_KICK_RIGHT),
    "throw_right": _THROW_RIGHT,
    "circle_cw": _CIRCLE_RIGHT,
    "circle_ccw": {"r_sh_flex": _osc(28, 2, offset=80), "r_sh_abd": _osc(28, 2, offset=10, shift=-np.pi / 2)},
    "swipe_left": _SWIPE_LEFT,
    "swipe_right": {
        "r_sh_flex": _hold(80),
        "r_sh_abd": _keys((0, 8), (0.3, -45), (0.45, -45), (0.7, 55), (0.8, 55), (1, 8)),
    },
    "squat": {
        "r_hip_flex": _hold(95, 0.35),
        "l_hip_flex": _hold(95, 0.35),
        "r_knee": _hold(115, 0.35),
        "l_knee": _hold(115, 0.35),
        "torso_pitch": _hold(30, 0.35),
        "r_sh_flex": _hold(90, 0.35),
        "l_sh_flex": _hold(90, 0.35),
    },
    "lunge": {
        "l_hip_flex": _hold(80, 0.3),
        "l_knee": _hold(90, 0.3),
        "r_hip_flex": _hold(-25, 0.3),
        "r_knee": _hold(75, 0.3),
    },
    "clap": {
        "r_sh_flex": _hold(70),
        "l_sh_flex": _hold(70),
        "r_el_flex": _hold(30),
        "l_el_flex": _hold(30),
        "r_sh_abd": _pulses(35, 3, offset=-10),
        "l_sh_abd": _pulses(35, 3, offset=-10),
    },
    "jumping_jack": {
        "r_sh_abd": _pulses(150, 2),
        "l_sh_abd": _pulses(150, 2),
        "r_hip_abd": _pulses(18, 2),
        "l_hip_abd": _pulses(18, 2),
        "jump": lambda p: envelope(p) * 0.08 * np.sin(2 * np.pi * 2 * p) ** 2,
    },
    "bow": {"torso_pitch": _hold(65, 0.3)},
    "hands_up": {"r_sh_flex": _hold(170, 0.3), "l_sh_flex": _hold(170, 0.3)},
    "arm_curl": {
        "r_el_flex": _pulses(120, 2, offset=10),
        "l_el_flex": _pulses(120, 2, offset=10),
        "r_sh_flex": _hold(10),
        "l_sh_flex": _hold(10),
    },
    "push": {
        "r_sh_flex": _hold(85),
        "l_sh_flex": _hold(85),
        "r_el_flex": lambda p: envelope(p) * (110 - 100 * (0.5 - 0.5 * np.cos(2 * np.pi * 2 * p))),
        "l_el_flex": lambda p: envelope(p) * (110 - 100 * (0.5 - 0.5 * np.cos(2 * np.pi * 2 * p))),
    },
    "walk_in_place": _walk(3, 35, 55, 15, 0.0),
    "jog_in_place": _walk(4, 55, 100, 85, 0.04),
    "twist": {"torso_yaw": _osc(35, 1.5), "r_sh_abd": _hold(80), "l_sh_abd": _hold(80)},
    "arm_cross": {
        "r_sh_flex": _hold(80, 0.3),
        "l_sh_flex": _hold(80, 0.3),
        "r_sh_abd": _hold(-45, 0.3),
        "l_sh_abd": _hold(-45, 0.3),
        "r_el_flex": _hold(95, 0.3),
        "l_el_flex": _hold(95, 0.3),
    },
}


def list_actions() -> list[str]:
    """The synthetic action names, in class-id order (class id = position + 1)."""
    return list(ACTIONS)


@dataclass(frozen=True)
class SubjectStyle:
    """How one simulated subject moves; drawn once per subject from the seed."""

    size: float  # body-size factor on every segment length
    speed: float  # duration factor (> 1 is slower)
    amplitude: float  # factor on every angle's deviation from rest
    facing_deg: float  # yaw towards the camera
    x: float  # left-right position (m)
    depth: float  # distance from the camera (m)
    floor: float  # floor height in camera coordinates (m)
    noise_m: float  # joint position noise (m)
    rest_abd: float  # how far the arms hang from the body (deg)

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SubjectStyle:
        """Draw one subject's style."""
        return cls(
            size=rng.uniform(0.85, 1.15),
            speed=rng.uniform(0.75, 1.35),
            amplitude=rng.uniform(0.8, 1.15),
            facing_deg=rng.uniform(-15, 15),
            x=rng.uniform(-0.3, 0.3),
            depth=rng.uniform(2.4, 3.2),
            floor=rng.uniform(-1.1, -0.9),
            noise_m=rng.uniform(0.004, 0.012),
            rest_abd=rng.uniform(4, 14),
        )

    @property
    def placement(self) -> Placement:
        """Where the subject stands in front of the camera."""
        return Placement(self.x, self.depth, self.floor)


def _angles(action: str, phase: Array, amplitude: float) -> dict[str, Array]:
    curves = ACTIONS[action]
    out = {}
    for channel in _CHANNELS:
        rest = _REST.get(channel, 0.0)
        delta = curves[channel](phase) if channel in curves else np.zeros_like(phase)
        out[channel] = rest + amplitude * delta
    return out


@dataclass(frozen=True)
class _Trial:
    duration_s: float
    warp: float
    idle_before: float
    idle_after: float
    amplitude: float
    facing_deg: float


def _phase(times: Array, trial: _Trial) -> Array:
    """Phase in [0, 1] at the given times: idle, a monotone time-warped action, idle."""
    active = trial.duration_s
    u = smootherstep((times - trial.idle_before) / active)  # starts and stops at rest
    return np.asarray(np.clip(u + trial.warp * np.sin(2 * np.pi * u) / (2 * np.pi), 0.0, 1.0), dtype=np.float64)


def generate(
    n_classes: int = 20,
    n_subjects: int = 8,
    n_trials: int = 4,
    seed: int = 0,
    modalities: Iterable[str] = ("skeleton", "inertial"),
    views: Iterable[View] | None = None,
    proportions: float = 0.0,
) -> list[Sequence]:
    """Generate the synthetic dataset.

    Args:
        n_classes: How many actions, the first ``n_classes`` of :func:`list_actions`.
        n_subjects: Simulated subjects (numbered from 1).
        n_trials: Trials per subject and action (numbered from 1).
        seed: The seed; the same seed gives the same data.
        modalities: ``"skeleton"`` (Kinect v1, 30 Hz) and / or ``"inertial"`` (wrist IMU, 50 Hz).
        views: Camera views: every skeleton sample is rendered once per view, its ``meta["view"]`` the azimuth
            (protocols select on it). ``None``: the one usual view, without view metadata. The wrist IMU is
            worn on the body: it does not depend on the view.
        proportions: Spread of the subjects' body proportions (:func:`body_proportions`), on top of their
            overall size; 0 (the default) keeps every subject's proportions the same.

    Returns:
        Sequences ordered by action, subject, trial, then modality.

    Raises:
        ConfigError: On a count out of range or an unknown modality.
    """
    wanted = tuple(modalities)
    unknown = sorted(set(wanted) - {"skeleton", "inertial"})
    if unknown or not wanted:
        raise ConfigError(f"synthetic modalities {list(wanted)}; valid: skeleton, inertial")
    if not 1 <= n_classes <= len(ACTIONS):
        raise ConfigError(f"synthetic n_classes {n_classes}; expected 1..{len(ACTIONS)}")
    if n_subjects < 1 or n_trials < 1:
        raise ConfigError(f"synthetic n_subjects {n_subjects}, n_trials {n_trials}; expected >= 1 each")
    out: list[Sequence] = []
    if proportions < 0 or proportions >= 1:
        raise ConfigError(f"synthetic proportions {proportions}; expected 0 <= spread < 1")
    styles = [SubjectStyle.draw(np.random.default_rng([seed, subject])) for subject in range(1, n_subjects + 1)]
    shapes = [body_proportions(seed, subject, proportions) for subject in range(1, n_subjects + 1)]
    chosen = None if views is None else list(views)
    for class_id, action in enumerate(list_actions()[:n_classes], start=1):
        for subject, style in enumerate(styles, start=1):
            for trial in range(1, n_trials + 1):
                key = [seed, subject, class_id, trial]
                out.extend(_sample(action, class_id, subject, trial, style, key, wanted, chosen, shapes[subject - 1]))
    return out


def _sample(
    action: str,
    class_id: int,
    subject: int,
    trial: int,
    style: SubjectStyle,
    seed_key: list[int],
    modalities: tuple[str, ...],
    views: list[View] | None = None,
    shape: dict[str, float] | None = None,
) -> list[Sequence]:
    rng = np.random.default_rng(seed_key)
    spec = _Trial(
        duration_s=3.0 * style.speed * rng.uniform(0.9, 1.1),
        warp=rng.uniform(-0.35, 0.35),
        idle_before=rng.uniform(0.0, 0.4),
        idle_after=rng.uniform(0.0, 0.4),
        amplitude=style.amplitude * rng.uniform(0.92, 1.08),
        facing_deg=style.facing_deg + rng.uniform(-5, 5),
    )
    total = spec.idle_before + spec.duration_s + spec.idle_after
    common = {
        "label": action,
        "class_id": class_id,
        "subject": subject,
        "trial": trial,
        "source": f"synthetic://{action}/s{subject}_t{trial}",
        "meta": {"format": "synthetic"},
    }
    rest = dict(_REST, r_sh_abd=style.rest_abd, l_sh_abd=style.rest_abd)
    out = []
    for modality in modalities:
        # Each modality's noise has its own stream, so asking for one modality leaves the other's data as it is.
        noise = np.random.default_rng([*seed_key, ("skeleton", "inertial").index(modality)])
        rate = SKELETON_RATE_HZ if modality == "skeleton" else IMU_RATE_HZ
        times = np.arange(round(total * rate)) / rate
        angles = _angles(action, _phase(times, spec), spec.amplitude)
        for key, value in rest.items():
            angles[key] += value - _REST[key]
        body, forearm = pose(angles, style.size, shape)
        joints = camera(body, style.placement, spec.facing_deg)
        if modality == "skeleton" and views is not None:
            for number, view in enumerate(views):
                seen = camera(body, style.placement, spec.facing_deg, view)
                jitter = np.random.default_rng([*seed_key, 0, number]).normal(0, style.noise_m, size=seen.shape)
                tag = f"_v{round(view.azimuth_deg)}" + (f"e{round(view.elevation_deg)}" if view.elevation_deg else "")
                tag += "m" if view.mirror else ""
                out.append(
                    Sequence(
                        data=seen + jitter,
                        layout=KINECT_V1.name,
                        rate_hz=rate,
                        label=action,
                        class_id=class_id,
                        subject=subject,
                        trial=trial,
                        modality="skeleton",
                        source=f"{common['source']}{tag}",
                        meta={"format": "synthetic", **view.meta()},
                    )
                )
        elif modality == "skeleton":
            data = joints + noise.normal(0, style.noise_m, size=joints.shape)
            out.append(Sequence(data=data, layout=KINECT_V1.name, rate_hz=rate, modality="skeleton", **common))  # type: ignore[arg-type]
        else:
            wrist = joints[:, KINECT_V1.index("right_wrist")]
            imu_data = imu(wrist, facing(spec.facing_deg) @ forearm, 1.0 / rate)
            imu_data += noise.normal(0, 1, size=imu_data.shape) * np.array([0.02, 0.02, 0.02, 2.0, 2.0, 2.0])
            out.append(Sequence(data=imu_data, layout=IMU6.name, rate_hz=rate, modality="inertial", **common))  # type: ignore[arg-type]
    return out
