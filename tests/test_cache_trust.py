"""The replay cache is never more lenient than a full run: whatever a full run would see
differently (a folder swapped for a link, a file a warning reads, the git environment, a
killed writer's leftovers) means a full run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

if sys.platform == "win32":
    pytest.skip("the folder-swap cases need symlinks", allow_module_level=True)

from test_cache import probe
from test_hostile import snapshot

from airules.cli import main
from airules.tree import TMP_SUFFIX


def test_a_folder_swapped_for_a_link_to_the_same_bytes_means_a_full_run(repo, tmp_path):
    (repo / ".airules.yml").write_text("targets:\n  - id: claude\n    path: docs/CLAUDE.md\n")
    assert main(["--fix"]) == 1
    probe(repo)
    assert probe(repo)[0] == "REPLAY"
    # Same names, same bytes, but `docs` is now a link: to a copy inside, then to one outside.
    shutil.copytree(repo / "docs", repo / "copy")
    shutil.rmtree(repo / "docs")
    (repo / "docs").symlink_to("copy")
    kind, code, _ = probe(repo)
    assert (kind, code) == ("FULL", 0)
    outside = tmp_path / "outside"
    shutil.copytree(repo / "copy", outside)
    (repo / "docs").unlink()
    (repo / "docs").symlink_to(outside)
    before = snapshot(outside)
    kind, code, _ = probe(repo)
    assert (kind, code) == ("FULL", 2)
    assert snapshot(outside) == before


def test_a_folder_replaced_by_another_with_the_same_bytes_means_a_full_run(repo):
    (repo / ".airules.yml").write_text("targets:\n  - id: claude\n    path: docs/CLAUDE.md\n")
    assert main(["--fix"]) == 1
    probe(repo)
    assert probe(repo)[0] == "REPLAY"
    shutil.copytree(repo / "docs", repo / "docs2")
    shutil.rmtree(repo / "docs")
    (repo / "docs2").rename(repo / "docs")
    assert probe(repo)[0] == "FULL"


def test_a_file_a_warning_reads_is_watched_even_when_it_could_not_be_read(repo):
    # `.rules` comes before AGENTS.md in Zed's first-match list. As a folder it is unreadable
    # (no warning); as a file it hides AGENTS.md (a warning, which --strict fails on).
    (repo / ".airules.yml").write_text("targets: [agents]\n")
    assert main(["--fix"]) == 1
    (repo / ".rules").mkdir()
    assert probe(repo, "--strict")[:2] == ("FULL", 0)
    assert probe(repo, "--strict")[:2] == ("REPLAY", 0)
    (repo / ".rules").rmdir()
    (repo / ".rules").write_text("# Zed rules\n")
    kind, code, out = probe(repo, "--strict")
    assert (kind, code) == ("FULL", 1)
    assert ".rules: warning: Zed reads only the first" in out


def test_git_dir_and_work_tree_are_honoured_and_part_of_the_key(repo, tmp_path):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    assert main(["--fix"]) == 1
    probe(repo)
    assert probe(repo)[0] == "REPLAY"
    # Another work tree of the same repository, where CLAUDE.md is out of date.
    other = tmp_path / "other"
    shutil.copytree(repo, other, ignore=shutil.ignore_patterns(".git"))
    (other / "ai-rules.md").write_text("# Other rules\n")
    env = dict(os.environ, GIT_DIR=str(repo / ".git"), GIT_WORK_TREE=str(other))
    kind, code, out = probe(repo, env=env)
    assert (kind, code) == ("FULL", 1)
    assert out.startswith("CLAUDE.md: out of date")
    # A relative GIT_DIR works from a sub-folder as git reads it: relative to where it runs.
    (repo / "sub").mkdir()
    env = dict(os.environ, GIT_DIR="../.git")
    (repo / ".airules.yml").write_text("nested: true\ntargets: [claude]\n")
    assert main(["--fix"]) == 0
    assert probe(repo / "sub", env=env)[1] == 0


def test_a_replayed_fix_still_clears_a_killed_writers_temporary_file(repo):
    (repo / ".airules.yml").write_text("targets:\n  - id: claude\n    path: docs/CLAUDE.md\n")
    assert main(["--fix"]) == 1
    probe(repo, "--fix")
    probe(repo)
    assert probe(repo, "--fix")[:2] == ("REPLAY", 0)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = repo / "docs" / f".CLAUDE.md.{dead.pid}.abc123{TMP_SUFFIX}"
    stale.write_text("half a file")
    # A plain check leaves it (it writes nothing); a --fix removes it, replayed or not.
    assert probe(repo)[:2] == ("REPLAY", 0)
    assert stale.exists()
    assert probe(repo, "--fix")[:2] == ("FULL", 0)
    assert not stale.exists()
    assert probe(repo, "--fix")[:2] == ("REPLAY", 0)


def test_a_planted_cache_temp_name_is_never_written_through(repo, tmp_path):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    assert main(["--fix"]) == 1
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    # The old cache writer used `airules-cache.PID.tmp` and followed a link planted there.
    (repo / ".git" / f"airules-cache.{os.getpid()}.tmp").symlink_to(victim)
    assert main([]) == 0
    assert main([]) == 0
    assert victim.read_text() == "keep me\n"
    assert (repo / ".git" / "airules-cache").is_file()
