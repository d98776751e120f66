"""Faults at the process edge: SIGKILL mid-write, runs racing each other, a full disk.

Every subject here is the installed console script in a real subprocess; the faults are real
signals and real resource limits, not patched functions.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip("SIGKILL and resource limits are POSIX", allow_module_level=True)

import resource

from airules.cli import main
from airules.tree import TMP_SUFFIX

SCRIPT = Path(sys.executable).parent / "airules-check"
SHARED = [f"docs/shared{i}.md" for i in range(12)]
OWNED = [f".cursor/rules/owned{i}.mdc" for i in range(12)]
# Targets that do not exist before the run, so a kill can also land mid-creation.
CREATED = {SHARED[-1], SHARED[-2], OWNED[-1], OWNED[-2]}
TARGETS = SHARED + OWNED


def rules(seed: int, lines: int = 3000) -> str:
    rng = random.Random(seed)
    body = "".join(f"- rule {i}: {'x' * rng.randint(20, 100)}\n" for i in range(lines))
    return f"# Rules v{seed}\n\n{body}"


def write_config(root: Path) -> None:
    text = "targets:\n"
    text += "".join(f"  - id: agents\n    path: {p}\n" for p in SHARED)
    text += "".join(f"  - id: cursor\n    path: {p}\n" for p in OWNED)
    (root / ".airules.yml").write_text(text)


def read_targets(root: Path) -> dict[str, bytes | None]:
    return {p: (root / p).read_bytes() if (root / p).exists() else None for p in TARGETS}


def temp_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(f"*{TMP_SUFFIX}"))


def restore(root: Path, state: dict[str, bytes | None]) -> None:
    for path, data in state.items():
        if data is None:
            (root / path).unlink(missing_ok=True)
        else:
            (root / path).write_bytes(data)


@pytest.fixture
def states(repo, capsys):
    """(old, new): every target before and after the rules change; the tree is left old."""
    write_config(repo)
    (repo / "docs").mkdir()
    for path in SHARED:
        (repo / path).write_text(f"# Notes people wrote in {path}\n\nKeep them.\n")
    (repo / "ai-rules.md").write_text(rules(1))
    assert main(["--fix"]) == 1
    for path in CREATED:
        (repo / path).unlink()
    old = read_targets(repo)
    (repo / "ai-rules.md").write_text(rules(2))
    assert main(["--fix"]) == 1
    new = read_targets(repo)
    restore(repo, old)
    capsys.readouterr()
    assert all(new[p] for p in TARGETS) and all(old[p] != new[p] for p in TARGETS)
    return old, new


def _wait_for_first_write(proc: subprocess.Popen[bytes], path: Path, inode: int) -> None:
    # Bounded: a run takes well under a second; give up after ten and kill wherever it is.
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        if os.stat(path).st_ino != inode:
            return
        time.sleep(0.0005)


def test_sigkill_at_random_moments_never_tears_a_file(repo, states, capsys):
    old, new = states
    start = time.monotonic()
    subprocess.run([SCRIPT, "--fix", "-q"], check=False, capture_output=True)
    whole_run = time.monotonic() - start
    assert read_targets(repo) == new
    rng = random.Random(7)
    runs, mid_write, temps_left = 60, 0, 0
    first = repo / TARGETS[0]
    for run in range(runs):
        restore(repo, old)
        inode = os.stat(first).st_ino
        proc = subprocess.Popen(
            [SCRIPT, "--fix", "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if run % 2:
            # Half the kills wait for the first file to be replaced, so they land among writes.
            _wait_for_first_write(proc, first, inode)
            time.sleep(rng.uniform(0, whole_run / 3))
        else:
            time.sleep(rng.uniform(0, whole_run))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = read_targets(repo)
        for path in TARGETS:
            assert after[path] in (old[path], new[path]), (run, path)
        changed = sum(after[p] != old[p] for p in TARGETS)
        left = temp_files(repo)
        mid_write += 0 < changed < len(TARGETS) or bool(left)
        temps_left += bool(left)
        # The next run finishes the job and clears what the killed one left behind.
        assert main(["--fix", "-q"]) in (0, 1)
        assert temp_files(repo) == [], run
        assert read_targets(repo) == new, run
    capsys.readouterr()
    assert main([]) == 0
    print(f"{runs} runs: {mid_write} killed among writes, {temps_left} left a temporary file")
    assert mid_write > 0


def test_four_fix_runs_at_once_end_in_a_correct_tree(repo, states, capsys):
    old, new = states
    for _ in range(3):
        restore(repo, old)
        procs = [
            subprocess.Popen(
                [SCRIPT, "--fix", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(4)
        ]
        for proc in procs:
            _, err = proc.communicate()
            assert proc.returncode in (0, 1), err
        assert read_targets(repo) == new
        assert temp_files(repo) == []
        assert main([]) == 0
    capsys.readouterr()


def _limit_file_size(limit: int):
    def set_limit() -> None:
        # Writing past RLIMIT_FSIZE fails with EFBIG, as a full disk fails with ENOSPC;
        # the signal the kernel also sends would kill the process, so it is ignored.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


@pytest.mark.parametrize(
    ("flag", "path"),
    [
        pytest.param("--claude", "CLAUDE.md", id="shared"),
        pytest.param("--cursor", ".cursor/rules/ai-rules.mdc", id="owned"),
    ],
)
def test_full_disk_leaves_the_old_file(repo, capsys, flag, path):
    target = repo / path
    if flag == "--claude":
        target.write_text("# Our notes\n\nKeep them.\n")
    assert main([flag, "--fix"]) == 1
    target.chmod(0o640)
    old = target.read_bytes()
    (repo / "ai-rules.md").write_text(rules(3, lines=1500))
    result = subprocess.run(
        [SCRIPT, flag, "--fix"],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size(32 * 1024),
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"airules: {path}: cannot be written ("), result.stderr
    assert result.stderr.count("\n") == 1
    assert "then run again" in result.stderr
    assert target.read_bytes() == old
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)
    assert temp_files(repo) == []
    capsys.readouterr()
    # With room again, the same command succeeds and keeps the file's mode.
    assert main([flag, "--fix"]) == 1
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_fix_removes_only_temporary_files_whose_writer_is_gone(repo, capsys):
    assert main(["--claude", "--fix"]) == 1
    dead = _dead_pid()
    names = {
        "stale": f".CLAUDE.md.{dead}.abc_123{TMP_SUFFIX}",
        "live": f".CLAUDE.md.{os.getpid()}.xyz789{TMP_SUFFIX}",
        "other-file": f".CLAUDE.md.x.{dead}.abc{TMP_SUFFIX}",
        "not-ours": f".CLAUDE.md.{dead}.abc",
    }
    for name in names.values():
        (repo / name).write_text("half a file")
    assert main(["--claude"]) == 0
    assert all((repo / name).exists() for name in names.values())
    assert main(["--claude", "--fix"]) == 0
    assert not (repo / names["stale"]).exists()
    assert all((repo / names[k]).exists() for k in ("live", "other-file", "not-ours"))
    capsys.readouterr()
