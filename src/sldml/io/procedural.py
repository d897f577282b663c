"""Procedurally generated actions: as many distinct classes as asked for, on the forward-kinematics body.

``data.dataset=procedural`` (:func:`generate`). A class is a seed: class ``k`` of seed ``s`` is a composition of
one to three motion primitives drawn from ``numpy.random.default_rng([s, k, ...])`` alone, so class ``k`` is the
same whatever else is generated, and sample ``j`` of it (drawn from ``[s, k, j, ...]``) too.

**Primitives** (:data:`PRIMITIVES`), each on a limb (right, left or both arms / legs, the two sides in or out of
phase) or the whole body, with its own directions, amplitudes, repetitions and phase: ``reach`` (the arm to a
point and back, the elbow straightening), ``swing`` (a limb oscillating forward or sideways), ``circle`` (the
hand drawing circles, either way round), ``punch``, ``step`` (a step in any direction and back), ``squat``,
``bend`` (forwards, backwards, sideways), ``turn`` (the body turning, or the torso twisting), ``wave``,
``raise``, ``trace`` (the hand drawing a smooth random shape through 3-5 points), ``kick`` and ``jump``. A class
plays its primitives one after another or together, each over its own window of the action, as smooth
joint-angle curves (clipped to anatomical ranges), over 1.5-8 s, slow enough that no joint turns faster than
700 deg/s at the class's usual tempo (:data:`MAX_DEG_S`). Class parameters are drawn from wide ranges, so two
classes differ in the primitives, the limbs or their directions; each sample changes them only a little
(:attr:`Randomisation.style`: each joint angle's amplitude +-10 %, windows moved by up to 3 % of the action),
so a class stays recognisable.

**Domain randomisation per sample** (:class:`Randomisation`): body size and proportions, tempo (duration) and a
monotone time warp, idle frames before and after, camera view (azimuth, elevation) and position, sensor noise,
and dropped (frozen) or jittered joints.

**Output**: Kinect v1 skeletons (``kinect_v1``, 30 Hz) in UTD-MHAD's coordinate convention (metres, y up, z the
distance from the camera, the subject's right side at larger x), and the right-wrist IMU (``imu6``, 50 Hz) of
the same motion: accelerometer = the wrist's acceleration plus gravity in the sensor frame (g), gyroscope =
the forearm's angular velocity (deg/s), with UTD-MHAD's axes (x along the forearm towards the hand: a hanging
arm reads x = -1 g). Labels are ``procedural_00001`` ..., class ids 1 ... N; sample ``j`` is subject ``j``,
trial 1, so the usual reference rule ``{subject: 1, trial: 1}`` picks each class's first sample.

Speed and memory (``benchmarks/results/data.md``): 2-4 ms per skeleton sample in one process on a 2-core CPU; a
skeleton sample of 139 frames on average holds 33 KB (float32), so 10,000 classes x 10 samples are about 3.3 GB.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sldml.errors import ConfigError
from sldml.io._body import (
    IMU_RATE_HZ,
    SKELETON_RATE_HZ,
    Placement,
    View,
    body_proportions,
    camera,
    imu,
    pose,
    smootherstep,
)
from sldml.io._primitives import (
    CHANNELS,
    LIMITS,
    PRIMITIVES,
    REST,
    WEIGHTS,
    Primitive,
    curves,
    draw_params,
    draw_side,
    uniform,
)
from sldml.layouts import IMU6, KINECT_V1
from sldml.sequence import Sequence

__all__ = [
    "PRIMITIVES",
    "ActionClass",
    "Performance",
    "Primitive",
    "Randomisation",
    "action_class",
    "angle_curves",
    "generate",
    "sample",
]

Array = npt.NDArray[np.float64]
MAX_DEG_S = 700.0
"""The fastest a joint angle of a class turns at its usual tempo (deg/s); a sample's tempo changes it."""
MAX_M_S = 1.0
"""The fastest the body moves (steps, jumps) at a class's usual tempo (m/s)."""
MAX_SECONDS = 8.0
"""The longest a class takes at its usual tempo (a few fast classes move faster than :data:`MAX_DEG_S` instead)."""
# Sensor axes in the forearm's frame (columns): x along the forearm towards the hand, as UTD-MHAD's wrist IMU.
_SENSOR = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class ActionClass:
    """A procedural action class: its primitives and its usual duration.

    Attributes:
        class_id: Its number (1 ...).
        primitives: What it is made of.
        duration_s: Its duration before a sample's tempo changes it (seconds, without idle frames).
    """

    class_id: int
    primitives: tuple[Primitive, ...]
    duration_s: float

    @property
    def label(self) -> str:
        """The class's label: ``procedural_<id>`` (five digits, more when needed)."""
        return f"procedural_{self.class_id:05d}"

    def describe(self) -> str:
        """One line per primitive."""
        return "; ".join(p.describe() for p in self.primitives)


