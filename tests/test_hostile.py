"""Hostile input: every bad file, path or link is refused with one clear line, and nothing changes.

Each error case runs the check, `--fix` and `--fix --force`; all three must exit 2 with one
`airules: <path>...` line on stderr, and every byte, mode and link under the test's folder (the
repository and a sentinel folder beside it) must be as it was. The second table holds inputs that
look hostile but are legitimate: they must work.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CAN_SYMLINK, POSIX, needs_symlinks

from airules.cli import main
from airules.render import render_block

RULES = "# Rules\n\n- Write tests first.\n- Keep functions small.\n"
MIB = 1024 * 1024


@dataclass(frozen=True)
class Link:
    # `{outside}` stands for the sentinel folder's absolute path.
    target: str


@dataclass(frozen=True)
class HardLink:
    # Another name for the file at `target` (root-relative).
    target: str


DIR = "<dir>"
FIFO = "<fifo>"
DELETE = "<delete>"

LEVELS = "abcdefghi"
# "Billion laughs": nine levels of nine aliases, 9**9 strings if a loader expanded it.
BOMB = (
    "".join(
        f"{name}: &{name} [{', '.join([f'*{LEVELS[i - 1]}' if i else 'lol'] * 9)}]\n"
        for i, name in enumerate(LEVELS)
    )
    + "targets: *i\n"
)
# The same bomb inside `targets:`, where the reader walks into it.
NESTED_BOMB = "targets:\n" + "".join(
    f"  - &{name} [{', '.join([f'*{LEVELS[i - 1]}' if i else 'lol'] * 9)}]\n"
    for i, name in enumerate(LEVELS)
)

BLOCK = render_block(RULES, "ai-rules.md")


def config(path: str, editor: str = "claude") -> str:
    return f"targets:\n  - id: {editor}\n    path: {path}\n"


ERRORS = [
    # The source.
    pytest.param(
        {"ai-rules.md": DELETE}, ["--claude"], "ai-rules.md: ", "create it", id="source-missing"
    ),
    pytest.param(
        {"ai-rules.md": b""}, ["--claude"], "ai-rules.md: ", "write your rules", id="source-empty"
    ),
    pytest.param(
        {"ai-rules.md": b"\n  \n\t\n"},
        ["--claude"],
        "ai-rules.md: ",
        "write your rules",
        id="source-blank",
    ),
    pytest.param(
        {"ai-rules.md": b"\xef\xbb\xbf\n \r\n\t\n"},
        ["--claude"],
        "ai-rules.md: ",
        "write your rules",
        id="source-only-a-bom-and-blanks",
    ),
    pytest.param(
        {"ai-rules.md": DIR}, ["--claude"], "ai-rules.md: ", "move it", id="source-directory"
    ),
    pytest.param(
        {"ai-rules.md": "# Règles\n".encode("latin-1")},
        ["--claude"],
        "ai-rules.md: ",
        "save it as UTF-8",
        id="source-not-utf8",
    ),
    pytest.param(
        {"ai-rules.md": b"# Rules\n\0\0\n"},
        ["--claude"],
        "ai-rules.md: ",
        "replace it",
        id="source-nul-bytes",
    ),
    pytest.param(
        {"ai-rules.md": b"- rule\n" * (MIB // 7 + 1)},
        ["--claude"],
        "ai-rules.md: ",
        "shorten it",
        id="source-over-1mib",
    ),
    pytest.param({"ai-rules.md": FIFO}, ["--claude"], "ai-rules.md: ", "move it", id="source-fifo"),
    pytest.param(
        {"ai-rules.md": Link("../outside/secret.md")},
        ["--claude"],
        "ai-rules.md: ",
        "replace the link",
        id="source-symlink-outside",
    ),
    pytest.param(
        {"ai-rules.md": Link("gone.md")},
        ["--claude"],
        "ai-rules.md: ",
        "point it at a file",
        id="source-broken-symlink",
    ),
    pytest.param(
        {".airules.yml": "source: ../outside/secret.md\ntargets: [claude]\n"},
        [],
        ".airules.yml:1: ",
        "must stay inside the repository",
        id="source-dotdot",
    ),
    pytest.param(
        {".airules.yml": "source: {outside}/secret.md\ntargets: [claude]\n"},
        [],
        ".airules.yml:1: ",
        "write it relative to the repository root",
        id="source-absolute",
    ),
    pytest.param(
        {"ai-rules.md": RULES + "<!-- airules:end -->\n"},
        ["--claude"],
        "ai-rules.md: ",
        "remove the marker",
        id="source-holds-a-marker",
    ),
    pytest.param(
        {"ai-rules.md": RULES + "```sh\nmake test\n"},
        ["--agents"],
        "ai-rules.md: ",
        "close the fence",
        id="source-unclosed-fence",
    ),
    # The config.
    pytest.param(
        {".airules.yml": "targets: [claude\n"},
        [],
        ".airules.yml:",
        "fix the syntax",
        id="config-malformed",
    ),
    pytest.param(
        {".airules.yml": "targets:\n\t- claude\n"},
        [],
        ".airules.yml:",
        "fix the syntax",
        id="config-tab-indent",
    ),
    pytest.param({".airules.yml": ""}, [], ".airules.yml: ", "list the editors", id="config-empty"),
    pytest.param(
        {".airules.yml": "- claude\n"},
        [],
        ".airules.yml:1: ",
        "must be a mapping",
        id="config-a-list",
    ),
    pytest.param(
        {".airules.yml": "targets: claude\n"},
        [],
        ".airules.yml:1: ",
        "must be a non-empty list",
        id="config-targets-a-string",
    ),
    pytest.param(
        {".airules.yml": "targets: []\n"},
        [],
        ".airules.yml:1: ",
        "must be a non-empty list",
        id="config-targets-empty",
    ),
    pytest.param(
        {".airules.yml": "source: 3\ntargets: [claude]\n"},
        [],
        ".airules.yml:1: ",
        "must be a string",
        id="config-source-a-number",
    ),
    pytest.param(
        {".airules.yml": "targets: [3]\n"},
        [],
        ".airules.yml:1: ",
        "must be a string",
        id="config-editor-a-number",
    ),
    pytest.param(
        {".airules.yml": "targets:\n  - id: claude\n    path: [CLAUDE.md]\n"},
        [],
        ".airules.yml:3: ",
        "must be a string",
        id="config-path-a-list",
    ),
    pytest.param(
        {".airules.yml": "targets: [claude]\ncolour: red\n"},
        [],
        ".airules.yml:2: ",
        "valid keys",
        id="config-unknown-key",
    ),
    pytest.param(
        {".airules.yml": "targets:\n  - id: claude\n    colour: red\n"},
        [],
        ".airules.yml:3: ",
        "valid keys",
        id="config-unknown-target-key",
    ),
    pytest.param(
        {".airules.yml": "targets: [vim]\n"},
        [],
        ".airules.yml:1: ",
        "valid editors",
        id="config-unknown-editor",
    ),
    pytest.param(
        {".airules.yml": "targets:\n  - claude\n  - claude\n"},
        [],
        ".airules.yml:3: ",
        "give one of them another `path:`",
        id="config-duplicate-target",
    ),
    pytest.param(
        {".airules.yml": "targets:\n  - claude\n  - id: agents\n    path: CLAUDE.md\n"},
        [],
        ".airules.yml:3: ",
        "give one of them another `path:`",
        id="config-duplicate-path",
    ),
    pytest.param(
        {".airules.yml": "targets: [claude]\ntargets: [agents]\n"},
        [],
        ".airules.yml:2: ",
        "appears twice",
        id="config-duplicate-key",
    ),
    pytest.param(
        {".airules.yml": config("ai-rules.md")},
        [],
        ".airules.yml:2: ",
        "is the source file itself",
        id="config-target-is-source",
    ),
    pytest.param(
        {".airules.yml": config(".airules.yml")},
        [],
        ".airules.yml:2: ",
        "choose another `path:`",
        id="config-target-is-the-config",
    ),
    pytest.param(
        {".airules.yml": config(".airules.yaml")},
        [],
        ".airules.yml:2: ",
        "choose another `path:`",
        id="config-target-is-the-other-config-name",
    ),
    pytest.param(
        {
            ".airules.yml": (
                "targets:\n  - path: .x/rules.md\n    front_matter:\n      tags: !!set {b, a, c}\n"
            )
        },
        [],
        ".airules.yml:4: ",
        "no stable order",
        id="config-front-matter-set",
    ),
    pytest.param(
        {".airules.yml": BOMB}, [], ".airules.yml:1: ", "valid keys", id="config-alias-bomb"
    ),
    pytest.param(
        {".airules.yml": NESTED_BOMB},
        [],
        ".airules.yml:2: ",
        "must be a mapping",
        id="config-alias-bomb-in-targets",
    ),
    pytest.param(
        {
            ".airules.yml": (
                "targets:\n  - id: claude\n    path: &p CLAUDE.md\n  - id: agents\n    path: *p\n"
            )
        },
        [],
        # PyYAML hands back the anchored node for an alias, so the line is the anchor's.
        ".airules.yml:3: ",
        "write values out",
        id="config-alias",
    ),
    pytest.param(
        {".airules.yml": "targets: [!!python/object/apply:os.system [touch pwned]]\n"},
        [],
        ".airules.yml:1: ",
        "must be a mapping",
        id="config-python-tag",
    ),
    pytest.param(
        {".airules.yml": b"targets: [claude]\n# \xff\n"},
        [],
        ".airules.yml: ",
        "save it as UTF-8",
        id="config-not-utf8",
    ),
    pytest.param(
        {".airules.yml": b"targets: [claude]\0\n"},
        [],
        ".airules.yml: ",
        "replace it",
        id="config-nul-bytes",
    ),
    pytest.param(
        {".airules.yml": "targets: [claude]\n" + "#" * 300_000 + "\n"},
        [],
        ".airules.yml: ",
        "shorten it",
        id="config-over-256kib",
    ),
    pytest.param(
        {".airules.yml": "targets: [claude]\n", ".airules.yaml": "targets: [agents]\n"},
        [],
        ".airules.yaml: ",
        "keep only one",
        id="config-two-files",
    ),
    pytest.param({".airules.yml": DIR}, [], ".airules.yml: ", "move it", id="config-directory"),
    pytest.param(
        {".airules.yml": Link("../outside/config.yml")},
        [],
        ".airules.yml: ",
        "replace the link",
        id="config-symlink-outside",
    ),
    pytest.param(
        {},
        ["--config", "../outside/config.yml"],
        "../outside/config.yml: ",
        "must be inside the repository",
        id="config-flag-outside",
    ),
    pytest.param(
        {},
        ["--config", "nowhere.yml"],
        "nowhere.yml: ",
        "check the --config path",
        id="config-flag-missing",
    ),
    # Target paths.
    pytest.param(
        {".airules.yml": config("../outside/CLAUDE.md")},
        [],
        ".airules.yml:3: ",
        "must stay inside the repository",
        id="target-dotdot",
    ),
    pytest.param(
        {".airules.yml": config("docs/../../outside/CLAUDE.md")},
        [],
        ".airules.yml:3: ",
        "must stay inside the repository",
        id="target-dotdot-inside-path",
    ),
    pytest.param(
        {".airules.yml": config("{outside}/CLAUDE.md")},
        [],
        ".airules.yml:3: ",
        "write it relative to the repository root",
        id="target-absolute",
    ),
    pytest.param(
        {".airules.yml": config("C:/Users/CLAUDE.md")},
        [],
        ".airules.yml:3: ",
        "write it relative to the repository root",
        id="target-drive-letter",
    ),
    pytest.param(
        {".airules.yml": config("'..\\outside\\CLAUDE.md'")},
        [],
        ".airules.yml:3: ",
        "write it with forward slashes",
        id="target-backslashes",
    ),
    pytest.param(
        {".airules.yml": config(".git/hooks/pre-commit")},
        [],
        ".airules.yml:3: ",
        "does not name a file in the working tree",
        id="target-inside-dot-git",
    ),
    pytest.param(
        {".airules.yml": config("vendor/lib/.git/config")},
        [],
        ".airules.yml:3: ",
        "does not name a file in the working tree",
        id="target-inside-nested-dot-git",
    ),
    pytest.param(
        {".airules.yml": config(".GIT/config")},
        [],
        ".airules.yml:3: ",
        "does not name a file in the working tree",
        id="target-inside-dot-git-upper-case",
    ),
    pytest.param(
        {".airules.yml": config('"CLAUDE.md\\n::error::forged"')},
        [],
        ".airules.yml:3: ",
        "rename it",
        id="target-newline-in-path",
    ),
    pytest.param(
        {".airules.yml": 'source: "rules\\tv2.md"\ntargets: [claude]\n'},
        [],
        ".airules.yml:1: ",
        "rename it",
        id="source-tab-in-path",
    ),
    pytest.param(
        {".airules.yml": config("docs/CLAUDE.md"), "docs": Link("../outside")},
        [],
        "docs/CLAUDE.md: ",
        "replace the link",
        id="target-symlinked-parent-outside",
    ),
    pytest.param(
        {".airules.yml": config("docs/CLAUDE.md"), "docs": Link("{outside}")},
        [],
        "docs/CLAUDE.md: ",
        "replace the link",
        id="target-symlinked-parent-absolute",
    ),
    pytest.param(
        {".airules.yml": config("x" * 300 + ".md")},
        [],
        "x" * 300 + ".md: ",
        "choose another path",
        id="target-name-too-long",
    ),
    # Target files.
    pytest.param({"CLAUDE.md": DIR}, ["--claude"], "CLAUDE.md: ", "move it", id="target-directory"),
    pytest.param({"CLAUDE.md": FIFO}, ["--claude"], "CLAUDE.md: ", "move it", id="target-fifo"),
    pytest.param(
        {".github": b"not a folder\n"},
        ["--copilot"],
        ".github/copilot-instructions.md: ",
        "move that file",
        id="target-parent-is-a-file",
    ),
    pytest.param(
        {"CLAUDE.md": Link("../outside/secret.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "replace the link",
        id="target-symlink-outside",
    ),
    pytest.param(
        {"CLAUDE.md": Link("{outside}/secret.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "replace the link",
        id="target-symlink-outside-absolute",
    ),
    pytest.param(
        {"CLAUDE.md": Link(os.devnull)},
        ["--claude"],
        "CLAUDE.md: ",
        "replace the link",
        id="target-symlink-to-devnull",
    ),
    pytest.param(
        {"CLAUDE.md": Link("../outside/new.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "replace the link",
        id="target-broken-symlink-outside",
    ),
    pytest.param(
        {"CLAUDE.md": Link("gone.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "point it at a file",
        id="target-broken-symlink",
    ),
    pytest.param(
        {"CLAUDE.md": Link("CLAUDE.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "choose another path",
        id="target-symlink-loop",
    ),
    pytest.param(
        {"CLAUDE.md": Link("ai-rules.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "add `mode: symlink` to this target, or delete the link",
        id="target-symlink-to-source",
    ),
    pytest.param(
        {"CLAUDE.md": Link(".airules.yml"), ".airules.yml": "targets: [claude]\n"},
        [],
        "CLAUDE.md: ",
        "replace the link",
        id="target-symlink-to-config",
    ),
    pytest.param(
        {
            "AGENTS.md": b"# Our notes\n\nKeep this.\n",
            ".cursor/rules/ai-rules.mdc": Link("../../AGENTS.md"),
        },
        ["--agents", "--cursor"],
        ".cursor/rules/ai-rules.mdc: ",
        "replace the link",
        id="target-owned-symlink-to-shared-target",
    ),
    pytest.param(
        {"AGENTS.md": b"# Our notes\n", "CLAUDE.md": Link("AGENTS.md")},
        ["--agents", "--claude"],
        "CLAUDE.md: ",
        "drop one of them",
        id="target-symlink-to-another-target",
    ),
    pytest.param(
        {
            ".airules.yml": "targets:\n  - claude\n  - id: agents\n    path: docs/CLAUDE.md\n",
            "docs": Link("."),
        },
        [],
        "docs/CLAUDE.md: ",
        "drop one of them",
        id="target-same-file-through-parent-link",
    ),
    pytest.param(
        {"CLAUDE.md": HardLink("ai-rules.md")},
        ["--claude"],
        "CLAUDE.md: ",
        "drop one of them",
        id="target-hard-link-to-source",
    ),
    pytest.param(
        {".airules.yml": "targets: [claude]\n", "CLAUDE.md": HardLink(".airules.yml")},
        [],
        "CLAUDE.md: ",
        "drop one of them",
        id="target-hard-link-to-config",
    ),
    pytest.param(
        {"CLAUDE.md": b"\x89PN\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01"},
        ["--claude"],
        "CLAUDE.md: ",
        "replace it",
        id="target-binary",
    ),
    pytest.param(
        {"CLAUDE.md": "# Notes from Zoë\n".encode("latin-1")},
        ["--claude"],
        "CLAUDE.md: ",
        "save it as UTF-8",
        id="target-not-utf8",
    ),
    pytest.param(
        {"CLAUDE.md": b"# Notes\n" + b"x" * MIB},
        ["--claude"],
        "CLAUDE.md: ",
        "shorten it",
        id="target-over-1mib",
    ),
    pytest.param(
        {".cursor/rules/ai-rules.mdc": b"\xfe\xff\0r\0u\0l\0e\0s"},
        ["--cursor"],
        ".cursor/rules/ai-rules.mdc: ",
        "replace it",
        id="owned-target-utf16",
    ),
    # Markers in shared files.
    pytest.param(
        {"CLAUDE.md": "# Mine\n<!-- airules:begin -->\nold rules\n"},
        ["--claude"],
        "CLAUDE.md:2: ",
        "add `<!-- airules:end -->`",
        id="marker-begin-without-end",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\nold rules\n<!-- airules:end -->\n"},
        ["--claude"],
        "CLAUDE.md:3: ",
        "remove it or add the begin marker",
        id="marker-end-without-begin",
    ),
    pytest.param(
        {"CLAUDE.md": f"# Mine\n{BLOCK}\nmore\n\n{BLOCK}"},
        ["--claude"],
        "CLAUDE.md:",
        "remove one of them",
        id="marker-two-blocks",
    ),
    pytest.param(
        {"CLAUDE.md": "<!-- airules:begin -->\n<!-- airules:begin -->\n<!-- airules:end -->\n"},
        ["--claude"],
        "CLAUDE.md:2: ",
        "remove one of them",
        id="marker-begin-twice",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\n  <!-- airules:begin -->\nx\n<!-- airules:end -->\n"},
        ["--claude"],
        "CLAUDE.md:2: ",
        "write it at the start of the line",
        id="marker-indented",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\n<!-- airules:begin -->\nx\n<!-- AIRULES:END -->\n"},
        ["--claude"],
        "CLAUDE.md:4: ",
        "write it at the start of the line",
        id="marker-mis-cased",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\n<!--airules:begin-->\nx\n<!-- airules:end -->\n"},
        ["--claude"],
        "CLAUDE.md:2: ",
        "write it at the start of the line",
        id="marker-without-spaces",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\n<!-- airules:begin -->\nx\n<!-- airules:end --> and more\n"},
        ["--claude"],
        "CLAUDE.md:4: ",
        "write it at the start of the line",
        id="marker-with-trailing-text",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\n<!-- airules:begin -->\n```\n<!-- airules:end -->\n```\n"},
        ["--claude"],
        "CLAUDE.md:2: ",
        "add `<!-- airules:end -->`",
        id="marker-end-only-in-a-fence",
    ),
    pytest.param(
        {"CLAUDE.md": "# Mine\n\n```sh\nmake test\n"},
        ["--claude"],
        "CLAUDE.md: ",
        "close the fence",
        id="shared-ends-in-open-fence",
    ),
    pytest.param(
        {"CLAUDE.md": f"# Mine\n\n~~~\n{BLOCK}"},
        ["--claude"],
        "CLAUDE.md: ",
        "close the fence",
        id="block-swallowed-by-open-fence",
    ),
]


def _place(text: str, outside: Path) -> str:
    return text.replace("{outside}", str(outside))


def _materialize(root: Path, outside: Path, files: dict[str, object]) -> None:
    for name, spec in files.items():
        path = root / name
        if spec == DELETE:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file() and not path.is_symlink():
            path.unlink()
        if spec == DIR:
            path.mkdir()
        elif spec == FIFO:
            if not hasattr(os, "mkfifo"):
                pytest.skip("no FIFOs on this platform")
            os.mkfifo(path)
        elif isinstance(spec, Link):
            if not CAN_SYMLINK:
                pytest.skip(needs_symlinks.kwargs["reason"])
            path.symlink_to(_place(spec.target, outside))
        elif isinstance(spec, HardLink):
            os.link(root / spec.target, path)
        elif isinstance(spec, bytes):
            path.write_bytes(spec)
        else:
            assert isinstance(spec, str)
            path.write_bytes(_place(spec, outside).encode("utf-8"))


def snapshot(top: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under `top`: kind, mode, and bytes or link target. Links are not followed."""
    out: dict[str, tuple[object, ...]] = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = Path(folder, name)
            st = path.lstat()
            key = path.relative_to(top).as_posix()
            if stat.S_ISLNK(st.st_mode):
                out[key] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                out[key] = ("file", stat.S_IMODE(st.st_mode), path.read_bytes())
            else:
                out[key] = ("other", st.st_mode)
    return out


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the repository that airules must never touch."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text("# Not yours\n")
    (folder / "config.yml").write_text("targets: [claude]\n")
    (folder / "CLAUDE.md").write_text("# Someone else's\n")
    return folder


