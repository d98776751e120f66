"""`airules-check`: parse the command line, run the engine, print, and choose the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from airules import __version__
from airules.config import Config, check_relpath, from_editor_ids
from airules.engine import State, apply, load_config, plan
from airules.errors import FatalError
from airules.report import check_text, fix_text, json_report
from airules.targets import EDITORS
from airules.tree import LocalTree, find_root


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airules-check",
        description="Check (or with --fix, write) every editor's rules file against ai-rules.md.",
        epilog="Exit codes: 0 in sync; 1 drift found or files changed; 2 usage or config error.",
    )
    parser.add_argument("--fix", action="store_true", help="write missing and out-of-date files")
    parser.add_argument(
        "--force", action="store_true", help="with --fix, also overwrite files edited by hand"
    )
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: .airules.yml at the root)"
    )
    parser.add_argument("--diff", action="store_true", help="show whole diffs, not the first lines")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    editors = parser.add_argument_group(
        "editors", "choose editors without a config, or limit a run to some of the configured ones"
    )
    for editor in EDITORS.values():
        editors.add_argument(
            f"--{editor.id}",
            dest="editors",
            action="append_const",
            const=editor.id,
            help=f"{editor.name} ({editor.path})",
        )
    # pre-commit may pass file names; the check always covers every target, so they are unused.
    parser.add_argument("filenames", nargs="*", help=argparse.SUPPRESS)
    return parser


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _select(config: Config | None, editors: Sequence[str]) -> Config:
    if config is None:
        if not editors:
            raise FatalError(
                ".airules.yml: not found; choose editors with flags (for example "
                "`airules-check --claude --cursor`) or create .airules.yml with "
                "`targets: [claude, cursor]`"
            )
        return from_editor_ids(editors)
    if not editors:
        return config
    configured = {t.id for t in config.targets}
    for editor in editors:
        if editor not in configured:
            raise FatalError(
                f"{config.path}: has no `{editor}` target, so --{editor} selects nothing; "
                f"add `- {editor}` under `targets:` or drop the flag"
            )
    return Config(config.source, tuple(t for t in config.targets if t.id in editors), config.path)


def _config_relpath(config: str, root: Path) -> str:
    full = Path(config).resolve()
    try:
        return check_relpath(full.relative_to(root).as_posix())
    except ValueError:
        raise FatalError(f"{config}: the config must be inside the repository ({root})") from None


def run(
    *,
    start: Path,
    config_path: str | None,
    editors: Sequence[str],
    fix: bool,
    force: bool,
    quiet: bool,
    full_diff: bool,
    fmt: str,
    color: bool,
) -> int:
    root = find_root(start)
    tree = LocalTree(root)
    rel_config = _config_relpath(config_path, root) if config_path else None
    config = _select(load_config(tree, rel_config), editors)
    statuses = plan(tree, config)
    errors = [s for s in statuses if s.state is State.ERROR]
    if fix and not errors:
        # Leftovers of a --fix that was killed mid-write. A plain check never writes, so it
        # leaves them: it may run on a read-only checkout, and they never match a target.
        tree.remove_stale_temps(s.path for s in statuses)
    written = [] if errors or not fix else apply(tree, statuses, force=force)
    if errors:
        code = 2
    elif fix:
        code = int(bool(written) or any(s.state is State.EDITED for s in statuses))
    else:
        code = int(any(s.needs_fix for s in statuses))
    if fmt == "json":
        sys.stdout.write(
            json_report(
                statuses,
                written,
                mode="fix" if fix else "check",
                source=config.source,
                config=config.path,
                exit_code=code,
            )
        )
    elif fix and not errors:
        sys.stdout.write(
            fix_text(statuses, written, source=config.source, quiet=quiet, color=color)
        )
    else:
        # Errors go to stderr below, one `airules:` line each, like every other usage error.
        shown = [s for s in statuses if s.state is not State.ERROR]
        sys.stdout.write(
            check_text(shown, source=config.source, quiet=quiet, full_diff=full_diff, color=color)
        )
    if errors:
        sys.stdout.flush()
        for status in errors:
            print(f"airules: {status.message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(
            start=Path.cwd(),
            config_path=args.config,
            editors=args.editors or (),
            fix=args.fix,
            force=args.force,
            quiet=args.quiet,
            full_diff=args.diff,
            fmt=args.format,
            color=_use_color(args.color),
        )
    except FatalError as e:
        sys.stdout.flush()
        print(f"airules: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
