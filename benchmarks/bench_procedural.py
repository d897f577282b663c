"""Issue 21: pre-train the metrics on N procedural action classes, then recognise real actions one-shot.

For each model (``aligned``: the time-aligned metric, config ``pretrain-aligned``; ``image``: the SL-DML image
model, config ``pretrain-image``) and each N, a pre-training run trains on N procedural classes (never on real
data; ``data.procedural_classes = N + 20``: classes 1-20 are held out and scored one-shot, protocol
``procedural-pretrain``) for ``--seen`` training samples (epochs = seen / (N x samples); when one epoch of the
N x samples would already exceed it, one epoch of ``train.epoch_samples = seen``, so every N has the same budget).
Then, from it (``model.init=RUN``), in every cell:

(a) ``pre-trained only``: no training on the cell's data at all (``train.epochs=0``);
(b) ``fine-tuned``: trained further on the cell's auxiliary classes (``--finetune``, default 10 epochs at
    learning rate 1e-4); cells without auxiliary classes (all-novel protocols) have no (b).

Cells: UTD-MHAD all 27 actions (``utd-mhad-27``: reference subject 1 trial 1, every other recording a query) and
the six skeleton cells of Table IV (``utd-table4``, with the paper's numbers); HDM05-subset motion capture, all 11
actions (``hdm05-11``) and 6/5 (``hdm05-6-5``), read as Kinect v1 skeletons through the common body
(``data.layout=kinect_v1``: the pre-trained networks read Kinect v1 joints; HDM05's ``cmu31`` body has 31 joints,
and the common body keeps the 15 joints the two share and places the other five Kinect v1 joints by its rules);
the synthetic cross-view protocol (``synthetic-view-90``, ``data.synthetic_views=[0,45,90]``: references seen
from the front, queries from 90 degrees).

References without pre-training (N = 0), per cell: the aligned metric untrained (= 1-NN DTW on normalised
frames), and each model trained from scratch on the auxiliary classes with its pre-training config's own recipe.
Baselines once per cell: 1-NN DTW on the raw sequence, 1-NN DTW on normalised frames (the untrained aligned
metric), 1-NN Euclidean on the image. Runs go to ``--runs`` (default ``runs/procedural``); a finished run is
reused, so an interrupted benchmark goes on where it stopped. ``--merge RECORD.json`` takes the rows of an earlier
record made with the same settings (samples, seen, fine-tuning, scratch, overrides) and runs only what it lacks,
e.g. a larger N or another cell; merged rows keep the record and commit they came from.

Writes ``<results>/<name>.md``, ``.json`` (date, machine, commit, every number and run folder) and ``.png``
(accuracy against N, one panel per cell).

Run (the real thing: hours on a GPU; add ``--set train.accelerator=gpu`` or more workers there):
    .venv/bin/python benchmarks/bench_procedural.py --classes 100 1000 10000
Check the pipeline end to end at a tiny scale (a few minutes on 2 cores; not a result):
    .venv/bin/python benchmarks/bench_procedural.py --classes 20 --samples 3 --seen 60 \\
        --cells "skeleton 7/20" "hdm05 6/5" --finetune train.epochs=1 --scratch train.epochs=1 \\
        --runs /tmp/procedural-runs --results /tmp/procedural-check
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import io
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from record import commit, machine

from sldml.config import Config, load_config
from sldml.datasets import load_data, one_shot_split
from sldml.evaluation.baselines import baseline_title, run_baseline
from sldml.evaluation.scoring import frame_norm
from sldml.experiments.tables import load_experiment
from sldml.protocols import load_protocol
from sldml.records import OneShotResults
from sldml.resources import write_bytes_atomic, write_text_atomic
from sldml.runs.folder import RESULTS, unfinished_reason
from sldml.sequence import Sequence
from sldml.training import train

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
HELD_OUT = 20
"""Procedural classes 1-20 are held out of pre-training (protocol procedural-pretrain)."""
MODELS = {"aligned": "pretrain-aligned", "image": "pretrain-image"}
BASELINES = ("dtw", "dtw_frames", "euclidean")
RAW = "(baselines on the cmu31 bodies as read)"
HELD_OUT_CELL = "procedural held out 20"


@dataclasses.dataclass(frozen=True)
class Cell:
    """Where the networks are evaluated: a protocol on a dataset, and the paper's number if it has one."""

    name: str
    protocol: str
    data: tuple[str, ...]
    paper: float | None = None
    all_novel: bool = False

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name).strip("-").lower()


