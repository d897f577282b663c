"""Issue 20: the whole pipeline at NTU RGB+D 120's size, on the stand-in (``sldml synth --format ntu``).

Writes N stand-in ``.skeleton`` files (default 114,480) into FOLDER, then measures, each phase in a process of its
own (so that each peak memory is that phase's own):

1. ``synth``: writing the files (files/s, GB).
2. ``parse``: per-file parse time of the NTU reader, fast path and careful path, on the 5 real sample files (when
   ``../shared/datasets/NTU-RGBD-samples`` exists) and on 300 stand-in files.
3. ``build``: cold parse + cache build (``sldml cache build``: worker processes over the files). "Cold": the
   dataset's files are dropped from the page cache first (``os.sync`` + ``posix_fadvise(DONTNEED)`` per file, no
   root needed), so they are read from disk.
4. ``reload``: loading the folder through its fresh cache (listing and key, CRC-32 of the values, metadata,
   Sequence objects): warm, and cold (the cache's files dropped from the page cache first).
5. ``train-default`` / ``train-aligned``: ``--steps`` training steps (default 500) of the ``default`` and ``aligned``
   configs on the ``ntu120-oneshot`` protocol's auxiliary classes, read from the cache and streamed through
   ``--workers`` DataLoader workers; the epoch time is extrapolated from the steps (after 10 warm-up steps).
6. ``eval-default`` / ``eval-aligned``: the ``ntu120-oneshot`` one-shot evaluation (20 references x every
   novel-class sample) of an untrained network of each config (the time does not depend on the weights): the
   model's part (embedding every sample, distances, scores; ``aligned``: exact DTW over frame embeddings) and each
   configured baseline, timed apart.
7. ``recognize-default`` / ``recognize-aligned``: ``Recognizer.recognize`` latency of one stand-in query against a
   ``--gallery`` entry gallery (default 100,000: 500 real embeddings, each repeated with a little noise under 100
   labels), median of repeated calls; ``aligned`` searches with its shortlist (coarse sequences, then exact DTW).

Peak memory: a thread samples every 0.2 s the resident memory of the phase's process and all its descendants
(DataLoader and cache-building workers), summed: ``peak RSS`` (everything resident, including the cache's
memory-mapped pages, which are shared page cache the kernel can drop) and ``peak anonymous RSS`` (the processes' own
memory). Summing over processes counts pages they share more than once (every DataLoader worker maps the same
cache), so both are upper bounds; ``peak PSS`` (proportional set size, ``/proc/PID/smaps_rollup``: a page shared by
k processes counts 1/k in each) counts every page once and is the figure the memory target is checked against.

Records benchmarks/results/<name>.md and .json (default name ``ntu_scale``) with the date, the machine (CPU model,
cores), the commit, N, every figure, and each target met or missed by how much. Figures for N other than 114,480
are also extrapolated to 114,480 files (linearly in the files, the 95,400 auxiliary samples or the 19,060 queries
they depend on), marked as such.
FOLDER and the cache (FOLDER-cache beside it, unless --cache-dir) are deleted at the end unless --keep.

Run: .venv/bin/python benchmarks/bench_ntu_scale.py /big/disk/ntu-standin [--files 114480] [--steps 500] [--resume]
     [--workers 2] [--gallery 100000] [--phases synth,parse,...] [--name ntu_scale] [--keep]
A small check of the script: --files 1500 --steps 30 --name ntu_scale_small_check.
``--keep`` keeps the stand-in and its cache; ``--resume`` then keeps the phases ``<name>.json`` holds for the same
``--files`` and runs the others, and the phases named in ``--phases`` again (e.g. ``--phases train-default``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from record import RESULTS, commit, machine

FULL = 114_480
FULL_AUXILIARY = 100 * 954  # ntu120-oneshot at full size: 954 samples of each of 100 auxiliary actions
FULL_QUERIES = 20 * 954 - 20  # every sample of the 20 novel actions but their references
PHASES = [
    "synth",
    "parse",
    "build",
    "reload",
    "train-default",
    "train-aligned",
    "eval-default",
    "eval-aligned",
    "recognize-default",
    "recognize-aligned",
]
TARGETS = {  # measure -> (limit, unit)
    "build_s": (600.0, "s"),
    "reload_s": (30.0, "s"),
    "peak_rss_gb": (8.0, "GB"),
    "eval_aligned_s": (300.0, "s"),
    "recognize_aligned_ms": (100.0, "ms"),
    "recognize_default_ms": (20.0, "ms"),
}
NTU_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "NTU-RGBD-samples"


# ----------------------------------------------------------------------------------------------- memory, timing


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["Pss"] = int(line.split()[1]) * 1024
    except OSError:
        pass
    return out


def _descendants(pid: int) -> list[int]:
    found = [pid]
    for current in found:
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                found += [int(c) for c in children if int(c) not in found]
        except OSError:
            continue
    return found


class PeakMemory:
    """The peak resident memory of this process and its descendants, sampled every 0.2 s in a thread."""

    def __init__(self) -> None:
        self.total = 0
        self.anon = 0
        self.pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        statuses = [_status(p) for p in _descendants(os.getpid())]
        self.total = max(self.total, sum(s.get("VmRSS", 0) for s in statuses))
        self.anon = max(self.anon, sum(s.get("RssAnon", 0) for s in statuses))
        self.pss = max(self.pss, sum(s.get("Pss", 0) for s in statuses))

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def figures(self) -> dict[str, float]:
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return {
            "peak_rss_gb": round(max(self.total, own) / 1e9, 3),
            "peak_anon_rss_gb": round(self.anon / 1e9, 3),
            "peak_pss_gb": round(self.pss / 1e9, 3),
            "ru_maxrss_gb": round(own / 1e9, 3),
        }


def _drop_from_page_cache(paths: list[Path]) -> bool:
    """Ask the kernel to forget the files' cached pages (flushed first), so the next read comes from disk."""
    if not hasattr(os, "posix_fadvise"):
        return False
    os.sync()
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return True


