"""The motion-capture skeleton of the CMU and HDM05 ASF files: a root and 30 bones (``cmu31``).

Each joint but the root sits at the *end* of the bone it is named after, as forward kinematics through the
``.asf`` gives it (:mod:`sldml.io.amc`): ``lfemur`` is the left knee, ``ltibia`` the left ankle, ``lhumerus`` the
left elbow, ``lradius`` the left wrist, ``lclavicle`` the left shoulder, ``thorax`` the base of the neck.
Metres, y up. The estimates for the other joints were measured on the HDM05 recordings (median position along
the line through two common joints).
"""

from __future__ import annotations

import itertools

from sldml.layouts.base import Layout, bones_of, sided, sided_estimates

_LEG = ("hipjoint", "femur", "tibia", "foot", "toes")
_SPINE = ("lowerback", "upperback", "thorax", "lowerneck", "upperneck", "head")
_ARM = ("clavicle", "humerus", "radius", "wrist", "hand", "fingers", "thumb")
CMU31_NAMES = (
    "root",
    *(f"l{b}" for b in _LEG),
    *(f"r{b}" for b in _LEG),
    *_SPINE,
    *(f"l{b}" for b in _ARM),
    *(f"r{b}" for b in _ARM),
)


def _chain(*names: str) -> list[tuple[str, str]]:
    return list(itertools.pairwise(names))


CMU31 = Layout(
    name="cmu31",
    kind="skeleton",
    names=CMU31_NAMES,
    # The ASF hierarchy of CMU and HDM05 (every joint's parent is the start of its bone).
    bones=bones_of(
        CMU31_NAMES,
        _chain("root", *_SPINE)
        + [
            pair
            for s in "lr"
            for pair in _chain("root", *(f"{s}{b}" for b in _LEG))
            + _chain("thorax", *(f"{s}{b}" for b in _ARM[:-1]))
            + [(f"{s}wrist", f"{s}thumb")]
        ],
    ),
    centre="root",
    torso=("thorax", "root"),
    units=("m",),
    description="CMU / HDM05 ASF skeleton, root + 30 bones, each joint at its bone's end (metres, y up)",
    body=(
        ("head", ("head",)),
        ("neck", ("thorax",)),
        ("pelvis", ("root",)),
        *sided(
            ("{side}_shoulder", "{s}clavicle"),
            ("{side}_elbow", "{s}humerus"),
            ("{side}_wrist", "{s}radius"),
            ("{side}_hip", "{s}hipjoint"),
            ("{side}_knee", "{s}femur"),
            ("{side}_ankle", "{s}tibia"),
        ),
    ),
    estimates=sided_estimates(
        ("lowerback", "pelvis", "neck", 0.33),
        ("upperback", "pelvis", "neck", 0.66),
        ("lowerneck", "neck", "head", 0.33),
        ("upperneck", "neck", "head", 0.66),
        # the foot points forward, which the shank's line cannot say: 15-20 cm off
        ("{s}foot", "{side}_knee", "{side}_ankle", 1.05),
        ("{s}toes", "{side}_knee", "{side}_ankle", 1.05),
        # HDM05's forearm (radius) is short: the hand bones continue it to 1.5-2.1 of its length
        ("{s}wrist", "{side}_elbow", "{side}_wrist", 1.5),
        ("{s}hand", "{side}_elbow", "{side}_wrist", 1.8),
        ("{s}fingers", "{side}_elbow", "{side}_wrist", 2.1),
        ("{s}thumb", "{side}_elbow", "{side}_wrist", 1.85),
    ),
)
