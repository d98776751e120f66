"""What `--fix` leaves and says: a run that fails part way names what it wrote (exit 1), a
rewritten file keeps its extended attributes and ACLs, a file airules generated is never taken
for a nested source, and front matter renders the same bytes on every run."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip("resource limits and xattrs are POSIX", allow_module_level=True)

import resource

from airules.cli import main

SCRIPT = Path(sys.executable).parent / "airules-check"


def _limit_file_size(limit: int):
    def set_limit() -> None:
        # Writing past RLIMIT_FSIZE fails with EFBIG, as a full disk fails with ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def test_a_fix_that_fails_part_way_says_what_it_wrote_and_exits_1(repo):
    # CLAUDE.md holds only an import line (small); AGENTS.md the whole rules (too big for the
    # file size limit the run gets): the first is written, the second cannot be.
    (repo / "ai-rules.md").write_text("# Rules\n\n" + "- a rule worth keeping\n" * 3000)
    (repo / ".airules.yml").write_text("targets:\n  - {id: claude, mode: import}\n  - agents\n")
    result = subprocess.run(
        [SCRIPT, "--fix"],
        cwd=repo,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size(32 * 1024),
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CLAUDE.md: created\n" in result.stdout
    assert "airules: wrote 1 file from ai-rules.md\n" in result.stdout
    assert "AGENTS.md" not in result.stdout
    assert result.stderr.startswith("airules: AGENTS.md: cannot be written ("), result.stderr
    assert result.stderr.count("\n") == 1
    assert (repo / "CLAUDE.md").read_text().count("@ai-rules.md") == 1
    assert not (repo / "AGENTS.md").exists()
    # The JSON report says the same.
    (repo / "CLAUDE.md").unlink()
    result = subprocess.run(
        [SCRIPT, "--fix", "--format", "json"],
        cwd=repo,
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size(32 * 1024),
    )
    import json

    report = json.loads(result.stdout)
    assert report["exit_code"] == result.returncode == 1
    states = {t["path"]: (t["state"], t["written"]) for t in report["targets"]}
    assert states == {"CLAUDE.md": ("missing", True), "AGENTS.md": ("error", False)}


def _acl(mode_user: int, extra_uid: int, extra_perm: int) -> bytes:
    """A POSIX access ACL as Linux stores it in `system.posix_acl_access`."""
    entries = [(0x01, mode_user, 0xFFFFFFFF), (0x02, extra_perm, extra_uid)]
    entries += [(0x04, 4, 0xFFFFFFFF), (0x10, 6, 0xFFFFFFFF), (0x20, 4, 0xFFFFFFFF)]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_a_rewritten_file_keeps_its_extended_attributes_acl_and_mode(repo):
    if not hasattr(os, "setxattr"):
        pytest.skip("no xattr support in this Python")
    target = repo / "CLAUDE.md"
    target.write_text("# Ours\n")
    try:
        os.setxattr(target, "user.airules-test", b"kept")
    except OSError as e:
        pytest.skip(f"the file system takes no user xattrs ({e.strerror})")
    acl = None
    try:
        os.setxattr(target, "system.posix_acl_access", _acl(6, 4242, 6))
        acl = os.getxattr(target, "system.posix_acl_access")
    except OSError:
        pass  # no ACLs here: the plain attribute still has to survive
    if acl is None:
        target.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(target, 4242, 4343)  # root rewriting someone's file gives it back to them
    before = target.stat()
    mode = before.st_mode & 0o7777
    assert main(["--claude", "--fix"]) == 1
    after = target.stat()
    assert after.st_ino != before.st_ino  # replaced, not written in place
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert "<!-- airules:begin" in target.read_text()
    assert os.getxattr(target, "user.airules-test") == b"kept"
    if acl is not None:
        assert os.getxattr(target, "system.posix_acl_access") == acl
    assert target.stat().st_mode & 0o7777 == mode


def test_a_generated_file_is_never_taken_for_a_nested_source(repo, capsys):
    # An old Windsurf target, generated under a config that named it, is called ai-rules.md.
    (repo / ".airules.yml").write_text("targets: [windsurf]\n")
    assert main(["--fix"]) == 1
    old = repo / ".windsurf" / "rules" / "ai-rules.md"
    assert old.is_file()
    # Then the team moves to Devin and turns on nested rules; the old file is still there.
    (repo / ".airules.yml").write_text("nested: true\ntargets: [devin, agents, claude]\n")
    (repo / "pkg").mkdir()
    (repo / "pkg" / "ai-rules.md").write_text("# Package rules\n")
    # A shared file that carries a begin marker and is named like the source, too.
    (repo / "docs").mkdir()
    (repo / "docs" / "ai-rules.md").write_text(
        "# Docs\n\n<!-- airules:begin source=ai-rules.md -->\nx\n<!-- airules:end -->\n"
    )
    assert main(["--fix"]) == 1
    out = capsys.readouterr().out
    assert "pkg/AGENTS.md: created" in out
    assert not any((repo / ".windsurf" / "rules").glob("AGENTS.md"))
    assert sorted(p.name for p in (repo / ".windsurf" / "rules").iterdir()) == ["ai-rules.md"]
    assert not (repo / "docs" / "AGENTS.md").exists()
    capsys.readouterr()
    main([])  # the old Windsurf file is reported as an orphan now, never as a source
    out = capsys.readouterr().out
    assert "missing" not in out and "out of date" not in out, out


def test_front_matter_renders_the_same_bytes_in_every_process(repo):
    (repo / ".airules.yml").write_text(
        "targets:\n  - path: .x/rules.md\n    front_matter:\n"
        "      z: 1\n      a: [c, b]\n      m: {y: 2, x: 1}\n"
    )
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        (repo / ".x" / "rules.md").unlink(missing_ok=True)
        subprocess.run(
            [SCRIPT, "--fix"],
            cwd=repo,
            env={**os.environ, "PYTHONHASHSEED": seed, "AIRULES_CACHE": "0"},
        )
        outputs.add((repo / ".x" / "rules.md").read_bytes())
    assert len(outputs) == 1
    assert next(iter(outputs)).startswith(b"---\nz: 1\na:\n- c\n- b\nm:\n  y: 2\n  x: 1\n---\n")
