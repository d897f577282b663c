"""The motion primitives procedural actions are composed of (:mod:`sldml.io.procedural`): parameters and curves.

Each primitive draws its class parameters (:func:`draw_params`: directions, amplitudes, repetitions, which side)
from a class's random stream and turns them into joint-angle changes over its window (:func:`curves`); the
channels are those of :func:`sldml.io._body.pose`. Private: not a file format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.interpolate import PchipInterpolator

from sldml.errors import ConfigError
from sldml.io._body import smootherstep

Array = npt.NDArray[np.float64]
Params = dict[str, float]

PRIMITIVES = (
    "reach",
    "swing",
    "circle",
    "punch",
    "step",
    "squat",
    "bend",
    "turn",
    "wave",
    "raise",
    "trace",
    "kick",
    "jump",
)
"""The motion primitives a class is composed of."""

# How often each primitive is drawn: arm movements dominate everyday and dataset actions (UTD-MHAD: 21 of 27).
WEIGHTS = np.array([3, 2, 2, 2, 1, 1, 1, 1, 2, 2, 3, 1, 1], dtype=np.float64)
_ARM = {"reach", "circle", "punch", "wave", "raise", "trace"}
_LEG = {"step", "kick"}
_SIDE = {"r": 1.0, "l": -1.0}

REST = {"r_sh_abd": 8.0, "l_sh_abd": 8.0, "r_el_flex": 12.0, "l_el_flex": 12.0}
LIMITS = {
    "sh_flex": (-60.0, 185.0),
    "sh_abd": (-50.0, 185.0),
    "el_flex": (0.0, 150.0),
    "el_abd": (-60.0, 60.0),
    "hip_flex": (-35.0, 120.0),
    "hip_abd": (-20.0, 50.0),
    "knee": (0.0, 150.0),
}
CHANNELS = (
    "torso_pitch",
    "torso_yaw",
    "torso_roll",
    "body_yaw",
    "shift_x",
    "shift_z",
    "jump",
    *(f"{s}_{joint}" for s in _SIDE for joint in LIMITS),
)

# The shortest time one repetition (cycle, point of a trace) takes: big movements (a squat, a step, a reach)
# about 0.8 s, small fast ones (a wave, a punch, a swing) about 0.45 s, so that the wrist stays within what a
# wrist IMU reads in everyday actions (a few g, under about 1,000 deg/s).
_SECONDS_PER_CYCLE = {
    "reach": 0.8,
    "swing": 0.5,
    "circle": 0.6,
    "punch": 0.45,
    "step": 1.0,
    "squat": 1.0,
    "bend": 0.9,
    "turn": 0.8,
    "wave": 0.4,
    "raise": 1.2,
    "trace": 0.4,
    "kick": 0.8,
    "jump": 0.8,
}


@dataclass(frozen=True)
class Primitive:
    """One motion primitive of a class.

    Attributes:
        kind: One of :data:`PRIMITIVES`.
        side: ``r``, ``l``, ``both`` (limbs) or ``body``.
        start: Where its window starts in the action's phase (0-1).
        end: Where it ends.
        params: Its parameters (angles in degrees, lengths in metres, counts as floats).
    """

    kind: str
    side: str
    start: float
    end: float
    params: Params = field(default_factory=dict)

    @property
    def min_seconds(self) -> float:
        """The shortest time its movement may take: its repetitions (or cycles, or points) at a human pace."""
        count = self.params.get("reps", self.params.get("cycles", self.params.get("points", 1.0)))
        return count * _SECONDS_PER_CYCLE[self.kind]

    def describe(self) -> str:
        """A short line: kind, side, window and parameters."""
        shown = ", ".join(f"{k} {v:.2g}" for k, v in self.params.items())
        return f"{self.kind} {self.side} [{self.start:.2f}-{self.end:.2f}] ({shown})"


def uniform(rng: np.random.Generator, low: float, high: float) -> float:
    """One draw from U(low, high), as a float."""
    return float(rng.uniform(low, high))


def draw_side(rng: np.random.Generator, kind: str) -> str:
    """Which limb a primitive moves: ``r`` (half the time), ``l``, ``both``; ``body`` for whole-body primitives."""
    if kind in _ARM or kind in _LEG or kind == "swing":
        return str(rng.choice(["r", "l", "both"], p=[0.5, 0.25, 0.25]))
    return "body"


def draw_params(kind: str, rng: np.random.Generator) -> Params:
    """A primitive's class parameters (:mod:`sldml.io.procedural` says what each kind does).

    Raises:
        ConfigError: If ``kind`` is not a primitive.
    """
    reps = float(rng.integers(1, 3))
    if kind == "reach":
        return {
            "flex": uniform(rng, 30, 170),
            "abd": uniform(rng, -35, 90),
            "elbow": uniform(rng, 40, 110),
            "reps": reps,
        }
    if kind == "swing":
        leg = rng.random() < 0.3
        return {
            "leg": float(leg),
            "abd": float(rng.random() < 0.4),
            "offset": uniform(rng, 0, 15) if leg else uniform(rng, 0, 70),
            "amplitude": uniform(rng, 15, 40) if leg else uniform(rng, 20, 60),
            "cycles": uniform(rng, 1, 4),
            "anti": float(rng.random() < 0.5),
        }
    if kind == "circle":
        return {
            "flex": uniform(rng, 40, 130),
            "abd": uniform(rng, 0, 60),
            "radius": uniform(rng, 15, 40),
            "cycles": uniform(rng, 1, 3),
            "direction": float(rng.choice([-1.0, 1.0])),
            "elbow": uniform(rng, 0, 40),
        }
    if kind == "punch":
        return {
            "flex": uniform(rng, 60, 110),
            "abd": uniform(rng, -20, 60),
            "elbow": uniform(rng, 70, 120),
            "reps": float(rng.integers(1, 4)),
        }
    if kind == "step":
        return {"direction": uniform(rng, 0, 360), "length": uniform(rng, 0.15, 0.45), "reps": reps}
    if kind == "squat":
        return {
            "depth": uniform(rng, 0.3, 1.0),
            "reps": float(rng.integers(1, 4)),
            "arms": uniform(rng, 0, 100) if rng.random() < 0.5 else 0.0,
        }
    if kind == "bend":
        mode = int(rng.integers(3))  # forward, backward, sideways
        angle = (uniform(rng, 25, 80), -uniform(rng, 10, 25), float(rng.choice([-1, 1])) * uniform(rng, 15, 40))[mode]
        return {"sideways": float(mode == 2), "angle": angle, "reps": reps}
    if kind == "turn":
        twist = rng.random() < 0.5
        angle = uniform(rng, 20, 45) if twist else float(rng.choice([-1, 1])) * uniform(rng, 30, 120)
        return {"twist": float(twist), "angle": angle, "cycles": uniform(rng, 1, 3), "arms": uniform(rng, 0, 90)}
    if kind == "wave":
        return {
            "raise": uniform(rng, 100, 165),
            "forward": float(rng.random() < 0.3),
            "elbow": float(rng.random() < 0.5),
            "amplitude": uniform(rng, 15, 40),
            "cycles": uniform(rng, 2, 5),
        }
    if kind == "raise":
        return {"angle": uniform(rng, 80, 180), "sideways": float(rng.random() < 0.5), "hold": uniform(rng, 0.15, 0.4)}
    if kind == "trace":
        points = int(rng.integers(3, 6))
        out = {"points": float(points), "elbow": uniform(rng, 0, 50)}
        for i in range(points):
            out[f"flex{i}"] = uniform(rng, 30, 160)
            out[f"abd{i}"] = uniform(rng, -40, 100)
        return out
    if kind == "kick":
        return {"sideways": float(rng.random() < 0.3), "angle": uniform(rng, 35, 85), "reps": float(rng.integers(1, 4))}
    if kind == "jump":
        return {"height": uniform(rng, 0.05, 0.2), "reps": float(rng.integers(1, 3)), "arms": uniform(rng, 0, 100)}
    raise ConfigError(f"procedural primitive {kind!r}; valid: {', '.join(PRIMITIVES)}")


def _pulse(u: Array, reps: float) -> Array:
    """0 -> 1 -> 0, ``reps`` times over the window (smooth)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * reps * u)