def cells() -> list[Cell]:
    """Every cell: UTD-MHAD 27 and Table IV's skeleton cells, HDM05 11 and 6/5, synthetic cross-view 90."""
    utd = ("data.dataset=utd_mhad", f"data.path={DATASETS / 'UTD-MHAD'}", "data.modality=skeleton")
    hdm = (
        "data.dataset=hdm05",
        f"data.path={DATASETS / 'HDM05-subset'}",
        "data.modality=mocap",
        "data.layout=kinect_v1",
    )
    out = [Cell("utd 27 all novel", "utd-mhad-27", utd, all_novel=True)]
    for cell in load_experiment("utd-table4").cells:
        if cell.group == "skeleton":
            out.append(Cell(cell.name, cell.protocol, utd, cell.paper))
    out += [
        Cell("hdm05 11 all novel", "hdm05-11", hdm, all_novel=True),
        Cell("hdm05 6/5", "hdm05-6-5", hdm),
        Cell(
            "synthetic cross-view 90", "synthetic-view-90", ("data.dataset=synthetic", "data.synthetic_views=[0,45,90]")
        ),
    ]
    return out


def _name(what: str, overrides: list[str]) -> str:
    """A run's name: what it is and a digest of everything that makes it, so a changed setting trains anew."""
    return f"{what}-{hashlib.sha256(json.dumps(overrides).encode()).hexdigest()[:8]}"


def _finished(folder: Path, name: str) -> Path | None:
    """The newest finished run called ``name`` in ``folder`` (a benchmark started again reuses it)."""
    done = [run for run in sorted(folder.glob(f"{name}-2*")) if unfinished_reason(run) is None]
    return done[-1] if done else None


def _run(folder: Path, name: str, config: Config, sequences: list[Sequence] | None, say: Callable[[str], None]) -> Path:
    done = _finished(folder, name)
    if done is not None:
        say(f"{name}: finished earlier ({done.name})")
        return done
    say(f"{name}: running")
    start = time.perf_counter()
    run = train(config, sequences)
    assert run is not None  # one process
    say(f"{name}: {time.perf_counter() - start:.0f} s, {run}")
    return run


