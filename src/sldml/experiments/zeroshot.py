"""Zero-shot experiments (kind ``zeroshot``): every (split, seed) run, resumable, and the paper's two tables.

One run = one (split, seed) (:func:`run_zeroshot`): the unseen classes, the ST-GCN trained on the seen classes,
every head with every text-embedding kind, and the ZSL / GZSL scores (:mod:`sldml.training.zeroshot` trains).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import lightning as L
import numpy as np
import torch
from safetensors.torch import save

from sldml.config import ZeroShotConfig, load_zeroshot_config
from sldml.datasets import load_data
from sldml.errors import ConfigError
from sldml.evaluation.zeroshot import zero_shot_scores
from sldml.experiments.registry import ExperimentFile, Progress, RunOptions, register_kind
from sldml.records import ZeroShotRunResults
from sldml.resources import write_bytes_atomic, write_text_atomic
from sldml.sequence import Sequence
from sldml.text import class_texts, embed_texts
from sldml.training.zeroshot import (
    HEADS,
    check_zeroshot_config,
    choose_unseen,
    present_classes,
    train_devise,
    train_relation,
    train_visual,
    visual_features,
)


def run_zeroshot(
    config: ZeroShotConfig, sequences: list[Sequence], split: str, seed: int, folder: Path
) -> ZeroShotRunResults:
    """One (split, seed): train the ST-GCN and every head, score them; write ``results.json`` into ``folder``.

    Raises:
        ConfigError: If a sample has no class id of the class list, or a side of the split has no sample.

    The classes are those of the class list that have samples (:func:`present_classes`).
    """
    start = time.perf_counter()
    classes = present_classes(config, sequences)
    unseen_ids = choose_unseen(config, classes, split, seed)
    column = {c: i for i, c in enumerate(classes.ids)}
    seen_ids = [c for c in classes.ids if c not in unseen_ids]
    train = [s for s in sequences if s.class_id in seen_ids and s.subject in config.train_subjects]
    test = [s for s in sequences if s not in train]
    if not train or not any(s.class_id in unseen_ids for s in test):
        raise ConfigError(f"split {split}: {len(train)} seen training samples, no unseen test samples")
    layouts = sorted({s.layout for s in sequences})
    if len(layouts) != 1:
        raise ConfigError(f"zero-shot samples mix layouts {layouts}; the ST-GCN reads one skeleton")
    L.seed_everything(seed, workers=True, verbose=False)
    seen_index = {c: i for i, c in enumerate(seen_ids)}
    backbone = train_visual(config, train, [seen_index[s.class_id] for s in train], len(seen_ids), layouts[0])  # type: ignore[index]
    train_x = torch.from_numpy(visual_features(backbone, train, config))
    test_x = torch.from_numpy(visual_features(backbone, test, config))
    # the heads' training classes: the columns of the text matrix they see; labels index its rows
    train_columns = [column[c] for c in (seen_ids if config.train_classes == "seen" else classes.ids)]
    head_y = torch.tensor([train_columns.index(column[s.class_id]) for s in train])  # type: ignore[index]
    test_y = [column[s.class_id] for s in test]  # type: ignore[index]
    unseen_columns = [column[c] for c in unseen_ids]
    texts = class_texts(classes, config.texts, config.descriptions)
    scores: dict[str, dict[str, dict[str, float]]] = {head: {} for head in HEADS}
    for kind in config.embeddings:
        text = torch.from_numpy(embed_texts(texts, kind, seed=seed))
        for head_name, trainer in (("devise", train_devise), ("relation", train_relation)):
            head = trainer(train_x, head_y, text[train_columns], config, seed)
            with torch.no_grad():
                matrix = head(test_x, text).numpy()
            scores[head_name][kind] = zero_shot_scores(matrix, test_y, unseen_columns)
            if kind == "learned":  # the heads a user ranks new class names with (`sldml zeroshot`)
                write_bytes_atomic(folder / f"{head_name}.safetensors", save(dict(head.state_dict())))
    state = {k: v.contiguous() for k, v in backbone.state_dict().items()}
    write_bytes_atomic(folder / "stgcn.safetensors", save(state))
    results = ZeroShotRunResults(
        split=split,
        seed=seed,
        unseen=unseen_ids,
        unseen_names=[classes.name(c) for c in unseen_ids],
        layout=layouts[0],
        visual_dim=int(train_x.shape[1]),
        text_dim=int(text.shape[1]),
        train_samples=len(train),
        test_samples=len(test),
        scores=scores,
        wall_time_s=time.perf_counter() - start,
        config=asdict(config),
    )
    results.write(folder / "results.json")
    return results


def run_zeroshot_experiment(
    config: ZeroShotConfig, sequences: list[Sequence], root: Path, progress: Progress = print
) -> Path:
    """Every (split, seed) not finished under ``root`` (``<split>/seed<k>/results.json``), then the tables."""
    for split in config.splits:
        for seed in range(config.seeds):
            folder = root / split / f"seed{seed}"
            if (folder / "results.json").is_file():
                progress(f"{split}, seed {seed}: finished earlier, skipped")
                continue
            progress(f"{split}, seed {seed}: training")
            run_zeroshot(config, sequences, split, seed, folder)
    return write_zeroshot_tables(root, config)


def _cell(values: list[float]) -> str:
    return f"{100 * np.mean(values):.1f} +- {100 * np.std(values):.1f}" if values else ""


def write_zeroshot_tables(root: Path, config: ZeroShotConfig) -> Path:
    """``table.md``: the paper's Table 1 (ZSL top-1) and Table 2 (GZSL top-1 / top-5, seen, unseen, H) layout."""
    results: dict[str, list[ZeroShotRunResults]] = {
        split: [ZeroShotRunResults.read(p) for p in sorted((root / split).glob("seed*/results.json"))]
        for split in config.splits
    }
    names = {"devise": "DeViSE", "relation": "Relation Net"}
    header = "| model | embedding | " + " | ".join(f"{s} ({len(results[s])} seeds)" for s in config.splits) + " |"
    rule = "| --- | --- | " + " | ".join("---" for _ in config.splits) + " |"
    title = "## ZSL top-1 % (unseen samples among unseen classes; Table 1)"
    lines = [f"# {config.name}: zero-shot", "", title, "", header, rule]

    def metric(split: str, head: str, kind: str, key: str) -> list[float]:
        return [r.scores[head][kind][key] for r in results[split] if kind in r.scores[head]]

    for head in HEADS:
        for kind in config.embeddings:
            cells = " | ".join(_cell(metric(s, head, kind, "zsl_top1")) for s in config.splits)
            lines.append(f"| {names[head]} | {kind} | {cells} |")
    title = "## GZSL % (all classes): unseen top-1 / top-5, seen top-1, harmonic mean H (Table 2)"
    lines += ["", title, "", header, rule]
    for head in HEADS:
        for kind in config.embeddings:
            row = []
            for s in config.splits:
                parts = [_cell(metric(s, head, kind, k)) for k in ("gzsl_top1", "gzsl_top5", "seen", "harmonic")]
                row.append(" / ".join(parts) if parts[0] else "")
            lines.append(f"| {names[head]} | {kind} | {' | '.join(row)} |")
    unseen = {s: sorted({", ".join(r.unseen_names) for r in results[s]}) for s in config.splits}
    lines += ["", "Unseen classes: " + "; ".join(f"{s}: {' / '.join(u)}" for s, u in unseen.items() if u)]
    hours = sum(r.wall_time_s for rs in results.values() for r in rs) / 3600
    lines += ["", f"Time of the finished runs (in sequence): {hours:.2f} h."]
    return write_text_atomic(root / "table.md", "\n".join(lines) + "\n")


@register_kind("zeroshot", options=("seeds",))
def run_zeroshot_file(
    file: ExperimentFile, output: Path, overrides: list[str], options: RunOptions, progress: Progress
) -> Path:
    """The ``zeroshot`` kind: every (split, seed) of the file's zero-shot config into ``output/<name>``.

    The config is the file's ``config`` (default ``zeroshot-utd``) with the file's and the user's overrides;
    ``--seeds N`` sets its ``seeds``.

    Raises:
        ConfigError: On a bad config value, class list or split.
    """
    extra = [f"seeds={options.seeds}"] if options.seeds else []
    config = load_zeroshot_config(file.config or "zeroshot-utd", [*file.overrides, *overrides, *extra])
    check_zeroshot_config(config)
    root = output / file.name
    if options.table_only:
        return write_zeroshot_tables(root, config)
    sequences, skipped = load_data(config.data, config.output_dir)
    for line in skipped:
        progress(f"skipped: {line}")
    return run_zeroshot_experiment(config, sequences, root, progress)
