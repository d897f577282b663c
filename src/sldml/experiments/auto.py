"""Choose the one-shot metric on the AUXILIARY classes only, then train it and evaluate it once (``sldml train auto``).

No single method wins across datasets (DTW over unit frames on one, a trained aligned metric or the image model
on others), and a method chosen by looking at evaluation classes is tuned to them. With ``select.candidates``,
:func:`select_and_train`:

1. splits the protocol's auxiliary classes into ``select.folds`` class folds (with fewer than
   ``select.min_classes`` auxiliary classes: one fold of all of them, and only candidates that need no
   training);
2. draws ``select.episodes`` cross-subject one-shot episodes per fold from the fold's classes
   (:mod:`sldml.evaluation.episodes`; at most ``select.per_class`` samples per class);
3. scores every candidate on those same episodes: a candidate that needs no training as it is (one that computes
   the same as an earlier one is skipped and named in ``same``: on channel data such as an IMU the ``-inv``
   invariances are no-ops); a learned one trained on the other folds' classes, scored after each of
   ``select.epochs``;
4. keeps the best: among the candidates whose mean accuracy is within ``select.tie`` of the highest (near-ties;
   on easy data many reach 100 %), the one with the largest mean relative margin
   (:func:`sldml.evaluation.episodes.episode_margin`: how clearly the right reference is the nearest, which does
   not saturate), then the earlier, simpler one; trains it on every auxiliary class (the usual
   :func:`sldml.training.train`) and evaluates it once on the novel classes.

Nothing about the evaluation classes is read before that last step: the selection receives only the auxiliary
samples. The run's ``results.json`` records every candidate's validation score and the choice (``selection``);
with ``select.evaluate_all`` also every candidate's score on the novel classes, for a record of how the choice
compares with each (its test scores never reach the choice).

Candidates (:func:`list_candidates`): ``dtw-<norm>`` is 1-NN DTW over the representation image's columns
normalised by ``<norm>`` (``unit``, ``centre``, ``centre_unit``, ``none``), an untrained ``frames`` network;
``-inv`` adds the body's invariances (``preprocess.orient``, ``preprocess.scale_body``); ``aligned`` trains the
``frames`` residual with soft-DTW triplets, ``image`` the SL-DML image model (ResNet18), both on the
preprocessing of the best untrained candidate.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sldml.config import Config, with_overrides
from sldml.datasets import check_dataset, preprocessed
from sldml.errors import ConfigError
from sldml.evaluation.episodes import Episode, draw_episodes
from sldml.models import build_net
from sldml.protocols import OneShotSplit, Protocol
from sldml.records import OneShotResults
from sldml.resources import Registry
from sldml.runs import input_spec
from sldml.runs.folder import RESULTS
from sldml.sequence import Sequence, class_label
from sldml.training import check_config, load_split, train
from sldml.training.fit import fit
from sldml.training.validation import EpisodeScore, EpisodeScores, episode_score


@dataclass(frozen=True)
class Candidate:
    """A recipe :func:`select_and_train` may choose.

    Attributes:
        name: Its name in ``select.candidates``.
        learned: It trains (scored on held-out auxiliary classes after each of ``select.epochs``).
        overrides: Config overrides that make it (on top of the user's config).
        options: The backbone's ``model.options`` (replacing the config's).
        description: One line for listings.
    """

    name: str
    learned: bool
    overrides: tuple[str, ...]
    options: tuple[tuple[str, Any], ...]
    description: str


_CANDIDATES: Registry[Candidate] = Registry("selection candidate")
_UNTRAINED = ("model.backbone=frames", "train.epochs=0", "preprocess.centre=every")
for _norm in ("unit", "centre", "centre_unit", "none"):
    for _inv in (False, True):
        _name = f"dtw-{_norm}" + ("-inv" if _inv else "")
        _CANDIDATES.add(
            _name,
            Candidate(
                _name,
                False,
                (*_UNTRAINED, f"preprocess.orient={_inv}", f"preprocess.scale_body={_inv}"),
                (("norm", _norm),),
                f"1-NN DTW over image columns normalised by {_norm}" + (", body turned and scaled" if _inv else ""),
            ),
        )
_CANDIDATES.add(
    "aligned",
    Candidate(
        "aligned",
        True,
        ("model.backbone=frames", "preprocess.centre=every", "loss.distance=soft_dtw", "loss.alpha=1", "loss.beta=0"),
        (),
        "the frames residual trained with soft-DTW triplets, on the best untrained candidate's preprocessing",
    ),
)
_CANDIDATES.add(
    "image",
    Candidate(
        "image",
        True,
        (
            "model.backbone=resnet18",
            "loss.distance=default",
            "loss.alpha=0.5",
            "loss.beta=0.5",
            "preprocess.centre=first",
        ),
        (),
        "the SL-DML image model (ResNet18), with the best untrained candidate's invariances",
    ),
)


def list_candidates() -> dict[str, str]:
    """Every candidate's name and what it is."""
    return {c.name: c.description for c in _CANDIDATES.values()}