@dataclass(frozen=True)
class Randomisation:
    """How much the samples of one class differ (domain randomisation). 0 turns a part off.

    Attributes:
        body: Spread of body size and of segment proportions (each factor in [1 - body, 1 + body]).
        tempo: Spread of the duration (factor in [1 - tempo, 1 + tempo]) and strength of the time warp.
        view: Camera azimuth in [-view, view] degrees about the subject, elevation in [-view/3, view/3].
        noise: Largest standard deviation of joint noise (m); the IMU's noise scales with it (0.01 m: 0.02 g and
            2 deg/s, like the built-in synthetic data).
        dropout: Chance per joint of a dropped stretch (the joint frozen for 0.1-0.5 s, as a lost Kinect joint)
            and, separately, of a jittered stretch (5 cm noise for 0.1-0.3 s).
        style: How differently a sample performs the class: each primitive's amplitude on each joint angle times
            a factor in [1 - style, 1 + style], its window shifted by up to style / 3 of the action.
    """

    body: float = 0.15
    tempo: float = 0.3
    view: float = 30.0
    noise: float = 0.01
    dropout: float = 0.02
    style: float = 0.1

    def __post_init__(self) -> None:
        checks = (
            ("body", self.body, 0.0, 0.5),
            ("tempo", self.tempo, 0.0, 0.9),
            ("view", self.view, 0.0, 180.0),
            ("noise", self.noise, 0.0, 0.1),
            ("dropout", self.dropout, 0.0, 0.5),
            ("style", self.style, 0.0, 0.5),
        )
        for name, value, low, high in checks:
            if not low <= value <= high:
                raise ConfigError(f"procedural randomisation {name}={value}; expected {low} <= {name} <= {high}")


def action_class(seed: int, class_id: int) -> ActionClass:
    """Class ``class_id`` of ``seed``: drawn from those two numbers alone.

    Raises:
        ConfigError: If ``class_id`` < 1 or ``seed`` < 0.
    """
    if class_id < 1 or seed < 0:
        raise ConfigError(f"procedural class {class_id} of seed {seed}; expected class >= 1 and seed >= 0")
    rng = np.random.default_rng([seed, class_id, 0])
    count = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    kinds = rng.choice(len(PRIMITIVES), size=count, replace=False, p=WEIGHTS / WEIGHTS.sum())
    if count == 1 or rng.random() < 0.5:  # one after another, windows overlapping by up to 10 %
        cuts: list[float] = []
        if count == 2:
            cuts = [uniform(rng, 0.3, 0.7)]
        elif count == 3:
            cuts = [uniform(rng, 0.28, 0.38), uniform(rng, 0.62, 0.72)]
        edges = [0.0, *cuts, 1.0]
        windows = [(max(0.0, edges[i] - 0.05), min(1.0, edges[i + 1] + 0.05)) for i in range(count)]
    else:  # together, each over most of the action
        windows = [(uniform(rng, 0.0, 0.25), uniform(rng, 0.75, 1.0)) for _ in range(count)]
    primitives = []
    for index, (start, end) in zip(kinds, windows, strict=True):
        kind = PRIMITIVES[int(index)]
        primitives.append(Primitive(kind, draw_side(rng, kind), float(start), float(end), draw_params(kind, rng)))
    duration = uniform(rng, 1.5, 3.2) * (1 + 0.25 * (count - 1))
    paced = max(p.min_seconds / (p.end - p.start) for p in primitives)  # never faster than a person moves
    action = ActionClass(class_id, tuple(primitives), max(duration, paced))
    return dataclasses.replace(action, duration_s=min(MAX_SECONDS, max(action.duration_s, _slowest(action))))


def _slowest(action: ActionClass) -> float:
    """The shortest duration (s) at which no joint turns faster than :data:`MAX_DEG_S` (the body: :data:`MAX_M_S`).

    The steepest change per unit of phase, times the steepest slope of phase over time (1.875 per duration).
    """
    phase = np.linspace(0.0, 1.0, 400)
    curves = angle_curves(action, phase)
    steepest = 0.0
    for channel, values in curves.items():
        limit = MAX_M_S if channel.startswith(("shift", "jump")) else MAX_DEG_S
        steepest = max(steepest, float(np.abs(np.gradient(values, phase)).max()) / limit)
    return 1.875 * steepest


