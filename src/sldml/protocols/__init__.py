"""One-shot protocols as data: which classes are auxiliary, which are novel, and which sample is the reference.

A protocol is a YAML file::

    name: utd-mhad-23-4
    dataset: utd_mhad
    evaluation: [24, 25, 26, 27]     # novel classes: class ids (ints) or labels (strings)
    auxiliary: rest                   # or an explicit list; "rest" = every other class in the data; "none"
    exclude: []                       # classes used nowhere (optional)
    reference:                        # rules; the first rule whose `classes` covers a class applies
      - {subject: 1, trial: 1}        # fields: classes ("1-60" or a list), subject, trial, first, or any metadata
    queries: {}                       # optional: only samples matching these fields are queries (e.g. {view: 3})

For each novel class exactly one sample must match its rule: that sample is the class's one reference and
every other sample of the class is a query. A rule with ``first: true`` takes the first matching sample by
file name (Simitate's rule). A rule's other fields select on a sample's metadata (``Sequence.meta``: NTU's
``setup`` and ``camera``, a manifest's extra columns such as ``view`` or ``session``), compared as text, so that
``view: 3`` matches a manifest cell ``3``. ``queries`` restricts the queries the same way (a value or a list
of values per field): references from view 1 and queries from view 3 is a cross-view protocol on one folder.

Where a paper leaves class subsets unsaid, a protocol can draw them, seeded and so repeatable:
``auxiliary_count: N`` keeps N of the auxiliary classes, ``evaluation_random: N`` adds N classes to the novel
ones, both drawn with ``seed`` (default 0) from the classes the data holds. ``auxiliary: all`` trains on every
class, the novel ones included: only for inter-sensor protocols, where training and evaluation use
different modalities (``evaluate.modality``). ``auxiliary: none`` trains on nothing: every class is novel, for a
network that needs no training on the data (``train.epochs=0``: one pre-trained elsewhere, ``model.init``, or a
metric untrained), such as all 27 UTD-MHAD actions recognised from one example each (``utd-mhad-27``).
Protocols shipped with sldml live beside this file; any other path works too. :meth:`Protocol.random_variants`
draws protocols with the same number of novel classes at random, since one class split is a noisy estimate.

About 340 lines, one thing: the protocol's data model, its rules, its YAML form in both directions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sldml.errors import ConfigError
from sldml.resources import read_yaml_mapping, shipped_yaml_names
from sldml.sequence import Sequence

ClassKey = int | str
Selector = tuple[tuple[str, tuple[str, ...]], ...]
"""Field -> accepted values (as text): a sample matches when each field's value is one of them."""


def _field(seq: Sequence, name: str) -> object:
    """A sample's value of a named field: subject, trial, label, class_id or modality, else its metadata."""
    if name in ("subject", "trial", "label", "class_id", "modality"):
        return getattr(seq, name)
    return seq.meta.get(name)


def _selects(selector: Selector, seq: Sequence) -> bool:
    return all(str(_field(seq, name)) in values for name, values in selector)


def _selector(raw: dict[str, Any], where: str) -> Selector:
    out = []
    for name, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, int | str | float) and not isinstance(v, bool) for v in values):
            raise ConfigError(f"{where}: field {name!r} is {value!r}; expected a value or a list of values")
        out.append((str(name), tuple(str(v) for v in values)))
    return tuple(out)


def _class_key(seq: Sequence, by_id: bool) -> ClassKey | None:
    return seq.class_id if by_id else seq.label


