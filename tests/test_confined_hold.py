"""A Root that holds its folders (what one replay uses) answers exactly as fresh walks do,
refuses the same paths, and closes every folder it held."""

from __future__ import annotations

import os
import sys

import pytest

if sys.platform == "win32":
    pytest.skip("the cases need symlinks and directory descriptors", allow_module_level=True)

from airules.confined import Missing, NotAFolder, Root
from airules.errors import FatalError

PATHS = [
    "CLAUDE.md",
    "docs/a.md",
    "docs/b.md",
    "docs/deep/c.md",
    "other/deep/c.md",  # same folder names, another folder
    "docs/deep/../a.md",
    "via/a.md",  # `via` is a link to `docs`
    "docs/link.md",  # a link to deep/c.md
    "docs/gone.md",
    "nowhere/x.md",
    "docs/a.md/x",  # a file where a folder should be
    "docs/into-git",  # a link into .git
    "docs/out",  # a link outside the root
]


def _answer(fs: Root, path: str, follow: bool) -> object:
    try:
        where = fs.walk(path, follow=follow)
    except Missing as e:
        return ("missing", e.linked)
    except NotAFolder as e:
        return ("not a folder", str(e))
    except FatalError as e:
        return ("refused", str(e))
    try:
        return (where.real, where.name, tuple(where.trail), where.linked, fs.identity(path))
    finally:
        where.close()


@pytest.fixture
def tree(repo, tmp_path):
    (repo / "CLAUDE.md").write_text("x\n")
    (repo / "docs" / "deep").mkdir(parents=True)
    (repo / "docs" / "a.md").write_text("a\n")
    (repo / "docs" / "b.md").write_text("b\n")
    (repo / "docs" / "deep" / "c.md").write_text("c\n")
    (repo / "other" / "deep").mkdir(parents=True)
    (repo / "other" / "deep" / "c.md").write_text("other c\n")
    (repo / "via").symlink_to("docs")
    (repo / "docs" / "link.md").symlink_to("deep/c.md")
    (repo / "docs" / "into-git").symlink_to("../.git/config")
    (tmp_path / "elsewhere").mkdir()
    (repo / "docs" / "out").symlink_to(tmp_path / "elsewhere")
    return repo


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _read(fs: Root, path: str) -> object:
    try:
        data, where = fs.read(path)
    except FatalError as e:
        return ("refused", str(e))
    return (data, None if where is None else (where.real, tuple(where.trail), where.ident))


def test_held_walks_answer_as_fresh_walks(tree):
    fresh = Root(str(tree))
    held = Root(str(tree))
    held.hold()
    try:
        for follow in (True, False):
            # Twice: the second pass goes through folders already held.
            for _ in range(2):
                for path in PATHS:
                    assert _answer(held, path, follow) == _answer(fresh, path, follow), path
                    assert _read(held, path) == _read(fresh, path), path
        assert _read(held, "docs/b.md")[0] == b"b\n"
        assert _read(held, "docs/into-git")[0] == "refused"
    finally:
        fresh.close()
        held.close()


def test_a_link_into_git_is_refused_through_a_held_folder(tree):
    fs = Root(str(tree))
    fs.hold()
    try:
        assert fs.read("docs/a.md")[0] == b"a\n"  # `docs` is held now
        with pytest.raises(FatalError, match="git folder"):
            fs.read("docs/into-git")
        with pytest.raises(FatalError, match="outside the repository"):
            fs.read("docs/out/x.md")
        with pytest.raises(FatalError, match="git folder"):
            fs.walk("docs/../.git/config")
    finally:
        fs.close()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_held_folders_are_opened_once_and_all_closed(tree):
    fs = Root(str(tree))
    before = _open_fds()
    fs.hold()
    for _ in range(3):
        for path in ("docs/a.md", "docs/b.md", "docs/deep/c.md", "via/a.md"):
            assert fs.read(path)[0]
    # `docs` and `docs/deep`, each once, however many reads went through them.
    assert _open_fds() - before == 2
    fs.release()
    assert _open_fds() == before
    # Released: walks open and close their folders again.
    assert fs.read("docs/deep/c.md")[0] == b"c\n"
    assert _open_fds() == before
    fs.hold()
    assert fs.read("docs/a.md")[0] == b"a\n"
    fs.close()
    assert _open_fds() == before - 1  # the root's own descriptor is closed too


def test_a_folder_swapped_after_it_was_held_is_seen_by_the_next_root(tree, tmp_path):
    fs = Root(str(tree))
    fs.hold()
    try:
        first = _answer(fs, "docs/a.md", True)
        # Swap `docs` for a link to a copy with the same bytes outside the tree.
        (tree / "docs").rename(tmp_path / "moved")
        (tree / "docs").symlink_to(tmp_path / "moved")
        # The held descriptor is the folder that was reached, whatever its path is now.
        assert fs.read("docs/a.md")[0] == b"a\n"
        assert _answer(fs, "docs/a.md", True) == first
    finally:
        fs.close()
    # A new Root (the next replay, or a full run) walks afresh and refuses the link.
    again = Root(str(tree))
    try:
        with pytest.raises(FatalError, match="outside the repository"):
            again.read("docs/a.md")
    finally:
        again.close()