@dataclass(frozen=True)
class Performance:
    """How one sample performs one primitive of its class (:attr:`Randomisation.style`).

    Attributes:
        gains: A factor on the primitive's change of each channel, by channel.
        shift: Its window moved by this much of the action.
        stretch: Its window's length times this.
    """

    gains: dict[str, float]
    shift: float = 0.0
    stretch: float = 1.0


def angle_curves(action: ActionClass, phase: Array, performance: list[Performance] | None = None) -> dict[str, Array]:
    """The joint-angle curves of an action at the given phases (0-1), rest pose included.

    Args:
        action: The class.
        phase: (T,) phases.
        performance: Per primitive, how one sample performs it; ``None``: as the class says.
    """
    out = {channel: np.full(len(phase), REST.get(channel, 0.0)) for channel in CHANNELS}
    for number, primitive in enumerate(action.primitives):
        way = performance[number] if performance else Performance({})
        start = primitive.start + way.shift
        length = (primitive.end - primitive.start) * way.stretch
        u = np.clip((phase - start) / length, 0.0, 1.0)
        for channel, curve in curves(primitive, u).items():
            out[channel] = out[channel] + way.gains.get(channel, 1.0) * curve
    for channel in CHANNELS:
        joint = channel[2:]
        if joint in LIMITS:
            out[channel] = np.clip(out[channel], *LIMITS[joint])
    return out


@dataclass(frozen=True)
class _Draw:
    """One sample's randomisation, drawn from (seed, class, sample)."""

    size: float
    proportions: dict[str, float]
    rest_abd: float
    duration_s: float
    warp: float
    idle_before: float
    idle_after: float
    performance: list[Performance]
    facing_deg: float
    view: View
    place: Placement
    noise_m: float


def _draw(seed: int, action: ActionClass, sample: int, strength: Randomisation) -> _Draw:
    rng = np.random.default_rng([seed, action.class_id, sample, 1])
    size = uniform(rng, 1 - strength.body, 1 + strength.body)
    style = strength.style
    performance = [
        Performance(
            dict(zip(CHANNELS, rng.uniform(1 - style, 1 + style, size=len(CHANNELS)), strict=True)),
            uniform(rng, -style / 3, style / 3),
            uniform(rng, 1 - style / 2, 1 + style / 2),
        )
        for _ in action.primitives
    ]
    return _Draw(
        size=size,
        proportions=body_proportions(int(rng.integers(2**31)), sample, strength.body),
        rest_abd=uniform(rng, 4, 14),
        duration_s=action.duration_s * uniform(rng, 1 - strength.tempo, 1 + strength.tempo),
        warp=uniform(rng, -strength.tempo, strength.tempo),
        idle_before=uniform(rng, 0.0, 0.4),
        idle_after=uniform(rng, 0.0, 0.4),
        performance=performance,
        facing_deg=uniform(rng, -5, 5),
        # mirror=True: the subject's right side at larger x, as in UTD-MHAD's Kinect v1 recordings
        view=View(
            uniform(rng, -strength.view, strength.view),
            uniform(rng, -strength.view / 3, strength.view / 3),
            mirror=True,
        ),
        place=Placement(uniform(rng, -0.3, 0.3), uniform(rng, 2.4, 3.2), uniform(rng, -1.1, -0.9)),
        noise_m=strength.noise * uniform(rng, 0.4, 1.0),
    )


def _phase(times: Array, draw: _Draw) -> Array:
    """Phase in [0, 1] at the given times: idle, a monotone time-warped action, idle."""
    u = smootherstep((times - draw.idle_before) / draw.duration_s)
    return np.asarray(np.clip(u + draw.warp * np.sin(2 * np.pi * u) / (2 * np.pi), 0.0, 1.0), dtype=np.float64)


def _motion(action: ActionClass, draw: _Draw, rate: float) -> tuple[Array, Array]:
    """Joints (T, 20, 3) in the body frame and the right forearm's rotation (T, 3, 3) at ``rate``."""
    total = draw.idle_before + draw.duration_s + draw.idle_after
    times = np.arange(max(2, round(total * rate))) / rate
    angles = angle_curves(action, _phase(times, draw), draw.performance)
    for side in "rl":
        angles[f"{side}_sh_abd"] = angles[f"{side}_sh_abd"] + draw.rest_abd - REST[f"{side}_sh_abd"]
    return pose(angles, draw.size, draw.proportions)


