"""Zero-shot recognition: ST-GCN features of seen classes + class-text embeddings, DeViSE and Relation Network.

One run = one (split, seed):

1. the unseen classes (:func:`sldml.evaluation.zeroshot.unseen_split` from the class texts' embeddings, or a
   shipped fixed split);
2. an ST-GCN trained with cross-entropy on the seen classes' samples of the training subjects (Lightning);
   its pooled features (``visual.widths[-1]``-d) of every sample;
3. per text-embedding kind (``learned``, ``random``) and head (DeViSE, Relation Network): the head trained on
   the seen training features against the seen classes' text embeddings (``train_classes: seen``, inductive
   zero-shot) or against every class's (``all``: the unseen classes' names, never their samples, are known in
   training);
4. scores of the test samples (seen classes of the other subjects, every unseen sample) over all classes:
   ZSL and GZSL metrics.

Plain torch loops train the two heads: they are small models over fixed features (a Lightning loop would add
nothing but start-up time); the ST-GCN, a real network over sequences, trains with Lightning.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import numpy.typing as npt
import torch
from safetensors.torch import save_file
from torch import Tensor, nn
from torch.utils.data import DataLoader

from sldml.classnames import ClassList, ntu60, ntu120, utd_mhad
from sldml.datasets import SignalImageDataset
from sldml.errors import ConfigError
from sldml.evaluation.zeroshot import SPLIT_RULES, fixed_split, unseen_split, zero_shot_scores
from sldml.models.stgcn import STGCN
from sldml.models.zeroshot import DeViSE, RelationNet, devise_rank_loss, relation_mse
from sldml.sequence import Sequence
from sldml.text import class_texts, embed_texts
from sldml.zeroshot_config import ZeroShotConfig

HEADS = ("devise", "relation")


def class_list(name: str) -> ClassList:
    """The class list called ``utd_mhad``, ``ntu60`` or ``ntu120``.

    Raises:
        ConfigError: On another name.
    """
    lists = {"utd_mhad": utd_mhad, "ntu60": ntu60, "ntu120": ntu120}
    if name not in lists:
        raise ConfigError(f"classes={name!r}; valid: {', '.join(lists)}")
    return lists[name]()


def present_classes(config: ZeroShotConfig, sequences: list[Sequence]) -> ClassList:
    """The configured class list, restricted to the classes that have samples (in the list's order).

    Raises:
        ConfigError: If a sample's class id is not in the list (naming its file).
    """
    classes = class_list(config.classes)
    for seq in sequences:
        if seq.class_id not in classes.ids:
            raise ConfigError(f"{seq.source}: class id {seq.class_id} is not one of {classes.dataset}'s classes")
    present = {s.class_id for s in sequences}
    keep = [i for i, c in enumerate(classes.ids) if c in present]
    return ClassList(
        classes.dataset,
        tuple(classes.ids[i] for i in keep),
        tuple(classes.names[i] for i in keep),
        tuple(classes.descriptions[i] for i in keep),
    )


def choose_unseen(config: ZeroShotConfig, classes: ClassList, split: str, seed: int) -> list[int]:
    """The unseen class ids of a split (a rule over the learned class-text embeddings, or a fixed split)."""
    if split not in SPLIT_RULES:
        named, ids = fixed_split(split)
        if named != config.classes:
            raise ConfigError(f"split {split} is for classes {named}, not {config.classes}")
        return ids
    learned = embed_texts(class_texts(classes, config.texts, config.descriptions), "learned")
    return [classes.ids[i] for i in unseen_split(learned, config.unseen, split, seed)]


class _Classifier(L.LightningModule):
    def __init__(self, backbone: STGCN, classes: int, lr: float) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(backbone.num_features, classes)
        self.lr = lr

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        images, targets = batch
        loss = nn.functional.cross_entropy(self.head(self.backbone(images)), targets)
        self.log("loss", loss, on_step=False, on_epoch=True, batch_size=len(targets))
        return loss

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def train_visual(
    config: ZeroShotConfig, sequences: list[Sequence], targets: list[int], classes: int, layout: str
) -> STGCN:
    """An ST-GCN trained with cross-entropy over ``classes`` seen classes."""
    from sldml.layouts import get_layout

    backbone = STGCN(get_layout(layout), config.visual.strategy, [(w[0], w[1]) for w in config.visual.widths])
    data = SignalImageDataset(sequences, config.preprocess, targets, config.augment)
    batch = config.visual.batch_size
    loader = DataLoader(data, batch_size=batch, shuffle=True, drop_last=len(data) > batch)
    trainer = L.Trainer(
        max_epochs=config.visual.epochs,
        accelerator="auto",
        devices=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(_Classifier(backbone, classes, config.visual.lr), loader)
    return backbone.cpu().eval()


def visual_features(backbone: STGCN, sequences: list[Sequence], config: ZeroShotConfig) -> npt.NDArray[np.float32]:
    """(N, features) pooled ST-GCN features, in evaluation mode."""
    data = SignalImageDataset(sequences, config.preprocess, [0] * len(sequences), None)
    out = []
    with torch.no_grad():
        for start in range(0, len(data), 64):
            images = torch.stack([data[i][0] for i in range(start, min(start + 64, len(data)))])
            out.append(backbone(images).numpy())
    return np.concatenate(out).astype(np.float32)


def train_devise(features: Tensor, labels: Tensor, text: Tensor, config: ZeroShotConfig, seed: int) -> DeViSE:
    """DeViSE trained with the hinge rank loss against every class's text embedding (SGD with momentum)."""
    torch.manual_seed(seed)
    head = DeViSE(features.shape[1], text.shape[1])
    optimiser = torch.optim.SGD(head.parameters(), lr=config.devise.lr, momentum=config.devise.momentum)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(config.devise.epochs):
        for batch in torch.split(torch.randperm(len(features), generator=generator), config.devise.batch_size):
            loss = devise_rank_loss(head(features[batch], text), labels[batch], config.devise.margin)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
    return head.eval()


def train_relation(features: Tensor, labels: Tensor, text: Tensor, config: ZeroShotConfig, seed: int) -> RelationNet:
    """The Relation Network trained episodically: each episode, sampled features against every class (MSE)."""
    torch.manual_seed(seed)
    head = RelationNet(features.shape[1], text.shape[1], config.relation.hidden)
    optimiser = torch.optim.Adam(head.parameters(), lr=config.relation.lr)
    per_epoch = max(1, len(features) // config.relation.batch_size)
    episodes = config.relation.epochs * per_epoch
    schedule = torch.optim.lr_scheduler.StepLR(optimiser, step_size=max(1, episodes // 2), gamma=config.relation.gamma)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(episodes):
        batch = torch.randint(len(features), (config.relation.batch_size,), generator=generator)
        loss = relation_mse(head(features[batch], text), labels[batch], config.relation.balance)
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        schedule.step()
    return head.eval()


def run_zeroshot(
    config: ZeroShotConfig, sequences: list[Sequence], split: str, seed: int, folder: Path
) -> dict[str, Any]:
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
        text = torch.from_numpy(embed_texts(texts, kind, seed=seed))  # type: ignore[arg-type]
        for head_name, trainer in (("devise", train_devise), ("relation", train_relation)):
            head = trainer(train_x, head_y, text[train_columns], config, seed)
            with torch.no_grad():
                matrix = head(test_x, text).numpy()
            scores[head_name][kind] = zero_shot_scores(matrix, test_y, unseen_columns)
            if kind == "learned":  # the heads a user ranks new class names with (`sldml zeroshot`)
                folder.mkdir(parents=True, exist_ok=True)
                save_file(dict(head.state_dict()), str(folder / f"{head_name}.safetensors"))
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in backbone.state_dict().items()}, str(folder / "stgcn.safetensors"))
    results = {
        "split": split,
        "seed": seed,
        "unseen": unseen_ids,
        "unseen_names": [classes.name(c) for c in unseen_ids],
        "layout": layouts[0],
        "visual_dim": int(train_x.shape[1]),
        "text_dim": int(text.shape[1]),
        "train_samples": len(train),
        "test_samples": len(test),
        "scores": scores,
        "wall_time_s": time.perf_counter() - start,
        "config": asdict(config),
    }
    (folder / "results.json").write_text(json.dumps(results, indent=2))
    return results


def run_zeroshot_experiment(
    config: ZeroShotConfig, sequences: list[Sequence], root: Path, progress: Any = print
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
    results: dict[str, list[dict[str, Any]]] = {
        split: [json.loads(p.read_text()) for p in sorted((root / split).glob("seed*/results.json"))]
        for split in config.splits
    }
    names = {"devise": "DeViSE", "relation": "Relation Net"}
    header = "| model | embedding | " + " | ".join(f"{s} ({len(results[s])} seeds)" for s in config.splits) + " |"
    rule = "| --- | --- | " + " | ".join("---" for _ in config.splits) + " |"
    title = "## ZSL top-1 % (unseen samples among unseen classes; Table 1)"
    lines = [f"# {config.name}: zero-shot", "", title, "", header, rule]

    def metric(split: str, head: str, kind: str, key: str) -> list[float]:
        return [r["scores"][head][kind][key] for r in results[split] if kind in r["scores"][head]]

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
    unseen = {s: sorted({", ".join(r["unseen_names"]) for r in results[s]}) for s in config.splits}
    lines += ["", "Unseen classes: " + "; ".join(f"{s}: {' / '.join(u)}" for s, u in unseen.items() if u)]
    hours = sum(r["wall_time_s"] for rs in results.values() for r in rs) / 3600
    lines += ["", f"Time of the finished runs (in sequence): {hours:.2f} h."]
    root.mkdir(parents=True, exist_ok=True)
    (root / "table.md").write_text("\n".join(lines) + "\n")
    return root / "table.md"


def run_zeroshot_file(
    source: str, output: Path, overrides: list[str] | None = None, table_only: bool = False, progress: Any = print
) -> Path:
    """Run a zero-shot experiment file (``kind: zeroshot``; keys name, config, overrides) into ``output/<name>``.

    Raises:
        ConfigError: On unknown keys or a bad config value.
    """
    from sldml.resources import read_yaml_mapping
    from sldml.sources import load_data
    from sldml.zeroshot_config import load_zeroshot_config

    tree = read_yaml_mapping(source, "experiments", "experiment")
    unknown = sorted(set(tree) - {"name", "kind", "title", "config", "overrides"})
    if unknown:
        raise ConfigError(f"experiment {source}: unknown key(s) {', '.join(unknown)}")
    name = str(tree.get("name", Path(source).stem))
    extra = [*(tree.get("overrides") or []), *(overrides or [])]
    config = load_zeroshot_config(str(tree.get("config", "zeroshot-utd")), extra)
    root = output / name
    if table_only:
        return write_zeroshot_tables(root, config)
    sequences, skipped = load_data(config.data)
    for line in skipped:
        progress(f"skipped: {line}")
    return run_zeroshot_experiment(config, sequences, root, progress)