def _parse_classes(value: Any, where: str) -> tuple[ClassKey, ...]:
    if isinstance(value, str) and "-" in value and all(p.strip().isdigit() for p in value.split("-", 1)):
        low, high = (int(p) for p in value.split("-", 1))
        return tuple(range(low, high + 1))
    if isinstance(value, list) and all(isinstance(v, int | str) and not isinstance(v, bool) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a list of class ids / labels or a range like '1-60', got {value!r}")


@dataclass(frozen=True)
class ReferenceRule:
    """Which sample of a novel class is its reference. ``None`` fields match anything.

    Attributes:
        classes: The classes the rule covers (``None``: all).
        subject: The reference's subject.
        trial: The reference's trial.
        first: Take the first matching sample by file name.
        where: Further fields (metadata such as ``setup``, ``camera``, ``view``) and the values they must have.
    """

    classes: tuple[ClassKey, ...] | None = None
    subject: int | None = None
    trial: int | None = None
    first: bool = False
    where: Selector = ()

    def covers(self, key: ClassKey) -> bool:
        """Whether this rule applies to a class."""
        return self.classes is None or key in self.classes

    def matches(self, seq: Sequence) -> bool:
        """Whether a sample is the reference this rule asks for."""
        fixed = all(getattr(self, k) is None or getattr(self, k) == getattr(seq, k) for k in ("subject", "trial"))
        return fixed and _selects(self.where, seq)

    def pick(self, samples: list[Sequence]) -> list[Sequence]:
        """The samples that match; with ``first``, only the first of them by file name."""
        matching = [s for s in samples if self.matches(s)]
        return sorted(matching, key=lambda s: str(s.source))[:1] if self.first else matching


@dataclass(frozen=True)
class OneShotSplit:
    """A protocol applied to data.

    Attributes:
        auxiliary: Training samples (auxiliary classes).
        references: One sample per novel class, in the protocol's order.
        queries: Every other sample of the novel classes.
    """

    auxiliary: list[Sequence]
    references: list[Sequence]
    queries: list[Sequence]


@dataclass(frozen=True)
class Protocol:
    """A one-shot protocol (see the module docstring)."""

    name: str
    dataset: str
    evaluation: tuple[ClassKey, ...]
    auxiliary: tuple[ClassKey, ...] | None = None  # None: every class not novel or excluded
    exclude: tuple[ClassKey, ...] = ()
    reference: tuple[ReferenceRule, ...] = (ReferenceRule(subject=1, trial=1),)
    auxiliary_all: bool = False
    auxiliary_none: bool = False
    auxiliary_count: int | None = None
    evaluation_random: int = 0
    seed: int = 0
    queries: Selector = ()

    def __post_init__(self) -> None:
        if not self.evaluation:
            raise ConfigError(f"protocol {self.name}: 'evaluation' lists no class")
        if len(set(self.evaluation)) != len(self.evaluation):
            raise ConfigError(f"protocol {self.name}: 'evaluation' lists a class twice")
        overlap = set(self.auxiliary or ()) & set(self.evaluation)
        if overlap and not self.auxiliary_all:
            raise ConfigError(
                f"protocol {self.name}: class(es) {', '.join(map(str, sorted(overlap, key=str)))} are both auxiliary "
                "and evaluation; a one-shot protocol needs disjoint classes"
            )
        excluded = set(self.exclude) & (set(self.evaluation) | set(self.auxiliary or ()))
        if excluded:
            raise ConfigError(f"protocol {self.name}: excluded class(es) {sorted(excluded, key=str)} are also used")
        if not self.reference:
            raise ConfigError(f"protocol {self.name}: 'reference' lists no rule")
        if self.auxiliary_none and (self.auxiliary or self.auxiliary_all or self.auxiliary_count is not None):
            raise ConfigError(f"protocol {self.name}: 'auxiliary: none' with auxiliary classes to train on")

    @property
    def by_id(self) -> bool:
        """Whether classes are named by numeric class id (else by label)."""
        return all(isinstance(c, int) for c in self.evaluation)

    def roles(self, seq: Sequence) -> tuple[bool, bool]:
        """Whether a sample may be a reference and whether a query, by the rules' metadata fields only.

        Subject, trial and class lists are left out: this is for one-shot episodes drawn from other classes
        (:mod:`sldml.evaluation.episodes`) that mirror the protocol's views, cameras or sessions.
        """
        return any(_selects(rule.where, seq) for rule in self.reference), _selects(self.queries, seq)

    def rule_for(self, key: ClassKey) -> ReferenceRule:
        """The reference rule of a novel class."""
        for rule in self.reference:
            if rule.covers(key):
                return rule
        raise ConfigError(f"protocol {self.name}: no reference rule covers class {key}")

    def resolve(self, classes: Iterable[ClassKey]) -> Protocol:
        """The protocol with its drawn classes (``evaluation_random``, ``auxiliary_count``) made explicit.

        Args:
            classes: The classes the data holds.
        """
        if not self.evaluation_random and self.auxiliary_count is None:
            return self
        rng = np.random.default_rng(self.seed)
        novel = list(self.evaluation)
        pool = sorted(set(classes) - set(novel) - set(self.exclude), key=str)
        if self.evaluation_random:
            if self.evaluation_random > len(pool):
                raise ConfigError(
                    f"protocol {self.name}: cannot draw {self.evaluation_random} more novel classes from {len(pool)}"
                )
            extra = [pool[i] for i in rng.choice(len(pool), self.evaluation_random, replace=False)]
            novel += sorted(extra, key=str)
            pool = [c for c in pool if c not in extra]
        auxiliary = self.auxiliary
        if self.auxiliary_count is not None:
            candidates = [c for c in pool if self.auxiliary is None or c in self.auxiliary]
            if self.auxiliary_count > len(candidates):
                raise ConfigError(
                    f"protocol {self.name}: auxiliary_count {self.auxiliary_count} but only "
                    f"{len(candidates)} auxiliary classes in the data"
                )
            chosen = rng.choice(len(candidates), self.auxiliary_count, replace=False)
            auxiliary = tuple(sorted((candidates[i] for i in chosen), key=str))
        return dataclasses.replace(
            self, evaluation=tuple(novel), auxiliary=auxiliary, auxiliary_count=None, evaluation_random=0
        )

    def split(self, sequences: Iterable[Sequence]) -> OneShotSplit:
        """Apply the protocol to data.

        Raises:
            ConfigError: If a novel class has no samples, or not exactly one sample matches its reference rule.
        """
        sequences = list(sequences)
        if self.evaluation_random or self.auxiliary_count is not None:
            keys = {_class_key(s, self.by_id) for s in sequences}
            return self.resolve(k for k in keys if k is not None).split(sequences)
        novel = set(self.evaluation)
        aux_classes = set(self.auxiliary) if self.auxiliary is not None else None
        auxiliary: list[Sequence] = []
        by_class: dict[ClassKey, list[Sequence]] = {key: [] for key in self.evaluation}
        for seq in sequences:
            key = _class_key(seq, self.by_id)
            if key is None:
                raise ConfigError(
                    f"protocol {self.name}: sample {seq.source} has no {'class id' if self.by_id else 'label'}"
                )
            if key in novel:
                by_class[key].append(seq)
            if key in self.exclude:
                continue
            if self.auxiliary_none:
                continue
            if self.auxiliary_all or (key not in novel and (aux_classes is None or key in aux_classes)):
                auxiliary.append(seq)
        references: list[Sequence] = []
        queries: list[Sequence] = []
        for key in self.evaluation:
            samples = by_class[key]
            if not samples:
                raise ConfigError(f"protocol {self.name}: evaluation class {key} has no samples in the data")
            rule = self.rule_for(key)
            matching = rule.pick(samples)
            if len(matching) != 1:
                shown = dataclasses.asdict(rule).items()
                fields = {k: v for k, v in shown if v not in (None, False, ()) and k not in ("classes", "where")}
                fields.update({name: "|".join(values) for name, values in rule.where})
                problem = "no sample" if not matching else f"{len(matching)} samples"
                raise ConfigError(
                    f"protocol {self.name}: {problem} of class {key} match(es) the reference rule {fields}; "
                    "expected exactly one"
                )
            references.append(matching[0])
            queries.extend(s for s in samples if s is not matching[0] and _selects(self.queries, s))
        if not auxiliary and not self.auxiliary_none:
            raise ConfigError(f"protocol {self.name}: no auxiliary (training) samples in the data")
        return OneShotSplit(auxiliary, references, queries)

    def random_variants(self, classes: Iterable[ClassKey], count: int, seed: int = 0) -> list[Protocol]:
        """``count`` protocols with as many novel classes as this one, drawn at random from ``classes``.

        Auxiliary classes are the rest (minus excluded ones); reference rules are kept.
        """
        pool = sorted(set(classes) - set(self.exclude), key=str)
        size = len(self.evaluation)
        if size >= len(pool):
            raise ConfigError(f"protocol {self.name}: cannot draw {size} novel classes from {len(pool)} classes")
        rng = np.random.default_rng(seed)
        out = []
        for number in range(count):
            chosen = sorted((pool[i] for i in rng.choice(len(pool), size, replace=False)), key=str)
            out.append(
                dataclasses.replace(self, name=f"{self.name}-random{number}", evaluation=tuple(chosen), auxiliary=None)
            )
        return out


def _optional_count(tree: dict[str, Any], key: str, source: str) -> int | None:
    value = tree.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"protocol {source}: {key} is {value!r}; expected a whole number >= 0")
    return value


