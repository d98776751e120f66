"""Replay trusts an old file by its stat, as git trusts its index, and hashes a new one."""

from __future__ import annotations

import os
import time

import pytest

from airules import cache
from airules.cli import main

pytestmark = pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="stat path needs it")
HOUR_AGO = time.time() - 3600
# Files are "old enough" once RACY_NS has passed since their last change (ctime included, which
# no test can set back): the tests that need old files make the window zero instead of waiting.


def run_inputs(root) -> list:
    """The stored run's observations, each folder's group ("g") spelled out as the file
    observations it stands for."""
    entries = cache.stored(cache.cache_file(str(root)))
    runs = [v for v in entries.values() if v[0] != "memo"]
    assert len(runs) == 1
    return cache._expanded(runs[0][0])


def kinds(root) -> dict[str, str]:
    return {name: kind for kind, name, _ in run_inputs(root) if kind != "l"}


def age(monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", 0)
    time.sleep(0.05)


@pytest.fixture
def clean(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude, cursor]\n")
    assert main(["--fix"]) == 1
    capsys.readouterr()
    return repo


def test_files_written_just_now_are_hashed_on_replay(clean):
    assert main([]) == 0
    assert kinds(clean)["CLAUDE.md"] == "f"


def test_old_files_are_trusted_by_their_stat_and_a_same_size_edit_is_still_seen(
    clean, capsys, monkeypatch
):
    age(monkeypatch)
    assert main([]) == 0
    assert kinds(clean)["CLAUDE.md"] == "s"
    assert main([]) == 0  # replayed on stat alone
    # Same size, mtime put back: the inode's change time still moves, so the edit is seen.
    path = clean / "ai-rules.md"
    data = path.read_bytes()
    path.write_bytes(data.replace(b"first", b"FIRST"))
    os.utime(path, (HOUR_AGO, HOUR_AGO))
    capsys.readouterr()
    assert main([]) == 1
    assert "out of date with ai-rules.md" in capsys.readouterr().out


def test_a_replay_signs_files_that_have_grown_old_enough(clean, monkeypatch):
    assert main([]) == 0
    assert kinds(clean)["CLAUDE.md"] == "f"
    age(monkeypatch)
    assert main([]) == 0  # replayed by hashing, then signed
    assert kinds(clean)["CLAUDE.md"] == "s"
    assert kinds(clean)["ai-rules.md"] == "s"


def test_a_trusted_file_replaced_by_a_symlink_is_seen(clean, capsys, monkeypatch):
    if os.name == "nt":
        pytest.skip("symlinks")
    age(monkeypatch)
    assert main([]) == 0
    assert kinds(clean)["CLAUDE.md"] == "s"
    copy = clean / "elsewhere.md"
    copy.write_bytes((clean / "CLAUDE.md").read_bytes())
    (clean / "CLAUDE.md").unlink()
    (clean / "CLAUDE.md").symlink_to("elsewhere.md")
    # Not replayed on the old signature: a full run ran and recorded the link.
    assert main([]) == 0
    # The link's own observation ("l": its text, and the folders on its way) records it.
    (value,) = [v for k, n, v in run_inputs(clean) if n == "CLAUDE.md" and k == "l"]
    assert value[0] == "elsewhere.md"


def _os_walk_files(real, folder):
    """The listing as `os.walk` gives it, which walk_files must keep giving."""
    from airules.confined import MAX_LISTED_FILES, TMP_SUFFIX

    out = []
    for dirpath, dirnames, filenames in os.walk(real):
        dirnames.sort()
        rel = os.path.relpath(dirpath, real).replace(os.sep, "/")
        prefix = folder if rel == "." else f"{folder}/{rel}"
        for filename in sorted(filenames):
            if filename.endswith(TMP_SUFFIX):
                continue
            out.append(f"{prefix}/{filename}")
            if len(out) >= MAX_LISTED_FILES:
                return out
    return out


@pytest.mark.parametrize("files", [40, 1500])
def test_walk_files_lists_what_os_walk_lists(tmp_path, files):
    import random

    from airules.confined import walk_files

    rng = random.Random(files)
    for i in range(files):
        parts = [rng.choice("abAB_é") for _ in range(rng.randint(0, 3))]
        folder = tmp_path.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        name = rng.choice(["x", "Y", "a b", "t.airules-tmp", "é"]) + str(i % 9)
        (folder / name).write_text("")
    if os.name != "nt":
        (tmp_path / "link-to-a").symlink_to(tmp_path / "a", target_is_directory=True)
        (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
        (tmp_path / "b").mkdir(exist_ok=True)
        (tmp_path / "b" / "loop").symlink_to(tmp_path, target_is_directory=True)
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        assert walk_files(fd, "F") == _os_walk_files(str(tmp_path), "F")
    finally:
        os.close(fd)


def test_a_touched_but_unchanged_file_is_replayed_and_signed_again(clean, monkeypatch):
    age(monkeypatch)
    assert main([]) == 0
    (before,) = [v for k, n, v in run_inputs(clean) if n == "CLAUDE.md" and k != "l"]
    os.utime(clean / "CLAUDE.md", (HOUR_AGO, HOUR_AGO))
    time.sleep(0.05)
    assert main([]) == 0  # same bytes: replayed
    (after,) = [(k, v) for k, n, v in run_inputs(clean) if n == "CLAUDE.md" and k != "l"]
    assert after[0] == "s" and after[1][0] != before[0] and after[1][1] == before[1]
