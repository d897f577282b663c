"""Random class splits: one class split is a noisy estimate, so score many of the same size.

On UTD-MHAD the top-1 accuracy of 23/4 ranges from about 60 % to 98 % across random choices of the four
novel classes (``FINDINGS.md``). :func:`run_random_splits` draws ``count`` splits with as many novel classes
as the config's protocol, scores the baselines on each and, unless told not to, trains and scores a model
per split, and reports mean and standard deviation per method.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sldml.config import Config
from sldml.datasets import load_data
from sldml.evaluation.baselines import run_baseline
from sldml.evaluation.scoring import frame_norm
from sldml.protocols import load_protocol
from sldml.records import MethodStats, OneShotResults, SplitsSummary
from sldml.resources import new_path
from sldml.runs.folder import RESULTS
from sldml.training import check_config, train


def run_random_splits(
    config: Config, count: int, seed: int = 0, train_model: bool = True
) -> tuple[SplitsSummary, Path]:
    """Score the model (optional) and the baselines over ``count`` random class splits.

    Returns:
        The summary (per method: values per split, mean, std; the splits' novel classes) and the JSON file
        it was written to, ``<output_dir>/<name>-splits-<protocol>-<count>x-seed<seed>.json`` (``-2``, ``-3``,
        ... when that exists: a summary is never replaced). Methods are named
        ``1-NN <baseline>`` and, for the trained model, as :func:`~sldml.models.method_name` names it plus
        ``, learned`` (``, not trained`` with 0 epochs).
    """
    check_config(config)
    sequences, _ = load_data(config.data, config.output_dir)
    protocol = load_protocol(config.protocol)
    keys = {s.class_id if protocol.by_id else s.label for s in sequences}
    variants = protocol.random_variants([k for k in keys if k is not None], count, seed)
    values: dict[str, list[float]] = {}
    runs = []
    for variant in variants:
        split = variant.split(sequences)
        if train_model:
            run_dir = train(config, sequences, variant)
            if run_dir is None:  # a DDP worker process
                continue
            result = OneShotResults.read(run_dir / RESULTS)
            values.setdefault(result.label, []).append(result.model.top1)
            runs.append(str(run_dir))
        for name in config.evaluate.baselines:
            values.setdefault(f"1-NN {name}", []).append(
                run_baseline(name, split, config.preprocess, frame_norm(config)).top1
            )
    summary = SplitsSummary(
        protocol=protocol.name,
        count=count,
        seed=seed,
        novel_classes=[list(v.evaluation) for v in variants],
        methods={k: MethodStats(v, float(np.mean(v)), float(np.std(v))) for k, v in values.items()},
        runs=runs,
    )
    path = new_path(Path(config.output_dir) / f"{config.name}-splits-{protocol.name}-{count}x-seed{seed}.json")
    return summary, summary.write(path)