def protocol_from_dict(tree: dict[str, Any], source: str = "<dict>") -> Protocol:
    """Build a protocol from its YAML mapping.

    Raises:
        ConfigError: On a missing or unknown key, or a malformed value.
    """
    valid = (
        "name",
        "dataset",
        "evaluation",
        "auxiliary",
        "exclude",
        "reference",
        "auxiliary_count",
        "evaluation_random",
        "seed",
        "queries",
    )
    unknown = sorted(set(tree) - set(valid))
    if unknown:
        raise ConfigError(f"protocol {source}: unknown key(s) {', '.join(unknown)}; valid: {', '.join(valid)}")
    for key in ("name", "dataset", "evaluation"):
        if key not in tree:
            raise ConfigError(f"protocol {source}: missing key {key!r}")
    auxiliary = tree.get("auxiliary", "rest")
    rules = []
    for number, raw in enumerate(tree.get("reference") or [], start=1):
        where = f"protocol {source}: reference rule {number}"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must be a mapping of classes, subject, trial, first or metadata fields")
        fields = dict(raw)
        known: dict[str, Any] = {}
        if "classes" in fields:
            known["classes"] = _parse_classes(fields.pop("classes"), where)
        for name in ("subject", "trial"):
            if name in fields:
                value = fields.pop(name)
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ConfigError(f"{where}: {name} is {value!r}; expected a whole number")
                known[name] = value
        if "first" in fields:
            known["first"] = bool(fields.pop("first"))
        rules.append(ReferenceRule(**known, where=_selector(fields, where)))
    if "reference" not in tree:
        rules = [ReferenceRule(subject=1, trial=1)]
    return Protocol(
        name=str(tree["name"]),
        dataset=str(tree["dataset"]),
        evaluation=_parse_classes(tree["evaluation"], f"protocol {source}: evaluation"),
        auxiliary=None
        if auxiliary in ("rest", "all", "none")
        else _parse_classes(auxiliary, f"protocol {source}: auxiliary"),
        auxiliary_all=auxiliary == "all",
        auxiliary_none=auxiliary == "none",
        auxiliary_count=_optional_count(tree, "auxiliary_count", source),
        evaluation_random=_optional_count(tree, "evaluation_random", source) or 0,
        seed=_optional_count(tree, "seed", source) or 0,
        exclude=_parse_classes(tree.get("exclude") or [], f"protocol {source}: exclude"),
        reference=tuple(rules),
        queries=_selector(_mapping(tree.get("queries"), f"protocol {source}: queries"), f"protocol {source}: queries"),
    )


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping of fields to values, got {value!r}")
    return value