@pytest.mark.parametrize(("files", "args", "where", "fix"), ERRORS)
def test_hostile_input_is_refused_in_one_line_and_nothing_changes(
    repo, outside, tmp_path, capsys, files, args, where, fix
):
    _materialize(repo, outside, files)
    args = [_place(arg, outside) for arg in args]
    where = _place(where, outside)
    before = snapshot(tmp_path)
    for extra in ([], ["--fix"], ["--fix", "--force"]):
        assert main([*args, *extra]) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith(f"airules: {where}"), (extra, err)
        assert err.count("\n") == 1 and err.endswith("\n"), (extra, err)
        assert fix in err, (extra, err)
        assert "Traceback" not in err
        assert snapshot(tmp_path) == before, extra


def _cap_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (512 * MIB, 512 * MIB))


@pytest.mark.skipif(not POSIX, reason="the child is capped with resource.setrlimit, POSIX only")
@pytest.mark.parametrize("bomb", [BOMB, NESTED_BOMB], ids=["top-level", "in-targets"])
def test_alias_bomb_fails_fast_with_bounded_memory(repo, tmp_path, bomb):
    (repo / ".airules.yml").write_text(bomb)
    # First in a child capped at 512 MiB of address space: a loader that expanded the aliases
    # would die there of MemoryError instead of taking the machine's memory with it.
    script = Path(sys.executable).parent / "airules-check"
    with (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [script], stdout=subprocess.DEVNULL, stderr=err, preexec_fn=_cap_memory
        )
        _, status, _ = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 2, (tmp_path / "stderr").read_text()
    assert (tmp_path / "stderr").read_text().startswith("airules: .airules.yml:")
    tracemalloc.start()
    try:
        assert main([]) == 2
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Expanded, the bomb is 9**9 strings (gigabytes); refused, it costs a few parser nodes.
    assert peak < 4 * MIB, peak


