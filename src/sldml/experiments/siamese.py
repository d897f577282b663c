"""Siamese experiments (kind ``siamese``): every subject-wise fold (resumable), a table of every method, curves.

Layout of the output folder::

    <root>/
      subject-1/ ... subject-8/     one folder per fold
        results.json                counts, curve (per scored epoch), final scores, baselines, times, config
        model.safetensors           the pair model's weights (no pickle)
      table.md, table.csv           mean +- std over the finished folds, and every fold's number
      curves.png                    pair and multi-class accuracy per epoch, mean over folds (Figs. 3-4)

A fold folder with ``results.json`` is finished and is not run again.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from collections.abc import Sequence as Seq
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.torch import save

from sldml.config import SiameseConfig, load_siamese_config
from sldml.datasets import load_data
from sldml.errors import ConfigError
from sldml.evaluation.folds import Fold, cross_subject, leave_one_subject_out, subjects_of
from sldml.experiments.registry import ExperimentFile, Progress, RunOptions, register_kind
from sldml.plots import siamese_curves_plot
from sldml.records import SiameseFoldResults
from sldml.resources import write_bytes_atomic, write_text_atomic
from sldml.sequence import Sequence, class_label
from sldml.training.classifiers import baseline_accuracy, check_classifiers
from sldml.training.oneshot import versions
from sldml.training.siamese import score_fold, sequence_tensors, standardiser, train_siamese

ROWS = {
    "mcc_svm": "S-LSTM + MCC (SVM)",
    "mcc_knn": "S-LSTM + MCC (KNN)",
    "mcc_best_match": "S-LSTM, best-matching training sequence",
    "mcc_topk": "S-LSTM, class of the best k matches (mean)",
    "embedding_nn": "S-LSTM encoder, nearest training sequence (Euclidean)",
    "svm": "SVM (resampled coordinates)",
    "softmax": "Softmax regression",
    "lstm1": "1-layer LSTM classifier",
    "lstm2": "2-layer LSTM classifier",
    "pair_accuracy": "S-LSTM pair accuracy (all test x reference pairs)",
    "pair_balanced": "S-LSTM pair accuracy, balanced (mean of match / no-match recall)",
}
MCC_ROWS = ("mcc_svm", "mcc_knn", "mcc_best_match", "mcc_topk")


def make_folds(config: SiameseConfig, sequences: list[Sequence]) -> list[Fold]:
    """The protocol's folds, restricted to ``config.folds`` when given.

    Raises:
        ConfigError: If ``config.folds`` names a fold that does not exist.
    """
    subjects = subjects_of(sequences)
    if config.protocol == "loso":
        folds = leave_one_subject_out(subjects)
    else:
        folds = [cross_subject(subjects, config.train_subjects)]
    if config.folds:
        unknown = sorted(set(config.folds) - {f.name for f in folds})
        if unknown:
            raise ConfigError(f"folds: unknown {', '.join(unknown)}; valid: {', '.join(f.name for f in folds)}")
        folds = [f for f in folds if f.name in config.folds]
    return folds


def validation_split(sequences: list[Sequence], train: Seq[int]) -> tuple[list[int], list[int]]:
    """A fold's training indices without its last training subject, and that subject's (``train.validation``).

    Raises:
        ConfigError: If the fold's training samples come from fewer than two subjects.
    """
    subjects = sorted({s for i in train if (s := sequences[i].subject) is not None})
    if len(subjects) < 2:
        raise ConfigError(f"train.validation: the fold trains on {len(subjects)} subject(s); at least 2 are needed")
    held = subjects[-1]
    return [i for i in train if sequences[i].subject != held], [i for i in train if sequences[i].subject == held]


def run_fold(config: SiameseConfig, sequences: list[Sequence], fold: Fold, folder: Path) -> SiameseFoldResults:
    """Train the pair model and the baselines on a fold's training samples, score them on its test samples.

    Writes ``results.json`` and ``model.safetensors`` into ``folder`` and returns the results.
    """
    series = sequence_tensors(
        sequences, config.train.frame_step, config.train.velocity, config.train.orient, config.train.scale_body
    )
    scale = standardiser([series[i] for i in fold.train])
    series = [scale(x) for x in series]
    labels = [class_label(s) for s in sequences]
    train = ([series[i] for i in fold.train], [labels[i] for i in fold.train])
    test = ([series[i] for i in fold.test], [labels[i] for i in fold.test])
    learn, held_out = train, None
    if config.train.validation:
        learn_idx, held_idx = validation_split(sequences, fold.train)
        learn = ([series[i] for i in learn_idx], [labels[i] for i in learn_idx])
        held_out = ([series[i] for i in held_idx], [labels[i] for i in held_idx])
    net, curve, seconds = train_siamese(config, learn, test, validation=held_out)
    final = score_fold(net, train, test, config.mcc, config.train.seed, diagnose=True)
    diagnosis = final.pop("diagnosis")
    baselines, baseline_seconds = {}, {}
    for name in config.baselines.names:
        start = time.perf_counter()
        baselines[name] = baseline_accuracy(
            name,
            train,
            test,
            config.baselines.frames,
            config.model.hidden,
            config.train.epochs,
            config.train.seed,
            config.train.lr,
            coordinates=int(series[0].shape[1]) // 2 if config.train.velocity else None,
        )
        baseline_seconds[name] = time.perf_counter() - start
    results = SiameseFoldResults(
        fold=fold.name,
        test_subjects=list(fold.test_subjects),
        train_samples=len(fold.train),
        test_samples=len(fold.test),
        classes=len(set(train[1])),
        final={k: v for k, v in final.items() if k in ROWS},
        baselines=baselines,
        curve=curve,
        train_seconds=seconds,
        baseline_seconds=baseline_seconds,
        config=dataclasses.asdict(config),
        versions=versions(),
        diagnosis=diagnosis,
        chosen_epoch=curve[-1].get("chosen_epoch") if curve else None,
    )
    write_bytes_atomic(folder / "model.safetensors", save({k: v.contiguous() for k, v in net.state_dict().items()}))
    results.write(folder / "results.json")
    return results


def run_siamese(config: SiameseConfig, root: Path, progress: Progress = print) -> Path:
    """Run every fold not finished yet under ``root``, then write the table and the curves.

    Returns:
        The Markdown table's path.

    Raises:
        ConfigError: On an unknown classifier baseline or dataset.
    """
    check_classifiers(config.baselines.names)
    sequences, skipped = load_data(config.data, config.output_dir)
    for line in skipped:
        progress(f"skipped: {line}")
    for fold in make_folds(config, sequences):
        folder = root / fold.name
        if (folder / "results.json").is_file():
            progress(f"{fold.name}: finished earlier, skipped")
            continue
        progress(f"{fold.name}: training ({len(fold.train)} training, {len(fold.test)} test samples)")
        run_fold(config, sequences, fold, folder)
    return write_siamese_table(root, config.name)


def _finished(root: Path) -> list[SiameseFoldResults]:
    return [SiameseFoldResults.read(p) for p in sorted(root.glob("*/results.json"))]


def collect_siamese(root: Path) -> list[dict[str, Any]]:
    """One row per method: mean and std over the finished folds, and each fold's accuracy (%)."""
    results = _finished(root)
    rows = []
    for key, title in ROWS.items():
        per_fold = {r.fold: 100 * v for r in results if (v := {**r.final, **r.baselines}.get(key)) is not None}
        if not per_fold:
            continue
        values = list(per_fold.values())
        rows.append(
            {
                "method": title,
                "key": key,
                "folds": len(values),
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                **per_fold,
            }
        )
    return rows