def _quiet() -> None:
    import logging
    import warnings

    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def _notes(text: str) -> None:
    print(f"note: {text}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------- phases (children)


def phase_synth(args: dict[str, Any]) -> dict[str, Any]:
    from sldml.datasets.ntu_standin import write_ntu_standin

    summary = write_ntu_standin(args["folder"], args["files"], seed=args["seed"])
    return {
        "files": summary.files,
        "gb": round(summary.bytes / 1e9, 3),
        "two_body_files": summary.two_body_files,
        "mean_frames": summary.mean_frames,
        "min_frames": summary.min_frames,
        "max_frames": summary.max_frames,
        "seconds": summary.seconds,
        "files_per_s": round(summary.files / summary.seconds, 1),
        "workers": summary.workers,
    }


def _per_file_ms(paths: list[Path], fast: bool) -> float:
    from sldml.io import ntu
    from sldml.io.registry import read

    original = ntu._fast_tracks
    if not fast:
        ntu._fast_tracks = lambda text: None  # type: ignore[assignment]
    try:
        for path in paths[:3]:
            read(path)  # warm-up
        start = time.perf_counter()
        for path in paths:
            read(path)
        return round(1000 * (time.perf_counter() - start) / len(paths), 3)
    finally:
        ntu._fast_tracks = original  # type: ignore[assignment]


def phase_parse(args: dict[str, Any]) -> dict[str, Any]:
    standin = sorted(Path(args["folder"]).glob("*.skeleton"))[:: max(1, args["files"] // 300)][:300]
    out: dict[str, Any] = {
        "standin_files": len(standin),
        "standin_fast_ms": _per_file_ms(standin, True),
        "standin_careful_ms": _per_file_ms(standin, False),
    }
    samples = sorted(NTU_SAMPLES.glob("*.skeleton"))
    if samples:
        repeated = samples * 20
        out.update(
            real_files=len(samples),
            real_fast_ms=_per_file_ms(repeated, True),
            real_careful_ms=_per_file_ms(repeated, False),
        )
    return out


def phase_build(args: dict[str, Any]) -> dict[str, Any]:
    from sldml.io.cache import build_cache

    files = sorted(Path(args["folder"]).iterdir())
    cold = _drop_from_page_cache(files)
    start = time.perf_counter()
    status = build_cache(args["folder"], args["cache"], workers=0, force=True, progress=False, notes=_notes)
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in Path(status.path).iterdir())
    return {
        "seconds": round(seconds, 2),
        "files_per_s": round(len(files) / seconds, 1),
        "page_cache_dropped": cold,
        "workers": status.header["workers"],
        "sequences": status.header["sequences"],
        "cache_gb": round(size / 1e9, 3),
        "cache_path": status.path,
    }


def phase_reload(args: dict[str, Any]) -> dict[str, Any]:
    from sldml.io.cache import cache_path, load_cached

    out: dict[str, Any] = {}
    for kind in ("warm", "cold"):
        if kind == "cold":
            out["page_cache_dropped"] = _drop_from_page_cache(list(cache_path(args["folder"], args["cache"]).iterdir()))
        start = time.perf_counter()
        report = load_cached(args["folder"], args["cache"], notes=_notes)
        out[f"{kind}_seconds"] = round(time.perf_counter() - start, 2)
        out["sequences"] = len(report.sequences)
        del report
    return out


def _config(name: str, args: dict[str, Any], extra: tuple[str, ...] = ()) -> Any:
    from sldml.config import load_config

    return load_config(
        name,
        [
            "data.dataset=ntu",
            f"data.path={args['folder']}",
            f"data.cache={args['cache']}",
            "protocol=ntu120-oneshot",
            f"train.num_workers={args['workers']}",
            "train.progress=false",
            "train.accelerator=cpu",
            f"output_dir={args['scratch']}",
            *extra,
        ],
    )


def _split(config: Any) -> tuple[Any, list[str], dict[str, Any], float]:
    from sldml.datasets import load_data, one_shot_split
    from sldml.protocols import load_protocol
    from sldml.runs import input_spec
    from sldml.sequence import class_label

    start = time.perf_counter()
    sequences, _ = load_data(config.data, config.output_dir)
    protocol = load_protocol(config.protocol)
    protocol = protocol.resolve(s.class_id for s in sequences if s.class_id is not None)
    split = one_shot_split(config, protocol, sequences)
    classes = sorted({class_label(s) for s in split.auxiliary})
    spec = input_spec(split.auxiliary, config)
    return split, classes, spec, time.perf_counter() - start


def phase_train(args: dict[str, Any]) -> dict[str, Any]:
    import lightning as L
    import torch

    from sldml.training.fit import fit, loader

    _quiet()
    config = _config(args["config"], args, ("train.epochs=1",))
    split, classes, spec, setup = _split(config)
    batches = loader(split, classes, config)
    steps_per_epoch = len(batches)
    items = batches.dataset
    begin = time.perf_counter()
    count = min(300, len(items))  # what one DataLoader worker does per sample: preprocess, augment, image
    for i in range(count):
        items[i]
    item_ms = 1000 * (time.perf_counter() - begin) / count
    times: list[float] = []

    class Stop(L.Callback):
        def on_train_batch_end(self, trainer: L.Trainer, *rest: Any) -> None:
            times.append(time.perf_counter())
            if len(times) >= args["steps"]:
                trainer.should_stop = True

    run_dir = Path(tempfile.mkdtemp(dir=args["scratch"]))
    start = time.perf_counter()
    fit(config, split, classes, run_dir, tuple(spec["image_shape"]), spec["layout"], [Stop()])
    warm = min(10, len(times) // 2)
    per_step = (times[-1] - times[warm - 1]) / (len(times) - warm) if len(times) > warm else float("nan")
    return {
        "config": args["config"],
        "auxiliary_samples": len(split.auxiliary),
        "auxiliary_classes": len(classes),
        "batch_size": config.train.batch_size,
        "steps": len(times),
        "steps_per_epoch": steps_per_epoch,
        "setup_seconds": round(setup, 2),
        "first_step_seconds": round(times[0] - start, 2) if times else None,
        "seconds_per_step": round(per_step, 4),
        "item_ms": round(item_ms, 3),
        "epoch_seconds": round(per_step * steps_per_epoch, 1),
        "workers": config.train.num_workers,
        "torch_threads": torch.get_num_threads(),
    }


def phase_eval(args: dict[str, Any]) -> dict[str, Any]:
    from sldml.evaluation.baselines import run_baseline
    from sldml.evaluation.oneshot import score_distances
    from sldml.evaluation.scoring import frame_norm
    from sldml.models import build_net
    from sldml.runs import embed, embedding_distances
    from sldml.sequence import class_label

    config = _config(args["config"], args)
    split, classes, spec, setup = _split(config)
    net = build_net(config, len(classes), False, tuple(spec["image_shape"]), spec["layout"]).eval()
    start = time.perf_counter()
    references, queries = embed(net, split.references, config), embed(net, split.queries, config)
    embedded = time.perf_counter() - start
    distances = embedding_distances(net, references, queries)
    scores = score_distances(
        distances, [class_label(s) for s in split.references], [class_label(s) for s in split.queries]
    )
    model_seconds = time.perf_counter() - start
    baselines = {}
    for name in config.evaluate.baselines:
        begin = time.perf_counter()
        result = run_baseline(name, split, config.preprocess, frame_norm(config))
        baselines[name] = {"seconds": round(time.perf_counter() - begin, 1), "top1": round(result.top1, 4)}
    return {
        "config": args["config"],
        "references": len(split.references),
        "queries": len(split.queries),
        "setup_seconds": round(setup, 2),
        "embed_seconds": round(embedded, 1),
        "model_seconds": round(model_seconds, 1),
        "model_top1_untrained": round(scores.top1, 4),
        "metric": "exact DTW over frame embeddings" if net.frame_dim is not None else "Euclidean",
        "baselines": baselines,
        "total_seconds": round(model_seconds + sum(b["seconds"] for b in baselines.values()), 1),
    }


def phase_recognize(args: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    from sldml.inference import Recognizer
    from sldml.models import build_net
    from sldml.protocols import load_protocol
    from sldml.runs import write_run
    from sldml.runs.folder import mark_finished

    _quiet()
    config = _config(args["config"], args)
    split, classes, spec, _ = _split(config)
    net = build_net(config, len(classes), False, tuple(spec["image_shape"]), spec["layout"]).eval()
    run_dir = Path(tempfile.mkdtemp(dir=args["scratch"]))
    write_run(run_dir, config, load_protocol(config.protocol), classes, spec, net)
    mark_finished(run_dir)
    rec = Recognizer.load(run_dir)
    samples = split.auxiliary[:: max(1, len(split.auxiliary) // 500)][:500]
    start = time.perf_counter()
    vectors = rec.embed(samples)
    rng = np.random.default_rng(0)
    per_label = max(1, args["gallery"] // 100)
    for label in range(100):
        block = vectors[rng.integers(0, len(vectors), per_label)]
        rec.gallery.add(f"label{label:03d}", block + rng.normal(0, 0.01, block.shape).astype(np.float32))
    built = time.perf_counter() - start
    query = split.queries[0]
    aligned = rec.run.net.frame_dim is not None
    calls = 20 if aligned else 100

    def timed(call: Callable[[], object]) -> list[float]:
        for _ in range(3):
            call()
        times = []
        for _ in range(calls):
            begin = time.perf_counter()
            call()
            times.append(time.perf_counter() - begin)
        return times

    times = timed(lambda: rec.recognize(query))
    embedding = rec.embed(rec.prepare([query]))
    search = timed(lambda: rec.recognize_embeddings(embedding))
    extra = {}
    if aligned:  # a shorter shortlist, for the record (shortlist_recall.md: 100 keeps 99.4 % of exact nearest)
        default_shortlist = rec.shortlist
        rec.shortlist = 100
        extra["median_ms_shortlist_100"] = round(1000 * statistics.median(timed(lambda: rec.recognize(query))), 1)
        rec.shortlist = default_shortlist
    # One thread (torch and faiss): on a CPU shared with other jobs, threads that wait for each other dominate the
    # latency of a single query; this shows the work itself.
    import faiss
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    extra["median_ms_one_thread"] = round(1000 * statistics.median(timed(lambda: rec.recognize(query))), 1)
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    return {
        "config": args["config"],
        "gallery": len(rec.gallery),
        "embedding_values": int(rec.gallery.vectors.shape[1]),
        "gallery_gb": round(rec.gallery.vectors.nbytes / 1e9, 3),
        "gallery_build_seconds": round(built, 1),
        "calls": calls,
        "median_ms": round(1000 * statistics.median(times), 1),
        "p90_ms": round(1000 * sorted(times)[int(0.9 * (len(times) - 1))], 1),
        "search_median_ms": round(1000 * statistics.median(search), 1),
        **extra,
        "search": "shortlist of " + f"{rec.shortlist} by coarse sequences, then exact DTW"
        if rec.run.net.frame_dim is not None
        else "Euclidean top-k (faiss above its minimum size)",
    }


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "synth": phase_synth,
    "parse": phase_parse,
    "build": phase_build,
    "reload": phase_reload,
    "train": phase_train,
    "eval": phase_eval,
    "recognize": phase_recognize,
}


def child(kind: str, arguments: str, output: str) -> None:
    args = json.loads(arguments)
    with PeakMemory() as memory:
        figures = CHILDREN[kind](args)
    figures.update(memory.figures())
    Path(output).write_text(json.dumps(figures))


# ----------------------------------------------------------------------------------------------- parent


def run_phase(name: str, args: dict[str, Any]) -> dict[str, Any]:
    kind, _, config = name.partition("-")
    out = Path(args["scratch"]) / f"{name}.json"
    start = time.perf_counter()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[1] / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps({**args, "config": config}), str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"phase {name} failed (exit {done.returncode}):\n{tail}")
    figures = json.loads(out.read_text())
    figures["phase_wall_seconds"] = round(wall, 1)
    print(f"{name}: {json.dumps(figures)}", flush=True)
    return figures


def _met(value: float | None, key: str) -> tuple[str, str]:
    limit, unit = TARGETS[key]
    target = f"<= {limit:g} {unit}"
    if value is None:
        return target, "not measured"
    if value <= limit:
        return target, f"met ({100 * (1 - value / limit):.0f} % under)"
    return target, f"MISSED by {value - limit:.3g} {unit} ({100 * (value / limit - 1):.0f} % over)"


def rows_of(results: dict[str, Any], n: int) -> list[dict[str, Any]]:
    scale = FULL / n
    rows: list[dict[str, Any]] = []

    def row(measure: str, value: str, key: str | None = None, number: float | None = None, note: str = "") -> None:
        target, met = _met(number, key) if key else ("", "")
        rows.append({"measure": measure, "value": value, "target": target, "met": met, "note": note})

    def memory(measure: str, phase: dict[str, Any], who: str) -> None:
        """The memory target is checked on the PSS (shared pages once) where recorded, else on summed RSS."""
        rss = f"RSS summed over processes {phase['peak_rss_gb']} GB (a shared page once per process)"
        anon = f"anonymous {phase['peak_anon_rss_gb']} GB ({who})"
        if "peak_pss_gb" in phase:
            row(
                f"peak memory (PSS), {measure}",
                f"{phase['peak_pss_gb']} GB",
                "peak_rss_gb",
                phase["peak_pss_gb"],
                f"{rss}; {anon}",
            )
        else:
            row(f"peak RSS, {measure}", f"{phase['peak_rss_gb']} GB", "peak_rss_gb", phase["peak_rss_gb"], anon)

    extrapolated = n != FULL
    if "synth" in results:
        s = results["synth"]
        row(
            "stand-in files written",
            f"{s['files']:,} ({s['gb']} GB)",
            note=f"{s['two_body_files']:,} with two bodies, "
            f"{s['mean_frames']} frames on average ({s['min_frames']}-{s['max_frames']})",
        )
        row(
            "stand-in writing speed",
            f"{s['files_per_s']} files/s",
            note=f"{s['seconds']} s, {s['workers']} processes"
            + (f"; about {FULL / s['files_per_s'] / 60:.0f} min for {FULL:,}" if extrapolated else ""),
        )
    if "parse" in results:
        p = results["parse"]
        row(
            "NTU parse per stand-in file, fast path",
            f"{p['standin_fast_ms']} ms",
            note=f"careful path {p['standin_careful_ms']} ms; one process",
        )
        if "real_fast_ms" in p:
            row(
                "NTU parse per real sample file, fast path",
                f"{p['real_fast_ms']} ms",
                note=f"careful path {p['real_careful_ms']} ms ({p['real_files']} files of NTU-RGBD-samples)",
            )
    if "build" in results:
        b = results["build"]
        full = b["seconds"] * scale
        row(
            "cold parse + cache build" + (f", extrapolated to {FULL:,} files" if extrapolated else ""),
            f"{full:.0f} s",
            "build_s",
            full,
            f"measured {b['seconds']} s for {n:,} files ({b['files_per_s']} files/s, {b['workers']} processes); "
            f"page cache dropped first: {b['page_cache_dropped']}; cache {b['cache_gb']} GB",
        )
        memory("cache build", b, "parent and workers")
    if "reload" in results:
        r = results["reload"]
        for kind in ("warm", "cold"):
            full = r[f"{kind}_seconds"] * scale
            row(
                f"cache reload, {kind}" + (f", extrapolated to {FULL:,} files" if extrapolated else ""),
                f"{full:.1f} s",
                "reload_s",
                full,
                f"measured {r[f'{kind}_seconds']} s for {r['sequences']:,} sequences",
            )
        row("peak RSS, cache reload", f"{r['peak_rss_gb']} GB", note=f"anonymous {r['peak_anon_rss_gb']} GB")
    for config in ("default", "aligned"):
        t = results.get(f"train-{config}")
        if t:
            full_steps = FULL_AUXILIARY // t["batch_size"] if extrapolated else t["steps_per_epoch"]
            row(
                f"training epoch, {config}" + (f", extrapolated to {FULL:,} files" if extrapolated else ""),
                f"{t['seconds_per_step'] * full_steps / 60:.1f} min",
                note=f"{t['seconds_per_step']} s/step over {t['steps']} steps, {full_steps:.0f} steps of "
                f"{t['batch_size']} ({t['auxiliary_samples']:,} auxiliary samples measured), "
                f"{t['workers']} DataLoader workers, {t['torch_threads']} torch threads; building one sample's image "
                f"takes {t['item_ms']} ms",
            )
            memory(f"training {config}", t, "trainer and workers")
    for config in ("default", "aligned"):
        e = results.get(f"eval-{config}")
        if e:
            factor = FULL_QUERIES / e["queries"] if extrapolated else 1
            model = e["model_seconds"] * factor
            key = "eval_aligned_s" if config == "aligned" else None
            baselines = ", ".join(f"{k} {v['seconds'] * factor:.0f} s" for k, v in e["baselines"].items())
            row(
                f"ntu120-oneshot evaluation, {config} model ({e['metric']})"
                + (", extrapolated" if extrapolated else ""),
                f"{model:.0f} s",
                key,
                model if key else None,
                f"{e['references']} references x {e['queries']:,} queries measured; embedding {e['embed_seconds']} s; "
                f"baselines: {baselines or 'none'}",
            )
            memory(f"evaluation {config}", e, "the evaluating process")
    for config in ("default", "aligned"):
        r = results.get(f"recognize-{config}")
        if r:
            row(
                f"recognize, {r['gallery']:,}-entry gallery, {config}",
                f"{r['median_ms']} ms",
                f"recognize_{config}_ms",
                r["median_ms"],
                f"median of {r['calls']} (p90 {r['p90_ms']} ms), of which the search {r['search_median_ms']} ms; "
                f"{r['search']}"
                + (f" (shortlist 100: {r['median_ms_shortlist_100']} ms)" if "median_ms_shortlist_100" in r else "")
                + f"; one thread: {r['median_ms_one_thread']} ms"
                + f"; gallery {r['gallery_gb']} GB",
            )
    return rows


def write_results(name: str, results: dict[str, Any], args: dict[str, Any], started: dict[str, Any]) -> None:
    rows = rows_of(results, args["files"])
    meta = {
        **started,
        "n_files": args["files"],
        "steps": args["steps"],
        "workers": args["workers"],
        "gallery": args["gallery"],
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps({**meta, "phases": results, "rows": rows}, indent=2) + "\n")
    columns = ["measure", "value", "target", "met", "note"]
    small = args["files"] != FULL
    lines = [
        "# NTU RGB+D 120 at full size (stand-in): cache, streaming training, evaluation, recognition"
        + (f" — SMALL-SCALE CHECK at {args['files']:,} files" if small else ""),
        "",
        f"Date {meta['date']}, commit {meta['commit']}, {meta['machine']['cpu']} ({meta['machine']['cores']} cores), "
        f"Python {meta['machine']['python']}; 1-minute load average {meta['load_average']} at the start, "
        f"{meta['load_average_end']} at the end (above the core count, other jobs shared the CPU: times pessimistic).",
        f"{args['files']:,} stand-in files (`sldml synth --format ntu`), {args['steps']} training steps per config, "
        f"{args['workers']} DataLoader workers, a {args['gallery']:,}-entry gallery.",
        "",
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
        *("| " + " | ".join(str(r[c]) for c in columns) + " |" for r in rows),
        "",
        "Memory is sampled every 0.2 s over the phase's process and its descendants (DataLoader and cache workers). "
        "RSS summed over them counts the cache's memory-mapped pages (shared page cache the kernel can drop) once per "
        "process that touched them; PSS counts every page once (the figure checked against the target); the "
        "anonymous figure is the processes' own memory. Evaluation and recognition use untrained networks (the time "
        "does not depend on "
        "the weights)."
        + (f" Figures marked extrapolated scale the measurement linearly to {FULL:,} files." if small else ""),
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the stand-in is written (new or empty; deleted at the end)")
    parser.add_argument("--files", type=int, default=FULL)
    parser.add_argument("--cache-dir", type=Path, default=None, help="cache root (default: FOLDER-cache beside it)")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (train.num_workers)")
    parser.add_argument("--gallery", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument("--name", default="ntu_scale")
    parser.add_argument("--keep", action="store_true", help="keep the stand-in and its cache")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the phases already recorded in <name>.json for the same --files and run only the others",
    )
    options = parser.parse_args()
    phases = options.phases.split(",")
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        parser.error(f"unknown phase(s) {', '.join(unknown)}; valid: {', '.join(PHASES)}")
    folder = options.folder.resolve()
    cache = (options.cache_dir or folder.with_name(folder.name + "-cache")).resolve()
    scratch = Path(tempfile.mkdtemp(prefix="bench-ntu-scale-"))
    args = {
        "folder": str(folder),
        "cache": str(cache),
        "scratch": str(scratch),
        "files": options.files,
        "steps": options.steps,
        "workers": options.workers,
        "gallery": options.gallery,
        "seed": options.seed,
    }
    started = {
        "date": datetime.datetime.now().isoformat(timespec="minutes"),
        "machine": machine(),
        "commit": commit(),
        "load_average": round(os.getloadavg()[0], 2),
    }
    results: dict[str, Any] = {}
    earlier = RESULTS / f"{options.name}.json"
    if options.resume and earlier.exists():
        recorded = json.loads(earlier.read_text())
        if recorded.get("n_files") == options.files:
            explicit = set(phases) if options.phases != ",".join(PHASES) else set()  # asked for: measured again
            results = {k: v for k, v in recorded.get("phases", {}).items() if k in PHASES and k not in explicit}
            print(f"kept from {earlier}: {', '.join(results) or 'nothing'}", flush=True)
    try:
        for name in phases:
            if name in results:
                continue
            results[name] = run_phase(name, args)
    finally:
        started["load_average_end"] = round(os.getloadavg()[0], 2)
        if results:
            write_results(options.name, results, args, started)
        shutil.rmtree(scratch, ignore_errors=True)
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