def candidate_config(config: Config, candidate: Candidate, base: Candidate | None, epochs: int | None) -> Config:
    """The config a candidate trains or scores with (a learned one takes ``base``'s preprocessing and norm)."""
    overrides = list(candidate.overrides)
    options = dict(candidate.options)
    if candidate.learned and base is not None:  # the best untrained candidate's invariances (and norm: aligned)
        overrides += [o for o in base.overrides if o.startswith(("preprocess.orient", "preprocess.scale_body"))]
        if candidate.name == "aligned":
            options.update(base.options)
    if epochs is not None:
        overrides.append(f"train.epochs={epochs}")
    return with_overrides(config, [*overrides, "select.candidates=[]"], options)


def _folds(classes: list[str], config: Config) -> tuple[list[list[str]], bool]:
    """Class folds, and whether learned candidates can be scored (enough classes to train and to test)."""
    if len(classes) < config.select.min_classes:
        return [classes], False
    order = [classes[i] for i in np.random.default_rng(config.select.seed).permutation(len(classes))]
    return [sorted(order[k :: config.select.folds]) for k in range(config.select.folds)], True


def _roles(protocol: Protocol | None, sample: Sequence) -> tuple[bool, bool]:
    """May a sample be an episode's reference, a query (:meth:`~sldml.protocols.Protocol.roles`)."""
    return (True, True) if protocol is None else protocol.roles(sample)


def _held_out(
    samples: list[Sequence], fold: list[str], config: Config, number: int, protocol: Protocol | None = None
) -> list[Sequence]:
    """At most ``select.per_class`` possible references of each fold class, and as many further possible queries.

    A seeded draw; without metadata rules in the protocol every sample may be either, and a class keeps at most
    ``select.per_class`` samples in all.
    """
    rng = np.random.default_rng([config.select.seed, number])
    cap = config.select.per_class
    out = []
    for label in fold:
        members = [s for s in samples if class_label(s) == label]
        roles = [_roles(protocol, s) for s in members]
        referable = [i for i, (r, _) in enumerate(roles) if r]
        keep = {referable[i] for i in rng.choice(len(referable), min(cap, len(referable)), replace=False)}
        askable = [i for i, (r, q) in enumerate(roles) if q and i not in keep]
        if not all(r and q for r, q in roles):  # queries that cannot be references: as many again
            keep |= {askable[i] for i in rng.choice(len(askable), min(cap, len(askable)), replace=False)}
        out += [members[i] for i in sorted(keep)]
    return out


@dataclass
class _Fold:
    classes: list[str]
    samples: list[Sequence]
    episodes: list[Episode]


def _score_untrained(config: Config, fold: _Fold) -> EpisodeScore:
    spec = input_spec(fold.samples, config)
    net = build_net(config, 2, pretrained=False, input_shape=tuple(spec["image_shape"]), layout=spec["layout"])
    return episode_score(net, fold.samples, fold.episodes, config)


