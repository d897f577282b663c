"""``sldml demo``: train two metrics on built-in synthetic actions, then recognise 5 new ones from one example each."""

from __future__ import annotations

from pathlib import Path

from sldml.config import Config, load_config
from sldml.errors import ConfigError
from sldml.records import OneShotResults
from sldml.runs.folder import RESULTS
from sldml.training import train

DEMO_PROTOCOL = "synthetic-15-5"
INTRODUCTION = (
    "sldml demo: train two metrics on 15 synthetic actions (8 subjects x 4 trials, Kinect v1 skeletons), "
    "the SL-DML image model and the time-aligned one, then recognise 5 new actions from ONE reference each "
    "(subject 1, trial 1)."
)


def demo_configs(output: Path, epochs: int = 12, aligned_epochs: int = 4) -> list[Config]:
    """The demo's two configs: the SL-DML image model (``demo``) and the time-aligned metric (``aligned``).

    Raises:
        ConfigError: If an epoch count is below 1.
    """
    for option, value in (("--epochs", epochs), ("--aligned-epochs", aligned_epochs)):
        if value < 1:
            raise ConfigError(f"{option}={value}: expected at least 1 epoch")
    common = [f"output_dir={output}", f"protocol={DEMO_PROTOCOL}", "data.dataset=synthetic", "train.seed=0"]
    return [
        load_config("demo", [*common, f"train.epochs={epochs}"]),
        load_config("aligned", [*common, f"train.epochs={aligned_epochs}", "evaluate.baselines=[dtw_frames]"]),
    ]


def run_demo(output: Path, epochs: int = 12, aligned_epochs: int = 4) -> list[tuple[Path, OneShotResults]] | None:
    """Train the demo's configs in turn; their run folders and results (``None`` in a DDP worker process)."""
    runs = []
    for config in demo_configs(output, epochs, aligned_epochs):
        run_dir = train(config)
        if run_dir is None:
            return None
        runs.append((run_dir, OneShotResults.read(run_dir / RESULTS)))
    return runs
