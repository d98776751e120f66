"""Only regular files, always bounded: FIFOs, devices and /proc files are refused or read
within the limit, whatever `st_size` claims, with the cache on or off; a sparse file of
gigabytes costs nothing before it is refused."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip("FIFOs, devices and /proc are POSIX", allow_module_level=True)

from test_hostile import snapshot

from airules import cache
from airules.cli import main
from airules.confined import MAX_FILE_BYTES, Root
from airules.errors import FatalError
from airules.tree import LocalTree

SCRIPT = Path(sys.executable).parent / "airules-check"
MIB = 1024 * 1024


# Sets the cap, then runs the console script in a child of its own and writes that child's
# peak memory to a file: a fork of this (large) test process would count pytest's pages too.
CAPPED = (
    "import os, resource, sys\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({256 * MIB}, {256 * MIB}))\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execv(sys.argv[2], sys.argv[2:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_capped(root: Path, *args: str, env: dict[str, str] | None = None):
    """The console script under a 256 MiB address-space cap; its exit code, stderr and peak
    resident memory in MiB."""
    # Outside the test's folder, whose snapshot must not change.
    fd, name = tempfile.mkstemp()
    os.close(fd)
    peak_file = Path(name)
    result = subprocess.run(
        [sys.executable, "-c", CAPPED, str(peak_file), str(SCRIPT), *args],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        peak = int(peak_file.read_text()) / 1024
    finally:
        peak_file.unlink()
    return result.returncode, result.stderr, peak


@pytest.mark.parametrize("cached", [True, False], ids=["cache-on", "cache-off"])
def test_a_sparse_multi_gigabyte_target_is_refused_with_bounded_memory(repo, cached):
    env = {**os.environ, "AIRULES_CACHE": "1" if cached else "0"}
    assert main(["--claude", "--fix"]) == 1
    # A clean run first, so that with the cache on the replay is what meets the big file.
    assert run_capped(repo, "--claude", env=env)[0] == 0
    with (repo / "CLAUDE.md").open("r+b") as f:
        f.truncate(4 * 1024 * MIB)
    for args in (["--claude"], ["--claude", "--fix"]):
        code, err, peak = run_capped(repo, *args, env=env)
        assert code == 2, err
        assert err.startswith("airules: CLAUDE.md: is 4294967296 bytes, over the"), err
        assert err.count("\n") == 1
        # Reading it would take 4 GiB; the cap alone would make that fail. What it costs:
        assert peak < 100, peak
    assert (repo / "CLAUDE.md").stat().st_size == 4 * 1024 * MIB


def test_a_fifo_target_never_hangs_a_replay_or_a_run(repo):
    assert main(["--claude", "--fix"]) == 1
    assert main(["--claude"]) == 0  # stored
    (repo / "CLAUDE.md").unlink()
    os.mkfifo(repo / "CLAUDE.md")
    # Nobody ever writes to the FIFO: a blocking open would wait for ever.
    result = subprocess.run(
        [SCRIPT, "--claude"], cwd=repo, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == (
        "airules: CLAUDE.md: is not a regular file; move it or choose another path\n"
    )


def test_a_device_in_the_repository_is_refused(repo, tmp_path):
    try:
        os.mknod(repo / "CLAUDE.md", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("making a device needs CAP_MKNOD")
    before = snapshot(tmp_path)
    for args in (["--claude"], ["--claude", "--fix"], ["--claude", "--fix", "--force"]):
        code, err, peak = run_capped(repo, *args)
        assert code == 2, err
        assert err.startswith("airules: CLAUDE.md: is not a regular file"), err
        assert peak < 100, peak
    assert snapshot(tmp_path) == before


def test_dev_files_through_the_confined_layer_are_refused():
    root = Root("/dev")
    try:
        for name in ("zero", "null", "urandom"):
            with pytest.raises(FatalError, match="is not a regular file"):
                root.read(name)
    finally:
        root.close()


def test_proc_files_are_read_within_the_limit_whatever_their_size_says():
    proc = Path(f"/proc/{os.getpid()}")
    if not (proc / "status").exists():
        pytest.skip("no /proc here")
    # /proc files say they are empty; a reader trusting st_size would read nothing, or all.
    assert (proc / "status").stat().st_size == 0
    tree = LocalTree(proc)
    assert b"Pid:" in (tree.read("status") or b"")
    # pagemap holds 8 bytes for every page of the address space: far over the limit.
    with pytest.raises(FatalError, match=f"holds more than {MAX_FILE_BYTES} bytes"):
        tree.read("pagemap")
    # The cache's own look goes through the same bounded read.
    root = Root(str(proc.resolve()))
    try:
        seen = cache.observe(root, "f", "pagemap")
    finally:
        root.close()
    assert seen[0] == "!" and "holds more than" in seen[1]


def test_the_cache_file_is_used_only_when_it_is_a_regular_file(repo, tmp_path):
    assert main(["--claude", "--fix"]) == 1
    cache_path = repo / ".git" / "airules-cache"
    assert main(["--claude"]) == 0
    assert cache_path.is_file()
    outside = tmp_path / "outside-cache"
    outside.write_bytes(b"not a cache")
    kinds = {
        "fifo": lambda: os.mkfifo(cache_path),
        "symlink": lambda: cache_path.symlink_to(outside),
        "huge": lambda: cache_path.write_bytes(b"\0") or os.truncate(cache_path, 2048 * MIB),
        "folder": lambda: cache_path.mkdir(),
    }
    for kind, make in kinds.items():
        if cache_path.is_dir() and not cache_path.is_symlink():
            cache_path.rmdir()
        else:
            cache_path.unlink(missing_ok=True)
        make()
        result = subprocess.run(
            [SCRIPT, "--claude"], cwd=repo, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, (kind, result.stderr)
        assert result.stdout == "CLAUDE.md: ok\n", kind
        assert result.stderr == "", kind
        assert outside.read_bytes() == b"not a cache", kind