def _hold(u: Array, rise: float) -> Array:
    """0 -> 1, held, -> 0 (smooth)."""
    return smootherstep(u / rise) * smootherstep((1 - u) / rise)


def _ramp(u: Array) -> Array:
    """The window of an ongoing movement: 0 -> 1 over its first 30 %, back to 0 over its last 30 % (smooth)."""
    return _hold(u, 0.3)


def _half(x: Array) -> Array:
    return np.maximum(0.0, x) ** 2


Contribution = dict[str, Array]
_Builder = Callable[[Params, Array, str], Contribution]


def _sides(side: str) -> list[str]:
    return ["r", "l"] if side == "both" else [side]


def _reach(p: Params, u: Array, side: str) -> Contribution:
    s = _pulse(u, p["reps"])
    out: Contribution = {}
    for x in _sides(side):
        out[f"{x}_sh_flex"] = p["flex"] * s
        out[f"{x}_sh_abd"] = p["abd"] * s
        out[f"{x}_el_flex"] = p["elbow"] * 4 * s * (1 - s) - 10 * s  # bent on the way, straight at the target
    return out


def _swing(p: Params, u: Array, side: str) -> Contribution:
    out: Contribution = {}
    joint = ("hip" if p["leg"] else "sh") + ("_abd" if p["abd"] else "_flex")
    for number, x in enumerate(_sides(side)):
        shift = np.pi * p["anti"] * number
        out[f"{x}_{joint}"] = _ramp(u) * (p["offset"] + p["amplitude"] * np.sin(2 * np.pi * p["cycles"] * u + shift))
        if p["leg"] and not p["abd"]:
            out[f"{x}_knee"] = _ramp(u) * 1.2 * p["amplitude"] * _half(np.sin(2 * np.pi * p["cycles"] * u + shift))
    return out


