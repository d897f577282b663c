"""The walk a newcomer takes (docs/architecture.md): a reader, a backbone with one option and an experiment kind,
each one new file in its package, and nothing else touched.

The files are written to a scratch folder that is added to the package's ``__path__``, which is what dropping them
into ``src/sldml/io/``, ``src/sldml/models/`` and ``src/sldml/experiments/`` does; a separate Python process runs
the walk, so the toy registrations never reach the other tests.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TOY_READER = '''
"""A toy format: a ``.toy`` text file, one point per line (x y z), named ``<label>_s<subject>_t<trial>.toy``."""

from pathlib import Path

import numpy as np

from sldml.io.registry import register_format
from sldml.sequence import Sequence


@register_format("toy", lambda p: p.suffix == ".toy", "toy text: x y z per line")
def read_toy(path: Path) -> list[Sequence]:
    label, subject, trial = path.stem.split("_")
    data = np.loadtxt(path, ndmin=2).reshape(-1, 1, 3)
    return [Sequence(data, "points-1", 30.0, label, None, int(subject[1:]), int(trial[1:]), source=str(path))]
'''

TOY_BACKBONE = '''
"""A toy backbone: a linear map of the flattened image, times a scale (its one option)."""

from torch import Tensor, nn

from sldml.models.registry import Backbone, register_backbone


@register_backbone("toy")
class ToyBackbone(Backbone):
    def __init__(self, scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale
        self.project = nn.LazyLinear(16)
        self.num_features = 16

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.project(x.flatten(1)) * self.scale
        return out
'''

TOY_KIND = '''
"""A toy experiment kind: a table of the classes a dataset holds."""

from pathlib import Path

from sldml.config import load_config
from sldml.datasets import load_data
from sldml.experiments.registry import ExperimentFile, Progress, RunOptions, register_kind
from sldml.resources import write_text_atomic


@register_kind("toy")
def run_toy(file: ExperimentFile, output: Path, overrides: list[str], options: RunOptions, progress: Progress) -> Path:
    config = load_config(file.config, [*file.overrides, *overrides])
    sequences, _ = load_data(config.data)
    labels = sorted({s.label for s in sequences})
    lines = [f"# {file.title}", "", "| class | samples |", "| --- | --- |"]
    lines += [f"| {c} | {sum(s.label == c for s in sequences)} |" for c in labels]
    return write_text_atomic(output / file.name / "table.md", "\\n".join(lines) + "\\n")
'''

WALK = """
import importlib, sys
from pathlib import Path
import numpy as np
import sldml.experiments, sldml.io, sldml.models
from sldml.resources import import_submodules

scratch = Path(sys.argv[1])
for package in (sldml.io, sldml.models, sldml.experiments):  # as if the file were in the package's folder
    package.__path__.append(str(scratch / package.__name__.split(".")[-1]))
    import_submodules(package.__name__, package.__path__)

data = scratch / "data"
data.mkdir()
rng = np.random.default_rng(0)
for label, axis in (("up", [0.0, 1.0, 0.0]), ("down", [0.0, -1.0, 0.0]), ("left", [-1.0, 0.0, 0.0])):
    for subject in (1, 2):
        for trial in (1, 2):
            t = np.linspace(0, 1, 20)[:, None] * np.array([axis])
            np.savetxt(data / f"{label}_s{subject}_t{trial}.toy", t + 0.01 * rng.normal(size=t.shape))
(seq,) = sldml.read(data / "up_s1_t2.toy")
print("read", seq.layout, seq.frames, seq.label, seq.subject, seq.trial)
from sldml.datasets import list_datasets, load_data
from sldml.config import load_config
loaded, _ = load_data(load_config(None, ["data.dataset=toy", f"data.path={data}"]).data)
print("dataset", "toy" in list_datasets(), len(loaded))

from sldml.models import backbone_options
from sldml.training import train
from sldml.records import OneShotResults
protocol = "name: toy\\ndataset: toy\\nevaluation: [down, left]\\nreference: [{subject: 1, trial: 1}]\\n"
(scratch / "p.yaml").write_text(protocol)
config = load_config(None, [
    "data.dataset=toy", f"data.path={data}", f"protocol={scratch / 'p.yaml'}", "model.backbone=toy",
    "model.options.scale=2.0", "train.epochs=1", "train.batch_size=4", "train.m_per_class=2",
    "train.progress=false", "augment.enabled=false", "evaluate.baselines=[euclidean]", f"output_dir={scratch / 'runs'}",
])
run = train(config)
result = OneShotResults.read(run / "results.json")
print("backbone", backbone_options("toy"), result.method, result.queries, result.baselines["euclidean"].top1)

experiment = "name: census\\nkind: toy\\ntitle: Toy census\\nconfig: default\\n"
(scratch / "e.yaml").write_text(experiment + f"overrides: [data.dataset=toy, data.path={data}]\\n")
table = sldml.experiments.run_experiment_file(str(scratch / "e.yaml"), scratch / "out")
print("kind", sldml.experiments.list_kinds(), table.read_text().splitlines()[-2:])
"""


@pytest.mark.slow
def test_a_reader_a_backbone_and_an_experiment_kind_are_one_file_each(tmp_path: Path) -> None:
    for folder, text in (("io", TOY_READER), ("models", TOY_BACKBONE), ("experiments", TOY_KIND)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "toy.py").write_text(textwrap.dedent(text))
    done = subprocess.run(
        [sys.executable, "-c", WALK, str(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.split(" ")[0] in ("read", "dataset", "backbone", "kind")]
    assert lines == [
        "read points-1 20 up 1 2",
        "dataset True 12",
        "backbone {'scale': 1.0} SL-DML (toy) 6 1.0",  # references of down and left, 3 queries each
        "kind ['auto', 'siamese', 'sldml', 'toy', 'zeroshot'] ['| left | 4 |', '| up | 4 |']",
    ]