def _top1(run: Path) -> float:
    return 100 * OneShotResults.read(run / RESULTS).model.top1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, nargs="+", default=[100, 1000, 10000], help="the Ns")
    parser.add_argument("--samples", type=int, default=10, help="samples per procedural class")
    parser.add_argument("--seen", type=int, default=200_000, help="training samples of each pre-training")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--cells", nargs="+", help="only these cells (names or slugs)")
    parser.add_argument("--finetune", nargs="*", default=["train.epochs=10", "optim.lr=0.0001"])
    parser.add_argument("--scratch", nargs="*", default=[], help="overrides of the from-scratch runs")
    parser.add_argument("--set", nargs="*", default=[], help="overrides of every run, e.g. train.accelerator=gpu")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "procedural")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--name", default="procedural")
    parser.add_argument("--merge", type=Path, nargs="*", default=[], help="earlier records (.json) to build on")
    args = parser.parse_args()
    merged_rows, merged_baselines = merge(args)
    started = time.perf_counter()
    meta = {"date": datetime.date.today().isoformat(), "machine": machine(), "commit": commit()}
    chosen = [c for c in cells() if not args.cells or c.name in args.cells or c.slug in args.cells]
    every = ["train.progress=false", "evaluate.baselines=[]", *args.set]
    log: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        log.append(line)

    data: dict[tuple[str, ...], list[Sequence]] = {}
    done = {(r["model"], r["N"], r["cell"], r["mode"]): r for r in merged_rows}

    def sequences(cell: Cell, model: str) -> list[Sequence]:
        if cell.data not in data:
            data[cell.data] = load_data(load_config(MODELS[model], list(cell.data)).data)[0]
        return data[cell.data]

    rows: list[dict[str, Any]] = []
    baselines: dict[str, dict[str, float]] = dict(merged_baselines)
    held_out = Cell(  # the 20 classes every pre-training holds out, as many samples as it makes
        HELD_OUT_CELL,
        "procedural-pretrain",
        (f"data.procedural_classes={HELD_OUT + 1}", f"data.procedural_samples={args.samples}"),
    )
    for cell in [held_out, *chosen]:  # baselines need no training: once per cell, on HDM05 also on cmu31 as read
        variants = [cell]
        if any(o.startswith("data.layout=") for o in cell.data):
            raw = tuple(o for o in cell.data if not o.startswith("data.layout="))
            variants.append(dataclasses.replace(cell, name=f"{cell.name} {RAW}", data=raw))
        for variant in variants:
            if variant.name in baselines:
                continue
            scores: dict[str, float] = {}
            for name in BASELINES:
                model = "image" if name == "euclidean" else "aligned"
                config = load_config(MODELS[model], list(variant.data))
                protocol = load_protocol(variant.protocol)
                split = one_shot_split(config, protocol, sequences(variant, model))
                scores[name] = 100 * run_baseline(name, split, config.preprocess, frame_norm(config)).top1
            baselines[variant.name] = scores
            say(f"{variant.name}: " + ", ".join(f"{k} {v:.1f}" for k, v in scores.items()))
    for model in args.models:
        pretrained: dict[int, Path] = {}

        def pretrain(n: int, model: str = model, pretrained: dict[int, Path] = pretrained) -> Path:
            """The pre-training run on N classes (trained when first needed; its row added then)."""
            if n in pretrained:
                return pretrained[n]
            epochs = max(1, math.ceil(args.seen / (n * args.samples)))
            overrides = [
                f"data.procedural_classes={n + HELD_OUT}",
                f"data.procedural_samples={args.samples}",
                f"train.epochs={epochs}",
                *(["train.epoch_samples=" + str(args.seen)] if n * args.samples > args.seen else []),
                *every,
            ]
            name = _name(f"pretrain-n{n}", overrides)
            config = load_config(MODELS[model], [*overrides, f"output_dir={args.runs / model}", f"name={name}"])
            run = pretrained[n] = _run(args.runs / model, name, config, None, say)
            result = OneShotResults.read(run / RESULTS)
            row = {
                "model": model,
                "N": n,
                "cell": HELD_OUT_CELL,
                "mode": "pre-training",
                "top1": 100 * result.model.top1,
                "epochs": epochs,
                "seen": (result.train_steps or 0) * config.train.batch_size,
                "minutes": round((result.wall_time_s or 0) / 60, 2),
                "samples_per_s": result.train_samples_per_s,
                "run": str(run),
            }
            if (model, n, HELD_OUT_CELL, "pre-training") not in done:
                rows.append(row)
            return run

        for n in sorted(args.classes):
            earlier = done.get((model, n, HELD_OUT_CELL, "pre-training"))
            if earlier is not None:
                rows.append(earlier)
            else:
                pretrain(n)
        for cell in chosen:
            folder = args.runs / model / cell.slug
            modes: list[tuple[str, int, list[str]]] = []
            if model == "aligned":
                modes.append(("untrained", 0, ["train.epochs=0"]))
            if not cell.all_novel:
                modes.append(("scratch", 0, list(args.scratch)))
            for n in sorted(args.classes):
                modes.append(("pre-trained only", n, ["train.epochs=0"]))
                if not cell.all_novel:
                    modes.append(("fine-tuned", n, list(args.finetune)))
            for mode, n, overrides in modes:
                if (model, n, cell.name, mode) in done:
                    rows.append(done[(model, n, cell.name, mode)])
                    continue
                if n:
                    overrides = [f"model.init={pretrain(n)}", *overrides]
                name = _name(f"{mode.replace(' ', '-')}-n{n}", [*cell.data, cell.protocol, *overrides, *every])
                config = load_config(
                    MODELS[model],
                    [
                        *cell.data,
                        f"protocol={cell.protocol}",
                        f"output_dir={folder}",
                        f"name={name}",
                        *overrides,
                        *every,
                    ],
                )
                run = _run(folder, name, config, sequences(cell, model), say)
                result = OneShotResults.read(run / RESULTS)
                rows.append(
                    {
                        "model": model,
                        "N": n,
                        "cell": cell.name,
                        "mode": mode,
                        "top1": 100 * result.model.top1,
                        "queries": result.queries,
                        "minutes": round((result.wall_time_s or 0) / 60, 2),
                        "run": str(run),
                    }
                )
    report = {
        **meta,
        "arguments": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "merge"},
        "merged": [str(path) for path in args.merge],
        "baselines": baselines,
        "paper": {c.name: c.paper for c in chosen if c.paper is not None},
        "rows": rows,
        "minutes": round((time.perf_counter() - started) / 60, 1),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.results / f"{args.name}.json", json.dumps(report, indent=1) + "\n")
    write_text_atomic(args.results / f"{args.name}.md", markdown(report, chosen))
    plot(report, chosen, args.results / f"{args.name}.png")
    print((args.results / f"{args.name}.md").read_text())


SAME = ("samples", "seen", "finetune", "scratch", "set")
"""Arguments two records must share for their rows to be merged."""


