"""Random class splits: one class split is a noisy estimate, so score many of the same size.

On UTD-MHAD the top-1 accuracy of 23/4 ranges from about 60 % to 98 % across random choices of the four
novel classes (``FINDINGS.md``). :func:`run_random_splits` draws ``count`` splits with as many novel classes
as the config's protocol, scores the baselines on each and, unless told not to, trains and scores a model
per split, and reports mean and standard deviation per method.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sldml.config import Config, method_name
from sldml.evaluation.baselines import run_baseline
from sldml.protocols import load_protocol
from sldml.sources import load_data


def run_random_splits(
    config: Config, count: int, seed: int = 0, train_model: bool = True
) -> tuple[dict[str, Any], Path]:
    """Score the model (optional) and the baselines over ``count`` random class splits.

    Returns:
        The summary (per method: values per split, mean, std; the splits' novel classes) and the JSON file
        it was written to, ``<output_dir>/splits-<protocol>-<count>x-seed<seed>.json``. Methods are named
        ``1-NN <baseline>`` and, for the trained model, as :func:`~sldml.config.method_name` names it plus
        ``, learned`` (``, not trained`` with 0 epochs).
    """
    sequences, _ = load_data(config.data)
    protocol = load_protocol(config.protocol)
    keys = {s.class_id if protocol.by_id else s.label for s in sequences}
    variants = protocol.random_variants([k for k in keys if k is not None], count, seed)
    values: dict[str, list[float]] = {}
    runs = []
    for variant in variants:
        split = variant.split(sequences)
        if train_model:
            from sldml.training.run import train  # torch and Lightning only when a model is trained

            run_dir = train(config, sequences, variant)
            if run_dir is None:  # a DDP worker process
                continue
            top1 = json.loads((run_dir / "results.json").read_text())["model"]["top1"]
            trained = "learned" if config.train.epochs else "not trained"
            values.setdefault(f"{method_name(config)}, {trained}", []).append(top1)
            runs.append(str(run_dir))
        for name in config.evaluate.baselines:
            values.setdefault(f"1-NN {name}", []).append(
                run_baseline(name, split, config.preprocess, config.model.frame_norm).top1
            )
    summary = {
        "protocol": protocol.name,
        "count": count,
        "seed": seed,
        "novel_classes": [list(v.evaluation) for v in variants],
        "methods": {k: {"values": v, "mean": float(np.mean(v)), "std": float(np.std(v))} for k, v in values.items()},
        "runs": runs,
    }
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"splits-{protocol.name}-{count}x-seed{seed}.json"
    path.write_text(json.dumps(summary, indent=1))
    return summary, path
