"""First-time setup: choose the editors (from flags, or by asking in a terminal) and write
`.airules.yml`, so that the normal fix can write their files.

Every answer is collected, and the result checked, before the first byte is written; an
interrupted or cancelled setup leaves the repository as it was.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TextIO

from airules.config import CONFIG_NAMES, DEFAULT_SOURCE, Config, parse_config
from airules.engine import State, plan, read_rules
from airules.errors import FatalError
from airules.targets import EDITORS, Editor
from airules.tree import LocalTree, Tree

# Set by CI services (and `CI` by nearly all of them); nobody is there to answer a question.
CI_VARIABLES = (
    "CI",
    "CONTINUOUS_INTEGRATION",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "CIRCLECI",
    "TRAVIS",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
    "TF_BUILD",
    "BITBUCKET_BUILD_NUMBER",
    "CODEBUILD_BUILD_ID",
    "APPVEYOR",
    "DRONE",
)
FLAGS_EXAMPLE = "airules-check --init --claude --cursor"
TITLE = "Which editors should airules set up? The ones found in this repository are selected."
# Folders many tools write in, so their presence says nothing about any one editor
# (`.agents/` holds skills for several agents; Antigravity's rules are `.agents/rules/`).
_COMMON_FOLDERS = frozenset({".github", ".agents"})


def ci_variable(env: Mapping[str, str]) -> str | None:
    """The CI variable that is set, if any; "false" and "0" count as unset, as most tools do."""
    for name in CI_VARIABLES:
        value = env.get(name, "").strip()
        if value and value.lower() not in ("false", "0"):
            return name
    return None


def prompt_blocker(
    env: Mapping[str, str], stdin: TextIO | None, stdout: TextIO | None
) -> str | None:
    """Why no question may be asked here, or None when a person at a terminal can answer."""
    name = ci_variable(env)
    if name is not None:
        return f"the CI variable {name} is set"
    if not _isatty(stdin):
        return "stdin is not a terminal"
    if not _isatty(stdout):
        return "stdout is not a terminal"
    return None


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def evidence(path: str) -> tuple[str, ...]:
    """The paths whose presence shows an editor is in use: its file, and its own folder
    (`.cursor` for `.cursor/rules/ai-rules.mdc`, `.github/instructions` below the shared
    `.github`)."""
    folders = PurePosixPath(path).parts[:-1]
    if not folders or not folders[0].startswith("."):
        return (path,)
    depth = 2 if folders[0] in _COMMON_FOLDERS else 1
    if len(folders) < depth:
        return (path,)
    return (path, "/".join(folders[:depth]))


def found_editors(root: Path, editors: Iterable[Editor]) -> list[str]:
    return [e.id for e in editors if any(os.path.lexists(root / p) for p in evidence(e.path))]


def config_text(ids: Sequence[str], source: str = DEFAULT_SOURCE) -> str:
    from airules.schema import MODELINE

    width = max(len(i) for i in ids)
    lines = [
        # Editors with a YAML language server complete and check the file against the schema.
        MODELINE,
        f"# airules keeps each editor's rules file in sync with {source}: edit {source},",
        "# then run `airules-check --fix`. Add or remove editors below; `airules-check --list`",
        "# lists the ids.",
        f"source: {source}",
        "# Serve each editor the rules once: skip a file its editor reads elsewhere, point",
        "# CLAUDE.md and GEMINI.md at AGENTS.md (`airules-check --explain` shows the plan).",
        "dedupe: true",
        "targets:",
    ]
    lines += [f"  - {i:<{width}}  # {EDITORS[i].name}: {EDITORS[i].path}" for i in ids]
    return "\n".join(lines) + "\n"


def starter_rules() -> bytes:
    from importlib.resources import files

    return files("airules").joinpath("starter.md").read_bytes()


class _Staged:
    """The repository as it will be once the setup's files are written, without writing them."""

    def __init__(self, base: Tree, files: Mapping[str, bytes]) -> None:
        self.base = base
        self.files = dict(files)

    def read(self, path: str) -> bytes | None:
        return self.files[path] if path in self.files else self.base.read(path)

    def write(self, path: str, data: bytes) -> None:
        self.files[path] = data

    def readlink(self, path: str) -> str | None:
        return None if path in self.files else self.base.readlink(path)

    def symlink(self, path: str, target: str) -> bool:
        return False

    def find_files(self, name: str) -> list[str]:
        staged = [p for p in self.files if p.rsplit("/", 1)[-1] == name]
        return sorted({*self.base.find_files(name), *staged})

    def list_dir(self, folder: str) -> list[str]:
        staged = [p for p in self.files if p.startswith(folder + "/")]
        return sorted({*self.base.list_dir(folder), *staged})