def write_siamese_table(root: Path, title: str) -> Path:
    """Write ``table.md``, ``table.csv`` and ``curves.png`` from the finished folds.

    Raises:
        ConfigError: If no fold has finished.
    """
    rows = collect_siamese(root)
    if not rows:
        raise ConfigError(f"{root}: no finished fold (no */results.json)")
    results = _finished(root)
    folds = [r.fold for r in results]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["method", "key", "folds", "mean", "std", *folds])
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(root / "table.csv", buffer.getvalue())
    by_key = {row["key"]: row for row in rows}
    baselines = [by_key[k]["mean"] for k in ("svm", "softmax", "lstm1", "lstm2") if k in by_key]
    best_mcc = max((by_key[k]["mean"] for k in MCC_ROWS if k in by_key), default=None)
    hours = sum(r.train_seconds + sum(r.baseline_seconds.values()) for r in results) / 3600
    lines = [
        f"# {title}: Siamese-LSTM + multi-class module",
        "",
        f"Accuracy %, mean +- std over {len(results)} finished folds ({', '.join(folds)}); the test subject is never "
        "seen in training (pair model, MCC and baselines all train on the same folds).",
        "",
        "| method | mean +- std | " + " | ".join(folds) + " |",
        "| --- | --- | " + " | ".join("---" for _ in folds) + " |",
    ]
    for row in rows:
        cells = " | ".join(f"{row[f]:.1f}" if f in row else "" for f in folds)
        lines.append(f"| {row['method']} | {row['mean']:.1f} +- {row['std']:.1f} | {cells} |")
    if best_mcc is not None and baselines:
        verdict = "above" if best_mcc > max(baselines) else "NOT above"
        lines += ["", f"Best MCC {best_mcc:.1f} % is {verdict} the best baseline classifier ({max(baselines):.1f} %)."]
    lines += ["", f"Time of the finished folds (pair model + baselines, in sequence): {hours:.2f} h."]
    write_text_atomic(root / "table.md", "\n".join(lines) + "\n")
    siamese_curves_plot([r.curve for r in results], root / "curves.png")
    return root / "table.md"


@register_kind("siamese", note="it runs subject folds; choose them with folds=[...]")
def run_siamese_experiment(
    file: ExperimentFile, output: Path, overrides: list[str], options: RunOptions, progress: Progress
) -> Path:
    """The ``siamese`` kind: every fold of the file's siamese config into ``output/<name>``.

    The config is the file's ``config`` (default ``slstm-small``) with the file's and the user's overrides; the
    table is titled with the file's ``title``.

    Raises:
        ConfigError: On a bad config value.
    """
    config = load_siamese_config(file.config or "slstm-small", [*file.overrides, *overrides])
    config.name = file.title
    root = output / file.name
    if options.table_only:
        return write_siamese_table(root, config.name)
    return run_siamese(config, root, progress)
