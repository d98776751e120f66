"""A replay looks at each folder once: its plain files by one lstat each ("g"), and its listing
by the folder's own stat ("t") when it holds regular files only. Every change a full run would
see still means a full run, and a replayed console run prints all of it and exits 0."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import git, needs_symlinks

from airules import cache
from airules.cli import main

pytestmark = pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="stat path needs it")
HOUR_AGO = time.time() - 3600
CONFIG = "targets: [claude, cursor, copilot, agents]\n"
TESTING = "---\npaths: [tests/**]\ndescription: How we write tests\n---\n\n- Use fixtures.\n"
STYLE = "---\npaths: [src/**]\n---\n\n- Name things plainly.\n"


def age(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files and folders count as old enough to trust at once (see test_cache_stat)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)
    time.sleep(0.05)


def stored_run(root: Path) -> tuple[tuple[str, str, object], ...]:
    entries = cache.stored(cache.cache_file(str(root)))
    (run,) = [v for v in entries.values() if v[0] != "memo"]
    return run[0]


def kinds(root: Path) -> dict[str, str]:
    return {name: kind for kind, name, _ in stored_run(root)}


def grouped(root: Path) -> dict[str, list[str]]:
    return {name: [f[0] for f in value[1]] for kind, name, value in stored_run(root) if kind == "g"}


@pytest.fixture
def scoped(repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> Path:
    (repo / ".airules.yml").write_text(CONFIG)
    (repo / "ai-rules").mkdir()
    (repo / "ai-rules" / "testing.md").write_text(TESTING)
    (repo / "ai-rules" / "style.md").write_text(STYLE)
    assert main(["--fix"]) == 1
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "rules")
    age(monkeypatch)
    assert main([]) == 0  # stored, every file and folder signed
    capsys.readouterr()
    return repo


def test_each_folders_files_are_one_entry_and_its_listing_is_signed(scoped):
    groups = grouped(scoped)
    assert sorted(groups[".cursor/rules"]) == ["ai-rules.mdc", "style.mdc", "testing.mdc"]
    assert sorted(groups["ai-rules"]) == ["style.md", "testing.md"]
    assert {"CLAUDE.md", "AGENTS.md", "ai-rules.md", ".airules.yml"} <= set(groups[""])
    assert kinds(scoped)[".cursor/rules"] == "t"
    assert kinds(scoped)["ai-rules"] == "t"
    # Nothing is looked at twice: no path has both a group and an observation of its own.
    singles = {name for kind, name, _ in stored_run(scoped) if kind in "fls"}
    members = {f"{d}/{n}" if d else n for d, names in groups.items() for n in names}
    assert not singles & members
    assert main([]) == 0


@pytest.mark.parametrize(
    "path",
    [".cursor/rules/testing.mdc", "ai-rules/testing.md", "ai-rules.md", "CLAUDE.md"],
)
def test_an_edit_that_keeps_size_and_mtime_is_still_seen(scoped, capsys, path):
    target = scoped / path
    before = target.stat()
    data = target.read_bytes()
    changed = data.replace(b"fixtures", b"FIXTURES") if b"fixtures" in data else None
    if changed is None:
        changed = data.replace(b"tests", b"TESTS", 1)
    assert changed != data and len(changed) == len(data)
    target.write_bytes(changed)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert main([]) == 1


def test_a_new_rule_in_a_signed_folder_means_a_full_run(scoped, capsys):
    (scoped / "ai-rules" / "docs.md").write_text("---\npaths: [docs/**]\n---\n\n- Say why.\n")
    assert main([]) == 1
    assert ".claude/rules/docs.md: missing" in capsys.readouterr().out


def test_a_removed_rule_in_a_signed_folder_means_a_full_run(scoped, capsys):
    (scoped / "ai-rules" / "style.md").unlink()
    assert main([]) == 1


def listing(root: Path, folder: str) -> tuple[str, ...]:
    """The names the stored run listed below `folder`, signed ("t") or not ("d")."""
    kind, value = next((k, v) for k, n, v in stored_run(root) if n == folder and k in "dt")
    return value[1][0] if kind == "t" else value[0]


def test_a_stray_file_in_a_signed_target_folder_is_listed_by_the_next_full_run(scoped):
    (scoped / ".cursor/rules/notes.mdc").write_text("my own notes\n")
    assert main([]) == 0
    assert ".cursor/rules/notes.mdc" in listing(scoped, ".cursor/rules")


def test_a_folder_holding_a_subfolder_is_listed_on_every_replay(scoped, capsys):
    sub = scoped / ".cursor" / "rules" / "team"
    sub.mkdir()
    (sub / "a.mdc").write_text("mine\n")
    assert main([]) == 0
    assert main([]) == 0
    assert kinds(scoped)[".cursor/rules"] == "d"
    # A change below the subfolder leaves the folder's own stat as it was: still noticed.
    (sub / "b.mdc").write_text("mine too\n")
    assert main([]) == 0
    assert ".cursor/rules/team/b.mdc" in listing(scoped, ".cursor/rules")


@needs_symlinks
def test_a_folder_holding_a_link_is_listed_on_every_replay(scoped):
    (scoped / "elsewhere.mdc").write_text("shared\n")
    (scoped / ".cursor/rules/linked.mdc").symlink_to("../../elsewhere.mdc")
    assert main([]) == 0
    assert main([]) == 0
    assert kinds(scoped)[".cursor/rules"] == "d"


def test_a_touched_folder_is_listed_again_replayed_and_signed_again(scoped):
    (before,) = [v for k, n, v in stored_run(scoped) if n == "ai-rules" and k in "dt"]
    os.utime(scoped / "ai-rules", (HOUR_AGO, HOUR_AGO))
    time.sleep(0.05)
    assert main([]) == 0
    (after,) = [(k, v) for k, n, v in stored_run(scoped) if n == "ai-rules" and k in "dt"]
    assert after[0] == "t" and after[1][0] != before[0] and after[1][1] == before[1]


def test_a_touched_file_in_a_group_is_hashed_replayed_and_signed_again(scoped):
    before = grouped(scoped)
    target = scoped / ".cursor/rules/style.mdc"
    os.utime(target, (HOUR_AGO, HOUR_AGO))
    time.sleep(0.05)
    assert main([]) == 0
    assert grouped(scoped) == before  # the same files, signed again
    (entry,) = [v for k, n, v in stored_run(scoped) if k == "g" and n == ".cursor/rules"]
    (style,) = [f for f in entry[1] if f[0] == "style.mdc"]
    assert style[1][1] == target.stat().st_mtime_ns


@needs_symlinks
def test_a_grouped_file_replaced_by_a_link_to_the_same_bytes_means_a_full_run(scoped):
    target = scoped / ".cursor/rules/style.mdc"
    copy = scoped / "style-copy.mdc"
    copy.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to("../../style-copy.mdc")
    main([])
    # The full run observed the link: its text is recorded, the file is no group member.
    assert "style.mdc" not in grouped(scoped).get(".cursor/rules", [])
    links = [v for k, n, v in stored_run(scoped) if k == "l" and n == ".cursor/rules/style.mdc"]
    assert links and links[0][0] == "../../style-copy.mdc"


def run_console(root: Path) -> subprocess.CompletedProcess[bytes]:
    """`python -m airules`, as the console script runs it, with its output through pipes."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "airules"], cwd=root, capture_output=True
    )


def test_a_replayed_console_run_prints_everything_and_exits_zero(repo):
    targets = "".join(f"  - {t}\n" for t in ("claude", "cursor", "copilot", "agents", "gemini"))
    (repo / ".airules.yml").write_text("targets:\n" + targets)
    folder = repo / "ai-rules"
    folder.mkdir()
    for n in range(30):
        (folder / f"rule{n:02d}.md").write_text(f"---\npaths: [src/m{n}/**]\n---\n\n- R{n}.\n")
    assert main(["--fix"]) == 1
    full = run_console(repo)
    replayed = run_console(repo)
    assert full.returncode == replayed.returncode == 0
    assert b"airules.engine" in full.stderr
    assert b"airules.engine" not in replayed.stderr  # answered from the cache
    assert replayed.stdout == full.stdout
    assert full.stdout.count(b": ok\n") > 90