def _dropouts(data: Array, rng: np.random.Generator, chance: float) -> tuple[Array, int]:
    """Freeze some joints for a stretch (lost tracking) and jitter others; returns the data and the count."""
    frames = len(data)
    count = 0
    for joint in np.flatnonzero(rng.random(data.shape[1]) < chance):
        length = min(frames - 1, max(1, round(uniform(rng, 0.1, 0.5) * SKELETON_RATE_HZ)))
        start = int(rng.integers(0, frames - length))
        data[start : start + length, joint] = data[start, joint]
        count += 1
    for joint in np.flatnonzero(rng.random(data.shape[1]) < chance):
        length = min(frames, max(1, round(uniform(rng, 0.1, 0.3) * SKELETON_RATE_HZ)))
        start = int(rng.integers(0, frames - length + 1))
        data[start : start + length, joint] += rng.normal(0, 0.05, size=(length, 3))
        count += 1
    return data, count


def sample(
    seed: int,
    class_id: int,
    number: int,
    modalities: Iterable[str] = ("skeleton",),
    strength: Randomisation | None = None,
) -> list[Sequence]:
    """Sample ``number`` (>= 1) of class ``class_id``: one sequence per modality, the same motion in each.

    Raises:
        ConfigError: On a class, sample number or modality out of range.
    """
    wanted = tuple(modalities)
    unknown = sorted(set(wanted) - {"skeleton", "inertial"})
    if unknown or not wanted:
        raise ConfigError(f"procedural modalities {list(wanted)}; valid: skeleton, inertial")
    if number < 1:
        raise ConfigError(f"procedural sample {number}; expected >= 1")
    strength = strength or Randomisation()
    action = action_class(seed, class_id)
    draw = _draw(seed, action, number, strength)
    out = []
    for modality in wanted:
        noise = np.random.default_rng([seed, class_id, number, 2, ("skeleton", "inertial").index(modality)])
        meta: dict[str, object] = {"format": "procedural"}
        if modality == "skeleton":
            body, _ = _motion(action, draw, SKELETON_RATE_HZ)
            data = camera(body, draw.place, draw.facing_deg, draw.view)
            data = data + noise.normal(0, draw.noise_m, size=data.shape) if draw.noise_m > 0 else data
            data, dropped = _dropouts(data, noise, strength.dropout)
            layout, rate = KINECT_V1.name, SKELETON_RATE_HZ
            meta.update(view=round(draw.view.azimuth_deg), dropped_joints=dropped)
        else:
            body, forearm = _motion(action, draw, IMU_RATE_HZ)
            data = imu(body[:, KINECT_V1.index("right_wrist")], forearm @ _SENSOR, 1.0 / IMU_RATE_HZ)
            data = data + noise.normal(0, 1, size=data.shape) * np.array([2.0] * 3 + [200.0] * 3) * strength.noise
            layout, rate = IMU6.name, IMU_RATE_HZ
        out.append(
            Sequence(
                data=data,
                layout=layout,
                rate_hz=rate,
                label=action.label,
                class_id=class_id,
                subject=number,
                trial=1,
                modality=modality,
                source=f"procedural://{seed}/{class_id}/{number}",
                meta=meta,
            )
        )
    return out


def generate(
    n_classes: int,
    n_samples: int = 10,
    seed: int = 0,
    modalities: Iterable[str] = ("skeleton",),
    strength: Randomisation | None = None,
    first_class: int = 1,
) -> list[Sequence]:
    """Generate classes ``first_class`` ... ``first_class + n_classes - 1``, ``n_samples`` samples each.

    Args:
        n_classes: How many classes.
        n_samples: Samples per class (subjects 1 ... n_samples).
        seed: The seed; class ``k`` of a seed is the same whatever ``n_classes`` is.
        modalities: ``skeleton`` (Kinect v1, 30 Hz) and / or ``inertial`` (right-wrist IMU, 50 Hz).
        strength: The domain randomisation (default: :class:`Randomisation`'s).
        first_class: The first class id.

    Returns:
        Sequences ordered by class, sample, then modality.

    Raises:
        ConfigError: On a count out of range or an unknown modality.
    """
    wanted = tuple(modalities)
    if n_classes < 1 or n_samples < 1 or first_class < 1:
        raise ConfigError(
            f"procedural n_classes {n_classes}, n_samples {n_samples}, first_class {first_class}; expected >= 1 each"
        )
    strength = strength or Randomisation()
    out: list[Sequence] = []
    for class_id in range(first_class, first_class + n_classes):
        for number in range(1, n_samples + 1):
            out.extend(sample(seed, class_id, number, wanted, strength))
    return out
