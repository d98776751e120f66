"""A folder swapped for a symlink while `--fix` runs: a real racing process exchanges a
target's parent folder with a link to a folder outside the repository, atomically, with
renameat2(RENAME_EXCHANGE), as fast as it can, while hundreds of `--fix` runs go by. Not one
byte may land outside: every folder on a path is opened relative to the one before with
O_NOFOLLOW, so a run either writes into the real folder or is refused.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

if not sys.platform.startswith("linux"):
    pytest.skip("renameat2(RENAME_EXCHANGE) is Linux's", allow_module_level=True)

from test_hostile import snapshot

from airules.cli import main

RUNS = 300

# The racer: swap `docs` (a real folder) and `evil` (a link to the outside folder) until told
# to stop, bounded in swaps and in time so a broken test cannot leave it running.
RACER = r"""
import ctypes, os, sys, time
os.nice(19)  # the runs under test get the CPU first; the swaps still interleave
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
stop = sys.argv[1]
swaps = 0
deadline = time.monotonic() + 120
print("ready", flush=True)
while swaps < 50_000_000 and time.monotonic() < deadline:
    if libc.renameat2(AT_FDCWD, b"docs", AT_FDCWD, b"evil", RENAME_EXCHANGE) != 0:
        sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
    swaps += 1
    if swaps % 256 == 0 and os.path.exists(stop):
        break
# Leave the tree as it started: `docs` the real folder.
if os.path.islink("docs"):
    libc.renameat2(AT_FDCWD, b"docs", AT_FDCWD, b"evil", RENAME_EXCHANGE)
print(swaps, flush=True)
"""


def test_parent_folder_swapped_for_a_link_during_300_fix_runs_writes_nothing_outside(
    repo, tmp_path, capsys, monkeypatch
):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "CLAUDE.md").write_text("# Someone else's\n")
    (outside / "AGENTS.md").write_text("# Someone else's too\n")
    (repo / "docs").mkdir()
    (repo / "evil").symlink_to(outside)
    (repo / ".airules.yml").write_text(
        "targets:\n"
        "  - id: claude\n    path: docs/CLAUDE.md\n"
        "  - id: agents\n    path: docs/AGENTS.md\n"
        "  - id: cursor\n    path: docs/rules/ai-rules.mdc\n"
    )
    # Every run has to write: the rules change before each one, and nothing is replayed.
    monkeypatch.setenv("AIRULES_CACHE", "0")
    before = snapshot(outside)
    stop = tmp_path / "stop"
    racer = subprocess.Popen(
        [sys.executable, "-c", RACER, str(stop)],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    codes = {0: 0, 1: 0, 2: 0}
    try:
        assert racer.stdout is not None
        assert racer.stdout.readline().strip() == "ready"
        for run in range(RUNS):
            (repo / "ai-rules.md").write_text(f"# Rules\n\n- Version {run}.\n")
            code = main(["--fix", "-q"])
            codes[code] += 1
            err = capsys.readouterr().err
            assert "Traceback" not in err
            if code == 2:
                # Refused: one line naming the path, never a write outside.
                assert err.startswith("airules: docs/"), err
                assert "outside the repository" in err or "cannot" in err, err
    finally:
        stop.touch()
        swaps_text, racer_err = racer.communicate(timeout=60)
    assert racer.returncode == 0, racer_err
    swaps = int(swaps_text.split()[-1])
    print(f"{RUNS} --fix runs against {swaps} swaps: {codes}")
    assert sum(codes.values()) == RUNS
    assert swaps > 0
    # Not one byte outside: the same files, bytes and modes, and no temporary files.
    assert snapshot(outside) == before
    assert not (repo / "docs").is_symlink()
