from __future__ import annotations

import os
from pathlib import Path

import pytest

from sldml.errors import Interrupted
from sldml.resources import removed_on_failure, write_text_atomic


def test_an_interrupted_write_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.json"
    write_text_atomic(target, '{"top1": 0.5}')

    def crash(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="No space left"):
        write_text_atomic(target, '{"top1": 0.9, "half": ')
    assert target.read_text() == '{"top1": 0.5}'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary file left behind


def test_written_files_follow_the_umask_not_0600(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "deep" / "file.txt", "x")
        assert path.stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        assert write_text_atomic(tmp_path / "private.txt", "x").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_removed_on_failure_keeps_a_success_and_removes_a_failure(tmp_path: Path) -> None:
    kept, failed, stopped = tmp_path / "kept", tmp_path / "failed", tmp_path / "stopped"
    for folder in (kept, failed, stopped):
        folder.mkdir()
        (folder / "part").write_text("x")
    with removed_on_failure(kept, "writing kept"):
        pass
    with pytest.raises(ValueError, match="bad"), removed_on_failure(failed, "writing failed"):
        raise ValueError("bad")
    with (
        pytest.raises(Interrupted, match=r"^writing stopped; nothing kept$"),
        removed_on_failure(stopped, "writing stopped; nothing kept"),
    ):
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept"]
    assert (kept / "part").read_text() == "x"
