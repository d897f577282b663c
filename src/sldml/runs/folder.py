"""A run folder: the files a trained run consists of, written and read back here (torch, no Lightning).

::

    runs/<name>-<date>-<time>/
      config.yaml          the resolved config
      protocol.yaml        the protocol that was used
      classes.json         auxiliary classes, in classifier order
      input.json           what the model reads: layout, modality, rate, image shape (:func:`sldml.runs.input_spec`)
      calibration.json     the open-set rejection threshold (:mod:`sldml.evaluation.openset`)
      checkpoints/         Lightning checkpoints: best.ckpt (lowest training loss); last.ckpt with train.save_last
      model.safetensors    the final weights (no pickle)
      metrics.csv          per-epoch losses (Lightning's CSV logger)
      results.json         the model's and the baselines' one-shot scores (:class:`sldml.records.OneShotResults`)
      embeddings.npz       reference and query embeddings with labels and source files
      finished.json        written last: the run is finished; sha256 of the files a loaded run depends on

Every file is written atomically. A folder without ``finished.json`` is an unfinished run (interrupted, or it
failed): :func:`load_run` refuses it, saying so, and experiments train that cell again. Runs of sldml versions
before ``finished.json`` existed count as finished when their ``results.json`` (then the last file written) is
valid JSON. A damaged file of a run is named in the error.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from sldml.config import Config, config_from_dict
from sldml.errors import ConfigError, DataError
from sldml.models import EmbeddingNet, build_net
from sldml.models.resnet import load_state_dict_file
from sldml.protocols import Protocol, protocol_from_dict, protocol_to_dict
from sldml.resources import write_bytes_atomic, write_text_atomic

CONFIG = "config.yaml"
PROTOCOL = "protocol.yaml"
CLASSES = "classes.json"
INPUT = "input.json"
CALIBRATION = "calibration.json"
WEIGHTS = "model.safetensors"
RESULTS = "results.json"
EMBEDDINGS = "embeddings.npz"
CHECKPOINTS = "checkpoints"
BEST = "best.ckpt"
FINISHED = "finished.json"
_CHECKED = (WEIGHTS, CONFIG, PROTOCOL, CLASSES, INPUT)
"""The files a loaded run depends on, whose sha256 ``finished.json`` records."""


@dataclass
class Run:
    """A trained run loaded back: its config, protocol, auxiliary classes, network and input spec.

    Attributes:
        path: The run folder.
        config: Its config.
        protocol: The protocol it was trained with.
        classes: Its auxiliary (training) classes, in classifier order.
        net: The network, in evaluation mode.
        spec: What the model reads (``input.json``: layout, modality, rate_hz, image_shape); empty for runs of
            sldml versions before it existed.
    """

    path: Path
    config: Config
    protocol: Protocol
    classes: list[str]
    net: EmbeddingNet
    spec: dict[str, Any] = field(default_factory=dict)


def write_run(
    run_dir: Path, config: Config, protocol: Protocol, classes: list[str], spec: dict[str, Any], net: EmbeddingNet
) -> None:
    """Write the final weights and everything needed to load them back (each file atomically)."""
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    write_bytes_atomic(run_dir / WEIGHTS, save(state))
    write_text_atomic(run_dir / CONFIG, yaml.safe_dump(config.to_dict(), sort_keys=False))
    write_text_atomic(run_dir / PROTOCOL, yaml.safe_dump(protocol_to_dict(protocol), sort_keys=False))
    write_text_atomic(run_dir / CLASSES, json.dumps(classes, indent=1))
    write_text_atomic(run_dir / INPUT, json.dumps(spec, indent=1))


def write_calibration(run_dir: Path, calibration: dict[str, Any]) -> Path:
    """Write a run's ``calibration.json`` (the one writer of it)."""
    return write_text_atomic(run_dir / CALIBRATION, json.dumps(calibration, indent=1))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def mark_finished(run_dir: Path) -> Path:
    """Write ``finished.json``, last: the run is complete (with the sha256 of the files it depends on)."""
    files = {name: _sha256(run_dir / name) for name in _CHECKED if (run_dir / name).is_file()}
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return write_text_atomic(run_dir / FINISHED, json.dumps({"finished": stamp, "sha256": files}, indent=1))


def read_json(path: Path) -> Any:
    """A JSON file of a run folder, or ``None`` if it does not exist.

    Raises:
        DataError: If it is not valid JSON (naming the file).
    """
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(path, f"not valid JSON (truncated or damaged? {str(err)[:80]})") from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise DataError(path, f"not valid YAML (truncated or damaged? {str(err).splitlines()[0][:80]})") from None
    if not isinstance(tree, dict):
        raise DataError(path, f"expected a mapping, got {type(tree).__name__}")
    return tree


def unfinished_reason(run_dir: Path) -> str | None:
    """Why a run folder is not a finished run, or ``None`` if it is one (see the module docstring)."""
    if not run_dir.is_dir():
        return "not a folder" if run_dir.exists() else "folder not found"
    if (run_dir / FINISHED).is_file():
        return None
    if (run_dir / RESULTS).is_file():  # a run of an sldml before finished.json: results.json was written last
        try:
            return None if isinstance(read_json(run_dir / RESULTS), dict) else f"{RESULTS} is not a mapping"
        except DataError as err:
            return err.message
    if (run_dir / CONFIG).is_file() or (run_dir / CHECKPOINTS).is_dir():
        return f"an unfinished run (no {FINISHED}: training was interrupted or failed); train it again"
    return f"not an sldml run folder (no {CONFIG})"