def _circle(p: Params, u: Array, side: str) -> Contribution:
    angle = 2 * np.pi * p["cycles"] * u
    out: Contribution = {}
    for x in _sides(side):
        way = p["direction"] * (1.0 if x == "r" else -1.0)  # both hands mirror each other
        out[f"{x}_sh_flex"] = _ramp(u) * (p["flex"] + p["radius"] * np.sin(angle))
        out[f"{x}_sh_abd"] = _ramp(u) * (p["abd"] + way * p["radius"] * np.cos(angle))
        out[f"{x}_el_flex"] = _ramp(u) * p["elbow"]
    return out


def _punch(p: Params, u: Array, side: str) -> Contribution:
    out: Contribution = {}
    for number, x in enumerate(_sides(side)):
        strike = _half(np.sin(2 * np.pi * p["reps"] * u + np.pi * number))  # two arms alternate
        out[f"{x}_sh_flex"] = _ramp(u) * p["flex"]
        out[f"{x}_sh_abd"] = _ramp(u) * p["abd"]
        out[f"{x}_el_flex"] = _ramp(u) * p["elbow"] * (1 - 0.95 * strike)
    return out


def _step(p: Params, u: Array, side: str) -> Contribution:
    s = _pulse(u, p["reps"])
    angle = np.deg2rad(p["direction"])
    lift = _half(np.sin(2 * np.pi * 2 * p["reps"] * u))  # the leg lifts on the way out and back
    out: Contribution = {"shift_x": p["length"] * np.sin(angle) * s, "shift_z": p["length"] * np.cos(angle) * s}
    for x in _sides(side):
        out[f"{x}_hip_flex"] = 35 * lift
        out[f"{x}_knee"] = 60 * lift
    return out


def _squat(p: Params, u: Array, side: str) -> Contribution:
    s = _pulse(u, p["reps"])
    depth = p["depth"] * s
    out = {"torso_pitch": 35 * depth}
    for x in "rl":
        out.update({f"{x}_hip_flex": 100 * depth, f"{x}_knee": 125 * depth, f"{x}_sh_flex": p["arms"] * s})
    return out


