"""Record a finished (or partly finished) `sldml experiment` table in benchmarks/results/ with date, machine, commit.

Run: .venv/bin/python benchmarks/record_experiment.py EXPERIMENT RESULT_NAME COMMIT [NOTES_FILE]
     [--runs runs/experiments] [--seeds 3] [--group inertial --group fused]

It reads the experiment's finished runs (like `sldml experiment NAME --table-only`), keeps the chosen groups of
cells, puts the date, the machine and the commit the runs were made with in front of the table, and appends the
notes (what the table says, what was tried). Writes results/RESULT_NAME.md and .csv.
"""

from __future__ import annotations

import argparse
import csv
import datetime
from pathlib import Path

from record import RESULTS, machine

from sldml.evaluation.experiment import collect, load_experiment, markdown_table


def main() -> None:
    parser = argparse.ArgumentParser(description="Record an sldml experiment table in benchmarks/results/.")
    parser.add_argument("experiment")
    parser.add_argument("result_name")
    parser.add_argument("commit", help="The commit the runs were made with.")
    parser.add_argument("notes", nargs="?", help="A Markdown file appended below the table.")
    parser.add_argument("--runs", default="runs/experiments")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--group", action="append", help="Only the cells of this group (repeatable).")
    args = parser.parse_args()
    experiment = load_experiment(args.experiment)
    rows = collect(experiment, Path(args.runs) / experiment.name, args.seeds)
    rows = [r for r in rows if not args.group or r["group"] in args.group]
    info = machine()
    lines = markdown_table(f"{experiment.title}: `sldml experiment {experiment.name}`", rows, args.seeds)
    lines[1:1] = [
        "",
        f"Date {datetime.date.today().isoformat()}, commit {args.commit} (the code the runs were made with), "
        f"{info['cpu']} ({info['cores']} cores), Python {info['python']}. Default config.",
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