def set_up(
    tree: LocalTree, editors: Sequence[str], config_path: str | None, *, required: bool
) -> Config | None:
    """Write the config for `editors`, or for the editors a person picks; its Config.

    None, having done nothing, when nobody can be asked and `required` is false: the caller then
    behaves as it does without a config.
    """
    for name in (config_path,) if config_path else CONFIG_NAMES:
        if tree.read(name) is not None:
            raise FatalError(
                f"{name}: already exists, so airules is set up here; edit its `targets:` list "
                "to change the editors, or delete it and run `airules-check --init` again"
            )
    path = config_path or CONFIG_NAMES[0]
    source = DEFAULT_SOURCE
    starter: bytes | None = None
    if editors:
        ids = list(dict.fromkeys(editors))
    else:
        blocker = prompt_blocker(os.environ, sys.stdin, sys.stdout)
        if blocker is not None:
            if not required:
                return None
            raise FatalError(
                f"{path}: not found and {blocker}, so airules cannot ask which editors to set "
                f"up; name them with flags, for example `{FLAGS_EXAMPLE}`"
            )
        try:
            ids, starter = _ask(tree, source)
        except KeyboardInterrupt:
            print("airules: setup cancelled; nothing was written", file=sys.stderr)
            raise
    text = config_text(ids, source)
    config = parse_config(text, path)
    staged = {path: text.encode("utf-8")}
    if starter is not None:
        staged[source] = starter
    # Check that the fix will succeed before writing anything, so that a target the fix
    # cannot write does not leave a config (or a starter) behind.
    for status in plan(_Staged(tree, staged), config):
        if status.state is State.ERROR:
            raise FatalError(status.message)
    if starter is not None:
        tree.write(source, starter)
        print(f"{source}: created from the starter rules; make them yours", file=sys.stderr)
    tree.write(path, staged[path])
    print(f"{path}: created for {', '.join(ids)}", file=sys.stderr)
    return config


def _ask(tree: LocalTree, source: str) -> tuple[list[str], bytes | None]:
    """The editors picked and the starter rules to write, if accepted; writes nothing."""
    try:
        import termios  # noqa: F401
    except ImportError:
        raise FatalError(
            "this platform has no termios, so airules cannot ask which editors to set up; "
            f"name them with flags, for example `{FLAGS_EXAMPLE}`"
        ) from None
    from airules.picker import Choice, Outcome, pick

    sys.stdout.flush()
    fd_in, fd_out = sys.stdin.fileno(), sys.stdout.fileno()
    starter = None
    if tree.read(source) is None and _confirm(
        f"{source} not found. Create a starter {source} to edit? [y/N] ", fd_in, fd_out
    ):
        starter = starter_rules()
    else:
        # Fail before the questions on a source the fix cannot use; after a declined
        # starter, this is the message a missing source always gets.
        read_rules(tree, source)
    choices = [
        Choice(
            e.id,
            e.name,
            e.path if e.status == "current" else f"{e.path} ({e.status})",
        )
        for e in EDITORS.values()
    ]
    found = found_editors(tree.root, EDITORS.values())
    state = pick(choices, found, title=TITLE, fd_in=fd_in, fd_out=fd_out)
    if state.outcome is not Outcome.ACCEPTED:
        raise KeyboardInterrupt
    return list(state.chosen_ids), starter


def _confirm(question: str, fd_in: int, fd_out: int) -> bool:
    while True:
        os.write(fd_out, question.encode("utf-8", "replace"))
        try:
            line = _read_line(fd_in)
        except KeyboardInterrupt:
            os.write(fd_out, b"\n")
            raise
        if line is None:
            os.write(fd_out, b"\n")
            raise KeyboardInterrupt
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
        os.write(fd_out, b"Please answer y or n.\n")


def _read_line(fd: int) -> str | None:
    """One line typed at the terminal, None at end of input. Read from the file descriptor, as
    the picker does, so that no buffer holds keys the picker should see."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1024)
        if not chunk:
            return data.decode("utf-8", "replace") if data else None
        data += chunk
    return data.decode("utf-8", "replace")