def _verify(run_dir: Path) -> None:
    """Check the files ``finished.json`` lists against their recorded sha256."""
    marker = read_json(run_dir / FINISHED)
    if marker is None:
        return
    recorded = marker.get("sha256") if isinstance(marker, dict) else None
    if not isinstance(recorded, dict):
        raise DataError(run_dir / FINISHED, "field 'sha256': missing; expected the sha256 of the run's files")
    for name, digest in recorded.items():
        path = run_dir / str(name)
        if not path.is_file():
            raise DataError(path, "missing; the run lists it as part of it")
        if _sha256(path) != digest:
            raise DataError(path, "checksum mismatch: changed or damaged since the run finished")


def run_folder(path: str | Path) -> Path:
    """The run folder of a path: the folder itself, or the folder of a weights file in it or in its checkpoints."""
    given = Path(path)
    if given.parent.name == CHECKPOINTS:
        return given.parent.parent
    return given.parent if given.is_file() else given


def weights_file(path: str | Path, checkpoint: str = "last") -> Path:
    """The weights a path and a checkpoint name point to (``last``: ``model.safetensors``; ``best``: best.ckpt).

    Raises:
        ConfigError: If the checkpoint name is unknown or the file does not exist.
    """
    given = Path(path)
    if given.is_file():
        weights = given
    elif checkpoint == "last":
        weights = given / WEIGHTS
    elif checkpoint == "best":
        weights = given / CHECKPOINTS / BEST
    else:
        raise ConfigError(f"checkpoint={checkpoint!r}; valid: last, best")
    if not weights.is_file():
        raise ConfigError(f"weights file {weights} not found")
    return weights


def load_weights(net: EmbeddingNet, weights: Path) -> None:
    """Load weights (``.safetensors``, or a Lightning ``.ckpt`` read with ``weights_only=True``) into a network.

    Raises:
        ConfigError: If the weights do not fit the network.
    """
    if weights.suffix == ".safetensors":
        try:
            state = load_file(str(weights))
        except (SafetensorError, OSError, ValueError) as err:
            reason = str(err).splitlines()[0][:100] if str(err) else type(err).__name__
            raise DataError(weights, f"not readable weights (truncated or damaged?): {reason}") from None
    else:
        state = {k.removeprefix("net."): v for k, v in load_state_dict_file(weights).items() if k.startswith("net.")}
    try:
        net.load_state_dict(state)
    except RuntimeError as err:
        raise ConfigError(f"weights {weights} do not fit the run's model: {str(err).splitlines()[0]}") from None


def finished_run(path: str | Path) -> Path:
    """The run folder of a path (:func:`run_folder`), checked to be a finished run whose files are intact.

    Raises:
        DataError: If the folder is not a finished run, or one of its files is missing or damaged (naming it).
    """
    run_dir = run_folder(path)
    problem = unfinished_reason(run_dir)
    if problem is not None:
        raise DataError(run_dir, f"is not a finished sldml run: {problem}")
    for required in (CONFIG, CLASSES, PROTOCOL):
        if not (run_dir / required).is_file():
            raise DataError(run_dir, f"is not a finished sldml run: {required} is missing")
    _verify(run_dir)
    return run_dir


def read_run_config(run_dir: Path) -> Config:
    """A finished run's config (``config.yaml``), validated.

    Raises:
        DataError: If it is not valid YAML or not a valid config (naming the file).
    """
    try:
        return config_from_dict(_read_yaml(run_dir / CONFIG))
    except ConfigError as err:
        raise DataError(run_dir / CONFIG, f"not a valid run config ({err})") from None


def read_input_spec(run_dir: Path) -> dict[str, Any]:
    """A run's ``input.json`` (empty for runs of sldml versions before it existed).

    Raises:
        DataError: If it is not a mapping with the layout, modality and image shape.
    """
    spec = read_json(run_dir / INPUT) or {}
    shape_ok = isinstance(spec, dict) and all(isinstance(n, int) and n > 0 for n in spec.get("image_shape", []))
    if not shape_ok or (spec and not isinstance(spec.get("layout"), str)):
        raise DataError(run_dir / INPUT, "expected a JSON mapping with the layout, modality and image shape")
    return dict(spec)


def load_run(path: str | Path, checkpoint: str = "last") -> Run:
    """Load a run folder (or a checkpoint file inside one).

    Args:
        path: The run folder, or a ``.ckpt`` / ``.safetensors`` file in it (or in its ``checkpoints/``).
        checkpoint: ``last`` (``model.safetensors``, the final weights) or ``best`` (``checkpoints/best.ckpt``);
            ignored when ``path`` is a file.

    Raises:
        DataError: If the folder is not a finished run, or one of its files is damaged (naming it).
        ConfigError: If the weights do not fit its config.
    """
    run_dir = finished_run(path)
    config = read_run_config(run_dir)
    protocol = protocol_from_dict(_read_yaml(run_dir / PROTOCOL), str(run_dir / PROTOCOL))
    classes = read_json(run_dir / CLASSES)
    if not (isinstance(classes, list) and all(isinstance(c, str) for c in classes)):
        raise DataError(run_dir / CLASSES, "expected a JSON list of class names")
    if not classes and config.train.epochs > 0:
        raise DataError(run_dir / CLASSES, "expected a non-empty JSON list of class names (the run trained)")
    spec = read_input_spec(run_dir)
    shape = spec.get("image_shape")
    net = build_net(
        config, len(classes), pretrained=False, input_shape=tuple(shape) if shape else None, layout=spec.get("layout")
    )
    load_weights(net, weights_file(path if Path(path).is_file() else run_dir, checkpoint))
    net.eval()
    return Run(run_dir, config, protocol, classes, net, spec)


def load_best_weights(net: EmbeddingNet, run_dir: Path) -> EmbeddingNet:
    """Load a run's ``checkpoints/best.ckpt`` (lowest training loss) into its network."""
    load_weights(net, weights_file(run_dir, "best"))
    return net
