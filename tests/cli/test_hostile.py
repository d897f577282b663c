"""Hostile and malformed inputs against the ``sldml`` command: one line, the right exit code, nothing changed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sldml.cli import app
from tests.cli.hostile_corpus import SECRET, build, snapshot
from tests.conftest import TINY, tiny_protocol

runner = CliRunner()


@pytest.fixture(scope="module")
def untrained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A finished run of the untrained aligned metric (no training: seconds) and a query file it reads."""
    from sldml.config import load_config
    from sldml.io.synthetic import generate
    from sldml.training import train

    tmp = tmp_path_factory.mktemp("hostile-run")
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
    return run, query


@pytest.mark.slow
def test_every_hostile_input_gives_one_line_and_changes_nothing(untrained: tuple[Path, Path], tmp_path: Path) -> None:
    run, query = untrained
    cases = build(tmp_path / "corpus", run, query)
    assert len(cases) >= 60
    runs_before = set(Path("runs").glob("*")) if Path("runs").is_dir() else set()
    problems = []
    for case in cases:
        before = snapshot(case.folder) if case.folder else None
        result = runner.invoke(app, case.argv, env={"COLUMNS": "250"})
        out = result.stdout + result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        shown = result.stderr if case.code else out
        checks = {
            "an exception escaped": result.exception is None or isinstance(result.exception, SystemExit),
            f"exit code {result.exit_code}, expected {case.code}": result.exit_code == case.code,
            "a traceback": "Traceback" not in out,
            "the secret leaked": SECRET not in out and not any(r in out for r in case.refuse),
            "not one error line": case.code != 1 or (len(lines) == 1 and lines[0].startswith("error: ")),
            f"no match for {case.pattern!r}": re.search(case.pattern, shown) is not None,
            "files changed": before is None or snapshot(case.folder) == before,  # type: ignore[arg-type]
        }
        failed = [what for what, ok in checks.items() if not ok]
        if failed:
            problems.append(f"{case.name}: {'; '.join(failed)}\n   {shown.strip()[:300]}")
    assert not problems, f"{len(problems)} of {len(cases)} cases failed:\n" + "\n".join(problems)
    assert not (tmp_path / "corpus" / "configs" / "pwned").exists()  # the !!python tag never ran
    runs_after = set(Path("runs").glob("*")) if Path("runs").is_dir() else set()
    assert runs_after == runs_before  # a refused training leaves no (empty) run folder behind


@pytest.mark.slow
def test_json_output_is_strict_and_user_text_is_printed_literally(untrained: tuple[Path, Path], tmp_path: Path) -> None:
    run, query = untrained
    gallery = tmp_path / "g.sldml"
    label = "a[/b] [bold]x[/bold] :smile:"
    result = runner.invoke(app, ["enrol", "--model", str(run), "--gallery", str(gallery), "--label", label, str(query)])
    assert result.exit_code == 0, result.output
    assert label in result.stdout  # neither markup nor an emoji code was interpreted
    result = runner.invoke(app, ["recognize", "--model", str(run), "--gallery", str(gallery), str(query), "--json"])
    assert result.exit_code == 0, result.output

    def no_constants(name: str) -> float:
        raise AssertionError(f"{name} is not JSON")

    [answer] = json.loads(result.stdout, parse_constant=no_constants)
    assert answer["label"] == label and answer["distance"] == pytest.approx(0.0, abs=1e-6)
    shown = runner.invoke(app, ["gallery", "show", str(gallery)], env={"COLUMNS": "250"})
    assert label in shown.stdout
