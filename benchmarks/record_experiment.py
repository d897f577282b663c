"""Record a finished (or partly finished) `sldml experiment` table in benchmarks/results/ with date, machine, commit.

Run: .venv/bin/python benchmarks/record_experiment.py EXPERIMENT RESULT_NAME COMMIT [NOTES_FILE]
     [--runs runs/experiments] [--seeds 3] [--group inertial --group fused] [--cell "skeleton 7/20"]

It reads the experiment's finished runs (like `sldml experiment NAME --table-only`), keeps the chosen groups of
cells, puts the date, the machine and the commit the runs were made with in front of the table, and appends the
notes (what the table says, what was tried). Writes results/RESULT_NAME.md and .csv. A siamese or zero-shot
experiment (``kind: siamese | zeroshot``) is recorded as its table.md plus results/RESULT_NAME.json holding every
run's results.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
from pathlib import Path

from record import RESULTS, machine

from sldml.experiments import load_experiment_file
from sldml.experiments.tables import collect, load_experiment, markdown_table


def record_folder_experiment(args: argparse.Namespace) -> None:
    """A siamese or zero-shot experiment: its table.md as written, plus every run's results.json in one JSON."""
    file = load_experiment_file(args.experiment)
    name = file.name
    root = Path(args.runs) / name
    table = (root / "table.md").read_text().strip().splitlines()
    info = machine()
    header = (
        f"Date {datetime.date.today().isoformat()}, commit {args.commit} (the code the runs were made with), "
        f"{info['cpu']} ({info['cores']} cores), Python {info['python']}. `sldml experiment {name}`."
    )
    lines = [table[0], "", header, *table[1:]]
    if args.notes:
        lines += ["", Path(args.notes).read_text().strip()]
    runs = {}
    for path in sorted(root.rglob("results.json")):
        result = json.loads(path.read_text())
        result.pop("config", None)
        runs[str(path.parent.relative_to(root))] = result
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.result_name}.md").write_text("\n".join(lines) + "\n")
    record = {"experiment": name, "date": datetime.date.today().isoformat(), "commit": args.commit, "machine": info}
    (RESULTS / f"{args.result_name}.json").write_text(json.dumps({**record, "runs": runs}, indent=2))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description="Record an sldml experiment table in benchmarks/results/.")
    parser.add_argument("experiment")
    parser.add_argument("result_name")
    parser.add_argument("commit", help="The commit the runs were made with.")
    parser.add_argument("notes", nargs="?", help="A Markdown file appended below the table.")
    parser.add_argument("--runs", default="runs/experiments")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--group", action="append", help="Only the cells of this group (repeatable).")
    parser.add_argument("--cell", action="append", help="Only this cell, e.g. 'skeleton 7/20' (repeatable).")
    args = parser.parse_args()
    if load_experiment_file(args.experiment).kind != "sldml":
        record_folder_experiment(args)
        return
    experiment = load_experiment(args.experiment)
    rows = collect(experiment, Path(args.runs) / experiment.name, args.seeds)
    rows = [r for r in rows if not args.group or r["group"] in args.group]
    rows = [r for r in rows if not args.cell or r["cell"] in args.cell]
    if not rows:
        raise SystemExit(f"no cell matches --group {args.group} --cell {args.cell}")
    info = machine()
    lines = markdown_table(f"{experiment.title}: `sldml experiment {experiment.name}`", rows, args.seeds)
    lines[1:1] = [
        "",
        f"Date {datetime.date.today().isoformat()}, commit {args.commit} (the code the runs were made with), "
        f"{info['cpu']} ({info['cores']} cores), Python {info['python']}. "
        "Config: the experiment's, plus each method's overrides.",
    ]
    if args.notes:
        lines += ["", Path(args.notes).read_text().strip()]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.result_name}.md").write_text("\n".join(lines) + "\n")
    with (RESULTS / f"{args.result_name}.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