CRLF_BLOCK = BLOCK.replace("\n", "\r\n")

# (text before the block, the block or "", text after it): the text around must survive.
OK_CASES = [
    pytest.param(
        "# Mine\r\n\r\nKeep this.\r\n\r\n", CRLF_BLOCK, "\r\nAfter.\r\n", id="crlf-markers"
    ),
    pytest.param("\ufeff# Mine\r\n\r\n", CRLF_BLOCK, "", id="crlf-markers-with-bom"),
    pytest.param(
        "# Mine\n\n```markdown\n<!-- airules:begin -->\n<!-- airules:end -->\n```\n",
        "",
        "",
        id="markers-in-a-backtick-fence",
    ),
    pytest.param(
        "# Mine\n\n~~~\n<!-- airules:end -->\n~~~\n\n",
        BLOCK,
        "\n```\n<!-- airules:begin -->\n```\n",
        id="markers-in-fences-around-a-block",
    ),
    pytest.param(
        "# Mine\n\n    <!-- airules:begin -->\n    <!-- AIRULES:END -->\n",
        "",
        "",
        id="markers-in-an-indented-code-block",
    ),
    pytest.param(
        "# Mine\n\n> <!-- airules:end --> is how a block ends\n",
        "",
        "",
        id="marker-quoted-mid-line",
    ),
    pytest.param("", "", "", id="empty-shared-file"),
    pytest.param("No newline at the end", "", "", id="no-final-newline"),
    pytest.param("# Mine\r\rOld Mac line ends\r", "", "", id="lone-cr"),
    pytest.param("# Mine\n\n```sh\nmake\n```\n", BLOCK, "", id="closed-fence-before-block"),
    pytest.param(
        "# Mine\n\n```sh\nmake\n```\n",
        BLOCK,
        "\n" + "[a](" * 200_000 + "\n",
        id="pathological-inline-markdown",
    ),
    pytest.param(
        "# Zoë's notes 🚀\n\n\u05e9\u05dc\u05d5\u05dd\u202e\n\n", BLOCK, "", id="unicode-and-bidi"
    ),
]


