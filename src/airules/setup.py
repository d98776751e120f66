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
from airules.tree import LocalTree, Overlay

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


class Finished(Exception):
    """Setup ended the run itself (it adopted existing rules, or wrote a starter to edit
    first); `code` is the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _adopt_instead(tree: LocalTree, source: str, ids: Sequence[str], flags: bool) -> None:
    """Editors' files that already hold rules are adopted, not left beside a second set of
    rules (`cp CLAUDE.md ai-rules.md`, then --init, would hold them twice): with flags, say
    so, and write nothing."""
    from airules.adopt import holders

    found = holders(tree, ids)
    if not found:
        return
    command = " ".join(["airules-check --adopt", *(f"--{i}" for i in ids if flags)])
    missing = tree.read(source) is None
    keep = (
        ""
        if missing
        else "; or, to keep that text and add the rules after it, list the editors under "
        "`targets:` in .airules.yml and run `airules-check --fix`"
    )
    raise FatalError(
        f"{source}: {'not found' if missing else 'exists'}, and {', '.join(found)} already "
        f"hold{'s' if len(found) == 1 else ''} rules, which --init would leave beside a second "
        f"set; bring them into {source} with `{command}`{keep}"
    )


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
    later = False
    if editors:
        ids = list(dict.fromkeys(editors))
        _adopt_instead(tree, source, ids, flags=True)
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
            ids, starter, adopt, later = _ask(tree, source)
        except KeyboardInterrupt:
            print("airules: setup cancelled; nothing was written", file=sys.stderr)
            raise
        if adopt:
            from airules.adopt import run

            raise Finished(
                run(start=tree.root, config_path=config_path, editors=ids, yes=False, color=False)
            )
    text = config_text(ids, source)
    config = parse_config(text, path)
    staged = {path: text.encode("utf-8")}
    if starter is not None:
        staged[source] = starter
    # Check that the fix will succeed before writing anything, so that a target the fix
    # cannot write does not leave a config (or a starter) behind.
    for status in plan(Overlay(tree, staged), config):
        if status.state is State.ERROR:
            raise FatalError(status.message)
    from airules.engine import new_file_data

    if starter is not None:
        tree.write(source, new_file_data(tree, source, starter, None))
        print(f"{source}: created from the starter rules; make them yours", file=sys.stderr)
    tree.write(path, new_file_data(tree, path, staged[path], None))
    print(f"{path}: created for {', '.join(ids)}", file=sys.stderr)
    if later:
        print(
            f"airules: edit {source}, then run `airules-check --fix` to write "
            f"{', '.join(t.path for t in config.targets)} from it",
            file=sys.stderr,
        )
        raise Finished(1)
    return config


def _files_later(ids: Sequence[str], starter: bytes, fd_in: int, fd_out: int) -> bool:
    """After the starter is accepted and the editors chosen: show it, and ask whether their
    files are written from it now or only once the person has made it theirs."""
    paths = ", ".join(EDITORS[i].path for i in ids)
    os.write(fd_out, b"\n" + starter.replace(b"\n", b"\r\n") + b"\r\n")
    return not confirm(
        f"Write {paths} from this starter now, placeholders and all? "
        f"(N: edit {DEFAULT_SOURCE} first, then run `airules-check --fix`) [y/N] ",
        fd_in,
        fd_out,
    )


def _ask(tree: LocalTree, source: str) -> tuple[list[str], bytes | None, bool, bool]:
    """The editors picked, the starter rules to write (if accepted), whether to adopt the
    rules the chosen editors' files hold instead, and whether to leave the editors' files for
    later (the starter is to be edited first); writes nothing."""
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
    from airules.adopt import blocked_by_legacy, detected, holders

    starter = None
    missing = tree.read(source) is None
    # The starter only where no editor's file holds rules: otherwise those rules are adopted.
    elsewhere = missing and holders(tree, list(EDITORS))
    if (
        missing
        and not elsewhere
        and confirm(f"{source} not found. Create a starter {source} to edit? [y/N] ", fd_in, fd_out)
    ):
        starter = starter_rules()
    elif not elsewhere:
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
    # Legacy files (.cursorrules, .windsurfrules, a .clinerules file) count as evidence too.
    found = detected(tree.root)
    state = pick(choices, found, title=TITLE, fd_in=fd_in, fd_out=fd_out)
    if state.outcome is not Outcome.ACCEPTED:
        raise KeyboardInterrupt
    ids = list(state.chosen_ids)
    # Rules already in the chosen editors' files are adopted, not buried under a second set.
    found_rules = holders(tree, ids)
    if found_rules:
        question = (
            f"{', '.join(found_rules)} already hold rules. Bring them into {source}? You "
            "will see every change before anything is written [Y/n] "
        )
        if confirm(question, fd_in, fd_out, default=True):
            return ids, None, True, False
        if missing or blocked_by_legacy(tree, ids):
            raise FatalError(
                f"{source}: {'not found' if missing else 'exists'} and adoption declined; "
                "nothing was written. Write it yourself, or run `airules-check --adopt`"
            )
    elif missing and starter is None:
        read_rules(tree, source)
    later = starter is not None and _files_later(ids, starter, fd_in, fd_out)
    return ids, starter, False, later


def confirm(question: str, fd_in: int, fd_out: int, *, default: bool = False) -> bool:
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
        if answer in ("y", "yes") or (default and not answer):
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