def _bend(p: Params, u: Array, side: str) -> Contribution:
    s = _pulse(u, p["reps"]) * p["angle"]
    return {"torso_roll": s} if p["sideways"] else {"torso_pitch": s}


def _turn(p: Params, u: Array, side: str) -> Contribution:
    out = {"r_sh_abd": _ramp(u) * p["arms"], "l_sh_abd": _ramp(u) * p["arms"]}
    if p["twist"]:
        out["torso_yaw"] = _ramp(u) * p["angle"] * np.sin(2 * np.pi * p["cycles"] * u)
    else:
        out["body_yaw"] = _hold(u, 0.3) * p["angle"]
    return out


def _wave(p: Params, u: Array, side: str) -> Contribution:
    out: Contribution = {}
    joint = "el_flex" if p["elbow"] else "el_abd"
    for x in _sides(side):
        out[f"{x}_sh_{'flex' if p['forward'] else 'abd'}"] = _ramp(u) * p["raise"]
        out[f"{x}_{joint}"] = _ramp(u) * (p["amplitude"] + p["amplitude"] * np.sin(2 * np.pi * p["cycles"] * u))
    return out


def _raise(p: Params, u: Array, side: str) -> Contribution:
    s = _hold(u, p["hold"]) * p["angle"]
    return {f"{x}_sh_{'abd' if p['sideways'] else 'flex'}": s for x in _sides(side)}


def _trace(p: Params, u: Array, side: str) -> Contribution:
    count = int(p["points"])
    knots = np.linspace(0.15, 0.85, count)
    at = np.clip(u, 0.15, 0.85)
    flex = PchipInterpolator(knots, [p[f"flex{i}"] for i in range(count)])(at)
    abd = PchipInterpolator(knots, [p[f"abd{i}"] for i in range(count)])(at)
    out: Contribution = {}
    for x in _sides(side):  # abduction is outwards on either side: two hands draw mirror images
        out[f"{x}_sh_flex"] = _ramp(u) * flex
        out[f"{x}_sh_abd"] = _ramp(u) * abd
        out[f"{x}_el_flex"] = _ramp(u) * p["elbow"]
    return out


def _kick(p: Params, u: Array, side: str) -> Contribution:
    s = _pulse(u, p["reps"])
    out: Contribution = {}
    for x in _sides(side)[:1]:  # one leg: a kick with both would be a jump
        if p["sideways"]:
            out[f"{x}_hip_abd"] = p["angle"] * 0.6 * s
        else:
            out[f"{x}_hip_flex"] = p["angle"] * s
            out[f"{x}_knee"] = 80 * np.sin(np.pi * s) ** 2  # bent on the way, straight at the top
    return out


def _jump(p: Params, u: Array, side: str) -> Contribution:
    wave = np.sin(2 * np.pi * p["reps"] * u)
    crouch = _ramp(u) * _half(-wave)
    out = {"jump": _ramp(u) * p["height"] * _half(wave), "torso_pitch": 15 * crouch}
    for x in "rl":
        out.update({f"{x}_hip_flex": 45 * crouch, f"{x}_knee": 70 * crouch, f"{x}_sh_flex": p["arms"] * _half(wave)})
    return out


_BUILDERS: dict[str, _Builder] = {
    "reach": _reach,
    "swing": _swing,
    "circle": _circle,
    "punch": _punch,
    "step": _step,
    "squat": _squat,
    "bend": _bend,
    "turn": _turn,
    "wave": _wave,
    "raise": _raise,
    "trace": _trace,
    "kick": _kick,
    "jump": _jump,
}


def curves(primitive: Primitive, u: Array) -> Contribution:
    """A primitive's joint-angle changes (degrees; ``jump`` and ``shift_*`` in metres) at local phases ``u`` (0-1)."""
    return _BUILDERS[primitive.kind](primitive.params, u, primitive.side)
