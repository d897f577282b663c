"""Hostile inputs against the ``sldml`` command as a user meets them (real processes), and concurrent enrolments.

Runs every case of ``tests/cli/hostile_corpus.py`` as ``sldml <arguments>`` in its own process and counts, per
command: the cases, those with the expected exit code, those whose error is one line, tracebacks, leaks (the
content of a file outside the dataset folder in any output) and cases that changed a file. Then starts N
``sldml enrol`` processes on one gallery at once and counts the labels lost. Records
``benchmarks/results/robustness.{md,json}``.

    .venv/bin/python benchmarks/bench_robustness.py [--enrols 20]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from record import record

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cli.hostile_corpus import SECRET, build, snapshot  # noqa: E402
from tests.conftest import TINY, tiny_protocol  # noqa: E402

SLDML = Path(sys.executable).parent / "sldml"


def _run() -> tuple[Path, Path, Path]:
    from sldml.config import load_config
    from sldml.io.synthetic import generate
    from sldml.training import train

    tmp = Path(tempfile.mkdtemp(prefix="sldml-robustness-"))
    overrides = [
        *TINY,
        "train.epochs=0",
        "evaluate.baselines=[]",
        f"output_dir={tmp}",
        f"protocol={tiny_protocol(tmp)}",
    ]
    run = train(load_config("aligned", overrides))
    assert run is not None
    query = tmp / "query.npy"
    np.save(query, next(s for s in generate(3, 1, 1, 1) if s.modality == "skeleton").data)
    return tmp, run, query


def corpus(tmp: Path, run: Path, query: Path) -> list[dict[str, object]]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in build(tmp / "corpus", run, query):
        before = snapshot(case.folder) if case.folder else None
        done = subprocess.run(
            [str(SLDML), *case.argv], capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "250"}
        )
        out = done.stdout + done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        row = counts[case.command]
        row["cases"] += 1
        row["expected exit code"] += done.returncode == case.code
        row["one-line error"] += case.code != 1 or (len(lines) == 1 and lines[0].startswith("error: "))
        row["message matches"] += re.search(case.pattern, done.stderr if case.code else out) is not None
        row["tracebacks"] += "Traceback" in out
        row["leaks"] += SECRET in out or any(r in out for r in case.refuse)
        row["files changed"] += before is not None and snapshot(case.folder) != before  # type: ignore[arg-type]
    rows = [{"command": command, **row} for command, row in sorted(counts.items())]
    total = {k: sum(int(r[k]) for r in rows) for k in rows[0] if k != "command"}
    return [*rows, {"command": "all", **total}]


def concurrent_enrols(tmp: Path, run: Path, query: Path, n: int) -> dict[str, object]:
    gallery = tmp / "shared.sldml"
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(SLDML), "enrol", "--model", str(run), "--gallery", str(gallery), "--label", f"action-{i}", str(query)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(n)
    ]
    codes = [p.wait(timeout=900) for p in procs]
    from sldml.inference import Gallery

    kept = len(Gallery.load(gallery).counts())
    return {
        "command": f"{n} x sldml enrol at once, one gallery",
        "exit 0": sum(c == 0 for c in codes),
        "labels kept": kept,
        "lost enrolments": n - kept,
        "seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enrols", type=int, default=20)
    args = parser.parse_args()
    tmp, run, query = _run()
    rows = corpus(tmp, run, query)
    enrol = concurrent_enrols(tmp, run, query, args.enrols)
    notes = (
        f"Concurrent enrolments: {enrol['command']}: {enrol['exit 0']} exited 0, {enrol['labels kept']} labels kept, "
        f"{enrol['lost enrolments']} lost of {args.enrols} ({enrol['seconds']} s).\n\n"
        "Each case is a real `sldml` process (tests/cli/hostile_corpus.py builds the inputs at run time: damaged "
        ".mat, .skeleton, Simitate .csv, .npy and .csv files, manifests with traversal, symbolic links, BOMs and "
        "duplicates, bad configs and overrides, unfinished and damaged run folders, damaged and edited galleries, "
        "bad numeric options, file names with Rich markup). A leak is the content of a file outside the dataset "
        "folder in any output. The same corpus runs in-process in `tests/cli/test_hostile.py`."
    )
    record("robustness", "Hostile inputs against the sldml command, and concurrent enrolments", rows, notes)


if __name__ == "__main__":
    main()