def _score_learned(
    config: Config, auxiliary: list[Sequence], fold: _Fold, epochs: list[int], work: Path
) -> dict[int, EpisodeScore]:
    training = [s for s in auxiliary if class_label(s) not in fold.classes]
    classes = sorted({class_label(s) for s in training})
    spec = input_spec(training, config)
    scorer = EpisodeScores(fold.samples, fold.episodes, config, epochs)
    folder = work / f"fold-{len(list(work.glob('fold-*')))}"
    folder.mkdir(parents=True)
    try:
        fit(
            config,
            OneShotSplit(training, [], []),
            classes,
            folder,
            tuple(spec["image_shape"]),
            spec["layout"],
            [scorer],
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return scorer.scores


def select(
    config: Config,
    auxiliary: list[Sequence],
    work: Path,
    progress: Any = print,
    protocol: Protocol | None = None,
) -> dict[str, Any]:
    """Score every candidate on episodes of the auxiliary classes (see the module docstring).

    Args:
        config: The user's config with ``select`` set.
        auxiliary: The auxiliary (training) samples, and nothing else.
        work: A scratch folder for the learned candidates' fold trainings (emptied afterwards).
        progress: Called with a line per candidate scored.
        protocol: The protocol whose metadata rules the episodes mirror (references and queries from the views
            it names, say); its classes are not read.

    Returns:
        The selection record: folds, episodes, every candidate's scores (``name``, ``epochs``, ``validation``,
        ``std``, ``margin``, ``per_fold``), the learned candidates' status, ``same`` (a skipped candidate's name
        and the earlier one it equals on this data) and the ``chosen`` entry's index.

    Raises:
        ConfigError: On an unknown candidate, or auxiliary data that cannot form episodes.
    """
    start = time.perf_counter()
    wanted = [_CANDIDATES.get(name) for name in config.select.candidates]
    classes = sorted({class_label(s) for s in auxiliary})
    folds_classes, learned_ok = _folds(classes, config)
    folds = []
    for number, fold_classes in enumerate(folds_classes):
        samples = _held_out(auxiliary, fold_classes, config, number, protocol)
        roles = [_roles(protocol, s) for s in samples]
        episodes = draw_episodes(
            [class_label(s) for s in samples],
            [s.subject for s in samples],
            config.select.episodes,
            config.select.way,
            config.select.seed + number,
            [r for r, _ in roles],
            [q for _, q in roles],
        )
        folds.append(_Fold(fold_classes, samples, episodes))
    entries: list[dict[str, Any]] = []

    def add(candidate: Candidate, epochs: int, per_fold: list[EpisodeScore]) -> None:
        mean = float(np.mean([f.accuracy for f in per_fold]))
        margin = float(np.mean([f.margin for f in per_fold]))
        entries.append(
            {
                "name": candidate.name,
                "epochs": epochs,
                "learned": candidate.learned,
                "validation": mean,
                "std": float(np.mean([f.std for f in per_fold])),
                "margin": margin,
                "per_fold": [f.accuracy for f in per_fold],
            }
        )
        progress(
            f"candidate {candidate.name}{f' ({epochs} epochs)' if candidate.learned else ''}: {100 * mean:.1f} % "
            f"(margin {margin:.3f})"
        )

    same: dict[str, str] = {}
    scored_as: dict[tuple[Any, ...], str] = {}
    skeletal = any(preprocessed(s) for s in auxiliary)
    for candidate in (c for c in wanted if not c.learned):
        effect = _effect(candidate, skeletal)
        if effect in scored_as:  # e.g. dtw-unit-inv on an IMU: nothing to turn or scale, the same as dtw-unit
            same[candidate.name] = scored_as[effect]
            progress(
                f"candidate {candidate.name}: the same as {scored_as[effect]} on this data (not skeletons), skipped"
            )
            continue
        scored_as[effect] = candidate.name
        scored = candidate_config(config, candidate, None, None)
        add(candidate, 0, [_score_untrained(scored, fold) for fold in folds])
    untrained = list(entries)
    base = _CANDIDATES.get(untrained[best_entry(untrained, config.select.tie)]["name"]) if untrained else None
    learned = [c for c in wanted if c.learned]
    if learned and learned_ok:
        epochs = sorted(set(config.select.epochs))
        for candidate in learned:
            trained = candidate_config(config, candidate, base, max(epochs))
            per_epoch = [_score_learned(trained, auxiliary, fold, epochs, work) for fold in folds]
            for epoch in epochs:
                add(candidate, epoch, [scores[epoch] for scores in per_epoch])
    if not entries:
        raise ConfigError("select.candidates: nothing to score (only learned candidates, with too few classes)")
    best = best_entry(entries, config.select.tie)
    return {
        "folds": folds_classes,
        "episodes": config.select.episodes,
        "way": config.select.way,
        "per_class": config.select.per_class,
        "roles": _describe_roles(protocol),
        "learned": "scored"
        if learned_ok
        else (
            f"not scored: {len(classes)} auxiliary classes, fewer than select.min_classes={config.select.min_classes}"
        ),
        "base": base.name if base else None,
        "same": same,
        "tie": config.select.tie,
        "candidates": entries,
        "chosen": best,
        "seconds": round(time.perf_counter() - start, 1),
    }


def _effect(candidate: Candidate, skeletal: bool) -> tuple[Any, ...]:
    """What an untrained candidate computes: its preprocessing (skeletons only, else a no-op) and its options."""
    kept = sorted(o for o in candidate.overrides if skeletal or not o.startswith("preprocess."))
    return (*kept, *sorted(candidate.options))


def best_entry(entries: list[dict[str, Any]], tie: float) -> int:
    """The index of the chosen entry: the largest ``margin`` among those within ``tie`` of the best ``validation``.

    Ties of margin go to the earlier entry (the simpler candidate, the fewer epochs). Entries without a margin
    (records written before it existed) count as margin 0.
    """
    top = max(e["validation"] for e in entries)
    near = [i for i, e in enumerate(entries) if e["validation"] >= top - tie - 1e-12]
    return max(near, key=lambda i: (entries[i].get("margin", 0.0), -i))


def _describe_roles(protocol: Protocol | None) -> str:
    rules = sorted(
        {", ".join(f"{k}={'/'.join(v)}" for k, v in rule.where) for rule in (protocol.reference if protocol else ())}
    )
    queries = ", ".join(f"{k}={'/'.join(v)}" for k, v in (protocol.queries if protocol else ()))
    references = " or ".join(r for r in rules if r) or "any sample"
    return f"cross-subject; references: {references}; queries: {queries or 'any sample'}"


def _entry_config(config: Config, selection: dict[str, Any], index: int) -> Config:
    entry = selection["candidates"][index]
    candidate = _CANDIDATES.get(entry["name"])
    base = _CANDIDATES.get(selection["base"]) if selection["base"] else None
    return candidate_config(config, candidate, base, entry["epochs"] if candidate.learned else None)


def select_and_train(
    config: Config, sequences: list[Sequence] | None = None, protocol: Protocol | None = None, progress: Any = print
) -> Path | None:
    """Choose on the auxiliary classes, train the choice on all of them, evaluate it once (module docstring).

    Returns:
        The chosen run's folder (its ``results.json`` carries ``selection``); ``None`` in a DDP worker process.

    Raises:
        ConfigError: On a bad config or protocol, or an unknown candidate.
    """
    check_dataset(config.data)
    for name in config.select.candidates:
        _CANDIDATES.get(name)
    sequences, skipped, protocol, split = load_split(config, sequences, protocol)
    work = Path(config.output_dir) / f".{config.name}-selection-{time.time_ns()}"
    try:
        selection = select(config, split.auxiliary, work, progress, protocol)
        chosen = _entry_config(config, selection, selection["chosen"])
        check_config(chosen)
        run = train(chosen, sequences, protocol)
        if run is None:
            return None
        results = OneShotResults.read(run / RESULTS)
        selection["candidates"][selection["chosen"]]["test"] = results.model.top1
        _store(run, results, selection, skipped)  # the choice is on record before any further training
        if config.select.evaluate_all:  # every candidate at its best validation epoch, for the record only
            for index in _best_of_each(selection):
                if index == selection["chosen"]:
                    continue
                other_config = with_overrides(_entry_config(config, selection, index), [f"output_dir={work}"])
                other = train(other_config, sequences, protocol)
                if other is not None:  # trained in the scratch folder: never taken for the chosen run
                    selection["candidates"][index]["test"] = OneShotResults.read(other / RESULTS).model.top1
            _store(run, results, selection, skipped)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run


def _best_of_each(selection: dict[str, Any]) -> list[int]:
    """Per candidate name, the index of its entry (epoch count) the choice's rule prefers (:func:`best_entry`)."""
    entries = selection["candidates"]
    tie = selection.get("tie", 0.0)
    names = list(dict.fromkeys(e["name"] for e in entries))
    out = []
    for name in names:
        indices = [i for i, e in enumerate(entries) if e["name"] == name]
        out.append(indices[best_entry([entries[i] for i in indices], tie)])
    return out


def _store(run: Path, results: OneShotResults, selection: dict[str, Any], skipped: list[str]) -> None:
    results.selection = selection
    results.skipped_files = skipped or results.skipped_files
    results.write(run / RESULTS)


def chosen_name(selection: dict[str, Any]) -> str:
    """The chosen candidate as a table names it: ``dtw-unit``, ``aligned@5``."""
    entry = selection["candidates"][selection["chosen"]]
    return f"{entry['name']}@{entry['epochs']}" if entry["learned"] else str(entry["name"])