@pytest.mark.parametrize(("before", "block", "after"), OK_CASES)
def test_legitimate_shared_file_works(repo, outside, capsys, before, block, after):
    path = repo / "CLAUDE.md"
    path.write_bytes((before + block + after).encode("utf-8"))
    # New rules, so that --fix has to rewrite the block in whatever style the file uses.
    (repo / "ai-rules.md").write_text(RULES + "- Name things well.\n")
    outside_before = snapshot(outside)
    assert main(["--claude"]) == 1
    assert main(["--claude", "--fix"]) == 1
    fixed = path.read_bytes().decode("utf-8")
    assert fixed.startswith(before) and fixed.endswith(after)
    assert "- Name things well." in fixed
    if "\r\n" in block:
        assert fixed.count("\n") == fixed.count("\r\n")
    capsys.readouterr()
    assert main(["--claude"]) == 0, capsys.readouterr().out
    assert main(["--claude", "--fix"]) == 0
    assert path.read_bytes().decode("utf-8") == fixed
    assert snapshot(outside) == outside_before


def test_owned_file_repeating_the_banner_prefix_is_just_edited(repo, capsys):
    # One 900 KB line of banner prefixes: a quadratic search took 24 s here.
    target = repo / ".cursor/rules/ai-rules.mdc"
    target.parent.mkdir(parents=True)
    target.write_text("<!-- Generated by airules from " * 30_000 + "\n")
    assert main(["--cursor"]) == 1
    assert "edited by hand" in capsys.readouterr().out
    assert main(["--cursor", "--fix", "--force"]) == 1
    assert main(["--cursor"]) == 0


@needs_symlinks
def test_symlink_inside_the_repository_is_followed(repo, outside, tmp_path):
    docs = repo / "docs"
    docs.mkdir()
    (repo / "ai-rules.md").rename(docs / "rules.md")
    (repo / "ai-rules.md").symlink_to("docs/rules.md")
    (repo / "CLAUDE.md").write_text("# Mine\n")
    assert main(["--claude", "--fix"]) == 1
    assert main(["--claude"]) == 0
    assert (docs / "rules.md").read_text() == RULES
    assert (repo / "ai-rules.md").is_symlink()


def test_readme_states_how_many_hostile_inputs_the_suite_tries():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    found = re.search(
        r"with (\d+) hostile inputs.*?: (\d+) are\s+refused.*?; (\d+) look hostile", readme, re.S
    )
    assert found, "README.md: the Guarantees section no longer counts the hostile inputs"
    assert [int(n) for n in found.groups()] == [
        len(ERRORS) + len(OK_CASES),
        len(ERRORS),
        len(OK_CASES),
    ]