def protocol_to_dict(protocol: Protocol) -> dict[str, Any]:
    """The YAML mapping of a protocol (the inverse of :func:`protocol_from_dict`)."""
    rules = []
    for rule in protocol.reference:
        fields: dict[str, Any] = {
            k: v for k, v in vars(rule).items() if v is not None and v is not False and k != "where"
        }
        if "classes" in fields:
            fields["classes"] = list(fields["classes"])
        fields.update({name: _plain(values) for name, values in rule.where})
        rules.append(fields)
    auxiliary: Any = "all" if protocol.auxiliary_all else "none" if protocol.auxiliary_none else "rest"
    if protocol.auxiliary is not None and not protocol.auxiliary_all:
        auxiliary = list(protocol.auxiliary)
    return {
        "name": protocol.name,
        "dataset": protocol.dataset,
        "evaluation": list(protocol.evaluation),
        "auxiliary": auxiliary,
        "exclude": list(protocol.exclude),
        "reference": rules,
        **({"queries": {name: _plain(values) for name, values in protocol.queries}} if protocol.queries else {}),
    }


def _plain(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def named_protocols() -> list[str]:
    """Names of the protocols shipped with sldml."""
    return shipped_yaml_names("protocols")


def load_protocol(source: str) -> Protocol:
    """Load a shipped protocol by name, or a protocol YAML file by path.

    Raises:
        ConfigError: If neither exists or the file is malformed.
    """
    return protocol_from_dict(read_yaml_mapping(source, "protocols", "protocol"), source)
