"""``sldml demo``: train two metrics on 8 procedural actions, then recognise 20 new ones from one example each.

The task (the ``demo`` config's data and protocol ``procedural-8-20``) is made so that the methods differ as they
do on real data (UTD-MHAD 7/20): with few training classes, the SL-DML image model falls far behind the
non-learned metrics, and the time-aligned metric (DTW over normalised frames) leads whether trained or not.
"""

from __future__ import annotations

from pathlib import Path

from sldml.config import Config, load_config
from sldml.errors import ConfigError
from sldml.records import OneShotResults
from sldml.runs.folder import RESULTS
from sldml.training import train

DEMO_PROTOCOL = "procedural-8-20"
INTRODUCTION = (
    "sldml demo: train two metrics on 8 procedural actions (8 samples each, every one with its own body, tempo, "
    "camera view and style; Kinect v1 skeletons), the SL-DML image model and the time-aligned one, then recognise "
    "20 new actions from ONE reference each."
)


def demo_configs(output: Path, epochs: int = 12, aligned_epochs: int = 1) -> list[Config]:
    """The demo's two configs on the same task: the SL-DML image model (``demo``) and the time-aligned metric.

    Raises:
        ConfigError: If an epoch count is below 1.
    """
    for option, value in (("--epochs", epochs), ("--aligned-epochs", aligned_epochs)):
        if value < 1:
            raise ConfigError(f"{option}={value}: expected at least 1 epoch")
    common = [f"output_dir={output}", f"protocol={DEMO_PROTOCOL}", "train.seed=0"]
    image = load_config("demo", [*common, f"train.epochs={epochs}"])
    aligned = load_config("aligned", [*common, f"train.epochs={aligned_epochs}", "evaluate.baselines=[dtw_frames]"])
    aligned.data = image.data  # the same samples: the demo config's task
    return [image, aligned]


def run_demo(output: Path, epochs: int = 12, aligned_epochs: int = 1) -> list[tuple[Path, OneShotResults]] | None:
    """Train the demo's configs in turn; their run folders and results (``None`` in a DDP worker process)."""
    runs = []
    for config in demo_configs(output, epochs, aligned_epochs):
        run_dir = train(config)
        if run_dir is None:
            return None
        runs.append((run_dir, OneShotResults.read(run_dir / RESULTS)))
    return runs
