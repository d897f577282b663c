"""Experiments of kind ``auto``: the choice on auxiliary classes (``sldml train auto``) in every cell, recorded.

The cells are those of a one-shot table (:mod:`sldml.experiments.tables`), each run with the ``auto`` config and
``select.evaluate_all``, so that the table puts the choice beside every candidate's score on the novel classes
(the best of them in hindsight) and beside 1-NN DTW: how far the choice made without the evaluation classes is
from the best it could have made.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sldml.experiments.auto import chosen_name
from sldml.experiments.registry import ExperimentFile, Progress, RunOptions, register_kind
from sldml.experiments.tables import (
    Experiment,
    experiment_from_file,
    finished_results,
    fmt,
    method_folder,
    run_experiment,
)
from sldml.records import OneShotResults
from sldml.resources import write_text_atomic


def auto_rows(experiment: Experiment, root: Path, seeds: int) -> list[dict[str, Any]]:
    """Per cell and finished seed of an ``auto`` experiment: the choice, its score, every candidate's, DTW's."""
    rows = []
    for cell in experiment.cells:
        for seed in range(seeds):
            path = finished_results(method_folder(root, cell, experiment.methods[0]), seed)
            if path is None:
                rows.append({"cell": cell.name, "group": cell.group, "seed": seed, "auto": None})
                continue
            result = OneShotResults.read(path)
            selection = result.selection or {}
            tested = {
                (f"{e['name']}@{e['epochs']}" if e["learned"] else e["name"]): 100 * e["test"]
                for e in selection.get("candidates", [])
                if e.get("test") is not None
            }
            best = max(tested, key=lambda k: tested[k]) if tested else None
            dtw = result.baselines.get("dtw")
            rows.append(
                {
                    "cell": cell.name,
                    "group": cell.group,
                    "seed": seed,
                    "chosen": chosen_name(selection) if selection else "",
                    "auto": 100 * result.model.top1,
                    "dtw": 100 * dtw.top1 if dtw else None,
                    "best": best,
                    "best_top1": tested.get(best) if best else None,
                    "learned": selection.get("learned", ""),
                    "candidates": tested,
                    "validation": {
                        (f"{e['name']}@{e['epochs']}" if e["learned"] else e["name"]): 100 * e["validation"]
                        for e in selection.get("candidates", [])
                    },
                    "margins": {
                        (f"{e['name']}@{e['epochs']}" if e["learned"] else e["name"]): e["margin"]
                        for e in selection.get("candidates", [])
                        if e.get("margin") is not None
                    },
                    "tie": selection.get("tie"),
                    "same": selection.get("same", {}),
                    "minutes": round((result.wall_time_s or 0.0) / 60, 2),
                    "selection_minutes": round(selection.get("seconds", 0.0) / 60, 2),
                }
            )
    return rows


def write_auto_table(experiment: Experiment, root: Path, seeds: int) -> Path:
    """``table.md`` / ``table.json`` of an ``auto`` experiment: the choice beside every candidate and 1-NN DTW."""
    rows = auto_rows(experiment, root, seeds)
    for row in rows:  # several seeds: a row per cell and seed, labelled
        row["label"] = f"{row['cell']} (seed {row['seed']})" if seeds > 1 else row["cell"]
    done = [r for r in rows if r["auto"] is not None]
    lines = [
        f"# {experiment.title}",
        "",
        "One-shot top-1 % on the novel classes. `auto` chose among the candidates by episodes of the AUXILIARY "
        "classes only (validation %, in the last column); every candidate was then also evaluated on the novel "
        "classes for this record (`best`: the best of them in hindsight).",
        "",
        "| cell | chosen | auto | 1-NN DTW | auto - DTW | best in hindsight | auto - best | every candidate (novel) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        if row["auto"] is None:
            lines.append(f"| {row['label']} | not run |  |  |  |  |  |  |")
            continue
        dtw = row["dtw"]
        every = ", ".join(f"{k} {v:.1f}" for k, v in sorted(row["candidates"].items(), key=lambda kv: -kv[1]))
        versus_dtw = "" if dtw is None else f"{row['auto'] - dtw:+.1f}"
        versus_best = "" if row["best_top1"] is None else f"{row['auto'] - row['best_top1']:+.1f}"
        lines.append(
            f"| {row['label']} | {row['chosen']} | {row['auto']:.1f} | {fmt(dtw)} | {versus_dtw} | "
            f"{row['best']} {fmt(row['best_top1'])} | {versus_best} | {every} |"
        )
    if done:
        at_least_dtw = sum(1 for r in done if r["dtw"] is None or r["auto"] >= r["dtw"] - 1e-9)
        within = sum(1 for r in done if r["best_top1"] is None or r["auto"] >= r["best_top1"] - 1.0)
        lines += [
            "",
            f"auto >= 1-NN DTW in {at_least_dtw} of {len(done)} cells; within 1 point of the best candidate in "
            f"hindsight in {within} of {len(done)}. Mean: auto {np.mean([r['auto'] for r in done]):.1f}, "
            f"1-NN DTW {np.mean([r['dtw'] for r in done if r['dtw'] is not None]):.1f}.",
            *_seed_means(done, seeds),
            "",
            "Validation scores (auxiliary classes, %; the episodes' mean relative margin in brackets where recorded, "
            "which decides between candidates within the selection's tie of the best), per cell: "
            + "; ".join(
                f"{r['label']}: "
                + ", ".join(
                    f"{k} {v:.1f}" + (f" ({r['margins'][k]:.3f})" if k in r.get("margins", {}) else "")
                    for k, v in r["validation"].items()
                )
                + f" ({r['learned']}"
                + (f"; tie {100 * r['tie']:g} points" if r.get("tie") is not None else "")
                + "".join(f"; {k} = {v}, not scored again" for k, v in r.get("same", {}).items())
                + ")"
                for r in done
            ),
        ]
    write_text_atomic(root / "table.json", json.dumps(rows, indent=1))
    return write_text_atomic(root / "table.md", "\n".join(lines) + "\n")


def _seed_means(done: list[dict[str, Any]], seeds: int) -> list[str]:
    """With several seeds: per cell, the mean over its finished seeds of auto, 1-NN DTW and the best candidate."""
    if seeds < 2:
        return []
    out = ["", "Per cell, mean over its finished seeds: "]
    parts = []
    for cell in dict.fromkeys(r["cell"] for r in done):
        mine = [r for r in done if r["cell"] == cell]
        dtw = [r["dtw"] for r in mine if r["dtw"] is not None]
        best = [r["best_top1"] for r in mine if r["best_top1"] is not None]
        parts.append(
            f"{cell} ({len(mine)} seed{'s' if len(mine) > 1 else ''}): auto {np.mean([r['auto'] for r in mine]):.1f}"
            + (f", 1-NN DTW {np.mean(dtw):.1f}" if dtw else "")
            + (f", best in hindsight {np.mean(best):.1f}" if best else "")
        )
    out[-1] += "; ".join(parts) + "."
    return out


@register_kind("auto", keys=("seeds", "cells", "methods"), options=("seeds", "cells"))
def run_auto_table(
    file: ExperimentFile, output: Path, overrides: list[str], options: RunOptions, progress: Progress
) -> Path:
    """The ``auto`` kind: the ``auto`` config (choice on auxiliary classes) in every cell; the choice's table."""
    experiment = experiment_from_file(file)
    if not options.table_only:
        run_experiment(experiment, output, overrides, options.seeds, options.cells, progress)
    return write_auto_table(experiment, output / experiment.name, options.seeds or experiment.seeds)