def merge(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
    """Rows and baselines of the earlier records ``--merge`` names, each row marked with its record and commit.

    Raises:
        SystemExit: If a record was made with other settings than this benchmark (its rows would not compare).
    """
    rows: list[dict[str, Any]] = []
    baselines: dict[str, dict[str, float]] = {}
    for path in args.merge:
        record = json.loads(path.read_text())
        for key in SAME:
            if record["arguments"].get(key) != getattr(args, key):
                raise SystemExit(
                    f"{path}: argument {key!r} is {record['arguments'].get(key)!r}, this benchmark's is "
                    f"{getattr(args, key)!r}; rows made otherwise do not compare"
                )
        rows += [
            {**row, "record": row.get("record", path.name), "commit": row.get("commit", record["commit"])}
            for row in record["rows"]
        ]
        baselines.update(record["baselines"])
    return rows, baselines


def _pretrained_values(
    rows: list[dict[str, Any]], model: str, cell: str, ns: list[int]
) -> list[tuple[float, str, int]]:
    """(accuracy, mode, N) of every pre-trained row of a model and cell that has a value."""
    return [
        (v, mode, n)
        for mode in ("pre-trained only", "fine-tuned")
        for n in ns
        if (v := _value(rows, model, cell, mode, n)) is not None
    ]


def _value(rows: list[dict[str, Any]], model: str, cell: str, mode: str, n: int) -> float | None:
    found = [r["top1"] for r in rows if (r["model"], r["cell"], r["mode"], r["N"]) == (model, cell, mode, n)]
    return found[-1] if found else None


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def markdown(report: dict[str, Any], chosen: list[Cell]) -> str:
    """The table: per model, cell and mode a column per N, beside the baselines and the paper; then the targets."""
    rows, ns = report["rows"], sorted({r["N"] for r in report["rows"] if r["N"] > 0})
    m = report["machine"]
    lines = [
        "# Pre-training on procedural action classes (issue 21): one-shot top-1 % against N",
        "",
        f"Date {report['date']}, commit {report['commit']}, {m['cpu']} ({m['cores']} cores), Python {m['python']}; "
        f"{report['minutes']} min in all. Arguments: `{json.dumps(report['arguments'])}`.",
        "",
        *(
            [
                "Rows merged from earlier records (same settings; their runs are not repeated): "
                + "; ".join(
                    f"`{name}` (commit {commit}): " + str(sum(1 for r in rows if r.get("record") == name)) + " rows"
                    for name, commit in sorted({(r["record"], r["commit"]) for r in rows if "record" in r})
                )
                + ".",
                "",
            ]
            if report.get("merged")
            else []
        ),
        "N = procedural classes pre-trained on (never real data). `pre-trained only`: no training on the cell's data; "
        "`fine-tuned`: then trained on its auxiliary classes; N = 0: `untrained` (the aligned metric as it starts) "
        "and `scratch` (trained on the auxiliary classes without pre-training).",
        "",
        "| model | cell | mode | N = 0 | "
        + " | ".join(f"N = {n}" for n in ns)
        + " | "
        + " | ".join(baseline_title(b) for b in BASELINES)
        + " | paper |",
        "| --- | --- | --- | --- | " + "--- | " * len(ns) + "--- | " * len(BASELINES) + "--- |",
    ]
    for model in sorted({r["model"] for r in rows}):
        pre = [r for r in rows if r["model"] == model and r["mode"] == "pre-training"]
        held = report["baselines"].get(HELD_OUT_CELL, {})
        lines.append(
            f"| {model} | {HELD_OUT_CELL} | pre-training |  | "
            + " | ".join(_fmt(_value(pre, model, HELD_OUT_CELL, "pre-training", n)) for n in ns)
            + " | "
            + " | ".join(_fmt(held.get(b)) for b in BASELINES)
            + " |  |"
        )
        for cell in chosen:
            base = report["baselines"].get(cell.name, {})
            for mode in ("untrained", "scratch", "pre-trained only", "fine-tuned"):
                values = [_value(rows, model, cell.name, mode, n) for n in ns]
                zero = _value(rows, model, cell.name, mode, 0)
                if zero is None and all(v is None for v in values):
                    continue
                lines.append(
                    f"| {model} | {cell.name} | {mode} | {_fmt(zero)} | "
                    + " | ".join(_fmt(v) for v in values)
                    + " | "
                    + " | ".join(_fmt(base.get(b)) for b in BASELINES)
                    + f" | {_fmt(cell.paper)} |"
                )
    for name, scores in report["baselines"].items():
        if name.endswith(RAW):
            lines.append(
                f"| baselines | {name} |  |  | "
                + "".join(" | " for _ in ns)
                + " | ".join(_fmt(scores.get(b)) for b in BASELINES)
                + " |  |"
            )
    lines += ["", "## Targets", "", *targets(report, chosen, ns)]
    return "\n".join(lines) + "\n"


def targets(report: dict[str, Any], chosen: list[Cell], ns: list[int]) -> list[str]:
    """One line per target of issue 21: reached or by how much it was missed, at the largest N and the best N."""
    rows, out = report["rows"], []
    if not ns:
        return ["No pre-training was run."]
    top = ns[-1]
    for cell in chosen:
        base = report["baselines"].get(cell.name, {})
        raw = report["baselines"].get(f"{cell.name} {RAW}", {})
        bar = max(
            base.get("dtw_frames", -1.0), base.get("dtw", -1.0), raw.get("dtw_frames", -1.0), raw.get("dtw", -1.0)
        )
        if cell.protocol in ("utd-mhad-27", "utd-mhad-7-20", "utd-mhad-3-24", "hdm05-11", "hdm05-6-5"):
            found = _pretrained_values(rows, "aligned", cell.name, ns)
            if found:
                best = max(found)
                at_top = max((f for f in found if f[2] == top), default=best)
                unconverted = (
                    f"; on cmu31 as read {_fmt(raw.get('dtw_frames'))} and {_fmt(raw.get('dtw'))}" if raw else ""
                )
                out.append(
                    f"- aligned, pre-trained, {cell.name}: above the untrained aligned metric "
                    f"({_fmt(base.get('dtw_frames'))}) and 1-NN DTW ({_fmt(base.get('dtw'))}{unconverted})? "
                    f"at N = {top}: {at_top[0]:.1f} ({at_top[1]}; {at_top[0] - bar:+.1f}), best {best[0]:.1f} "
                    f"({best[1]}, N = {best[2]}; {best[0] - bar:+.1f}): "
                    f"{'reached' if at_top[0] > bar else 'NOT reached'} at N = {top}"
                )
        if cell.paper is not None:
            found = _pretrained_values(rows, "image", cell.name, ns)
            if found:
                best = max(found)
                out.append(
                    f"- image model, pre-trained, {cell.name}: at or above the paper ({cell.paper})? "
                    f"best {best[0]:.1f} ({best[1]}, N = {best[2]}; {best[0] - cell.paper:+.1f}): "
                    f"{'reached' if best[0] >= cell.paper else 'NOT reached'}"
                )
    return out or ["No cell of a target was run."]


def plot(report: dict[str, Any], chosen: list[Cell], out: Path) -> Path:
    """Accuracy against N (log scale), one panel per cell; baselines and the paper as horizontal lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["rows"]
    panels = [(HELD_OUT_CELL, None), *((c.name, c) for c in chosen)]
    columns = 3
    fig, axes = plt.subplots(
        math.ceil(len(panels) / columns), columns, figsize=(5 * columns, 3.6 * math.ceil(len(panels) / columns))
    )
    styles = {"pre-training": ("-", "o"), "pre-trained only": ("-", "o"), "fine-tuned": ("--", "s")}
    for ax, (name, cell) in zip(axes.flat, panels, strict=False):
        for model, colour in (("aligned", "tab:blue"), ("image", "tab:red")):
            for mode, (style, marker) in styles.items():
                points = sorted(
                    (r["N"], r["top1"]) for r in rows if (r["model"], r["cell"], r["mode"]) == (model, name, mode)
                )
                points = [p for p in points if p[0] > 0]
                if points:
                    ax.plot(*zip(*points, strict=True), style, marker=marker, color=colour, label=f"{model}, {mode}")
            for mode, dashes in (("untrained", (0, (1, 2))), ("scratch", (0, (6, 2)))):
                zero = _value(rows, model, name, mode, 0)
                if zero is not None:
                    ax.axhline(zero, color=colour, linestyle=dashes, linewidth=1, label=f"{model}, {mode} (N = 0)")
        for baseline, colour in (("dtw", "black"), ("euclidean", "grey")):
            value = report["baselines"].get(name, {}).get(baseline)
            if value is not None:
                ax.axhline(value, color=colour, linestyle="-.", linewidth=1, label=baseline_title(baseline))
        if cell is not None and cell.paper is not None:
            ax.axhline(cell.paper, color="tab:green", linewidth=1, label="paper")
        ax.set_xscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("procedural classes N")
        ax.set_ylabel("top-1 %")
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="lower right", fontsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=100, format="png")
    plt.close(fig)
    return write_bytes_atomic(out, buffer.getvalue())


if __name__ == "__main__":
    main()
