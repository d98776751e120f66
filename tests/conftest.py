from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from airules.tree import NoSymlinks


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def copy_of_this_repository(dest: Path) -> Path:
    """This checkout's files as git lists them (tracked, and untracked but not ignored), as a
    release build or `uses: OWNER/airules@v1` sees them; links are left out."""
    root = Path(__file__).resolve().parent.parent
    listed = git(root, "ls-files", "-co", "--exclude-standard", "-z").split("\0")
    for name in filter(None, listed):
        source = root / name
        if source.is_file() and not source.is_symlink():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def fixed_locally(tmp_path: Path, files: dict[str, str], name: str = "local") -> dict[str, bytes]:
    """What `airules-check --fix` writes in a checkout holding `files`: what airules-pr's
    branch must hold for the same files."""
    from airules import cli

    root = tmp_path / name
    root.mkdir()
    git(root, "init", "-q")
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        cli.main(["--fix", "--quiet"])
    finally:
        os.chdir(cwd)
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Tests must not depend on the developer's git identity, colour settings or CI variables.
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh git repository with an ai-rules.md, as the current directory."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "ai-rules.md").write_text("# Rules\n\n- Write tests first.\n- Keep functions small.\n")
    monkeypatch.chdir(root)
    return root


# -- what each platform can do -----------------------------------------------------------------
# The suite runs on Linux, macOS and Windows (.github/workflows/tests.yml). A test that needs
# something a platform lacks is skipped there with the reason, and the behaviour that platform
# gets instead has its own test, named in the reason.


def _can_symlink() -> bool:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        try:
            os.symlink("target", os.path.join(folder, "link"))
        except (OSError, NotImplementedError):
            return False
    return True


POSIX = os.name == "posix"
CAN_SYMLINK = _can_symlink()

needs_posix_terminal = pytest.mark.skipif(
    not POSIX,
    reason="a pseudo-terminal (pexpect.spawn, termios) is POSIX; on Windows --init takes editor "
    "flags (test_init_with_flags_writes_config_and_files)",
)
needs_posix_modes = pytest.mark.skipif(
    not POSIX, reason="Windows keeps no permission bits but read-only, and honours no umask"
)
needs_posix_shell = pytest.mark.skipif(
    not POSIX, reason="runs scripts through /bin/sh and PATH lookups of extension-less files"
)
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
needs_symlinks = pytest.mark.skipif(
    not CAN_SYMLINK,
    reason="this system cannot create symlinks (Windows without the privilege); airules then "
    "writes copies (test_symlink_falls_back_to_a_copy_where_git_has_symlinks_off)",
)


@pytest.fixture
def git_symlinks(repo: Path) -> Path:
    """`repo`, where airules will make symlinks: skipped where git checks them out as plain files
    (core.symlinks=false, as Git for Windows sets it when it cannot make them)."""
    if not CAN_SYMLINK:
        pytest.skip(needs_symlinks.kwargs["reason"])
    configured = subprocess.run(
        ["git", "config", "--bool", "core.symlinks"], cwd=repo, capture_output=True, text=True
    ).stdout.strip()
    if configured == "false":
        pytest.skip("git has core.symlinks=false here: airules writes copies, tested on its own")
    return repo


class MemoryTree(NoSymlinks):
    """A repository held in a dict, as a branch read through an API is: the `Tree` protocol
    and nothing else, no symlinks. `writes` counts the writes."""

    def __init__(self, files: Mapping[str, str | bytes]) -> None:
        self.files = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
        self.writes = 0

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def write(self, path: str, data: bytes) -> None:
        self.files[path] = data
        self.writes += 1

    def find_files(self, name: str) -> list[str]:
        return sorted(p for p in self.files if p.rsplit("/", 1)[-1] == name)

    def list_dir(self, folder: str) -> list[str]:
        return sorted(p for p in self.files if p.startswith(folder + "/"))
