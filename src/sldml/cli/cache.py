"""``sldml cache build | info | clear``: the parsed-data cache of a dataset folder (:mod:`sldml.io.cache`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sldml.cli.common import app, check_option, console, print_json, user_errors

cache_app = typer.Typer(
    help="The parsed-data cache of a dataset folder: parsed once, memory-mapped by every later command.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")

FolderArg = Annotated[Path, typer.Argument(help="A dataset folder.")]
CacheDirOpt = Annotated[
    Path,
    typer.Option(
        "--cache-dir",
        help="The cache root (the default is where training with output_dir=runs and data.cache=auto looks).",
    ),
]
DEFAULT_CACHE_DIR = Path("runs") / "cache"


def _gigabytes(values: int) -> str:
    return f"{4 * values / 1e9:.2f} GB"


def _describe(status: Any) -> dict[str, Any]:
    header = status.header
    return {
        "folder": status.folder,
        "cache": status.path,
        "state": status.state,
        "reason": status.reason,
        "files_now": status.files,
        "files": header.get("files"),
        "sequences": header.get("sequences"),
        "values": header.get("values"),
        "built": header.get("built"),
        "build_seconds": header.get("build_seconds"),
        "workers": header.get("workers"),
        "mode": header.get("mode"),
        "readers": header.get("readers"),
    }


def _print(info: dict[str, Any]) -> None:
    state = info["state"] + (f" ({info['reason']})" if info["reason"] else "")
    console.print(f"{info['folder']}: cache {info['cache']}: {state}")
    if info["sequences"] is not None:
        console.print(
            f"{info['sequences']:,} sequences from {info['files']:,} files, {_gigabytes(info['values'])} of values; "
            f"built {info['built']} in {info['build_seconds']:.1f} s by {info['workers']} process(es)"
        )


@cache_app.command("build")
def cache_build(
    folder: FolderArg,
    cache_dir: CacheDirOpt = DEFAULT_CACHE_DIR,
    workers: Annotated[int, typer.Option(help="Processes that parse the files (0: one per core).")] = 0,
    force: Annotated[bool, typer.Option(help="Rebuild even when the cache is fresh.")] = False,
) -> None:
    """Parse a folder into its cache now (nothing to do when the cache is fresh)."""
    with user_errors(f"caching {folder}"):
        from sldml.io.cache import build_cache

        check_option("--workers", workers, at_least=0)
        _print(_describe(build_cache(folder, cache_dir, workers, force)))


@cache_app.command("info")
def cache_info(
    folder: FolderArg,
    cache_dir: CacheDirOpt = DEFAULT_CACHE_DIR,
    verify: Annotated[bool, typer.Option(help="Also check the values' CRC-32 (reads the whole cache).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Say whether a folder's cache is fresh, stale (which files or readers changed), damaged or missing."""
    with user_errors(f"reading the cache of {folder}"):
        from sldml.io.cache import cache_status

        info = _describe(cache_status(folder, cache_dir, verify))
        if as_json:
            print_json(info)
        else:
            _print(info)


@cache_app.command("clear")
def cache_clear(folder: FolderArg, cache_dir: CacheDirOpt = DEFAULT_CACHE_DIR) -> None:
    """Delete a folder's cache (the next command that loads the folder parses it again)."""
    with user_errors(f"clearing the cache of {folder}"):
        from sldml.io.cache import cache_path, clear_cache

        removed = clear_cache(folder, cache_dir)
        target = cache_path(folder, cache_dir)
        console.print(f"removed {target}" if removed else f"{folder} has no cache in {cache_dir}")
