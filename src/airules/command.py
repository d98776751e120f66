"""`airules-check` past the replay cache: parse the command line, run the engine, print, and
choose the exit code. `airules.cli` hands over to `run_command` when the cache cannot answer.
"""

from __future__ import annotations

import os
import sys

from airules import __version__, cache
from airules.errors import FatalError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from airules.config import Config
    from airules.orphans import Orphan


def _parser() -> argparse.ArgumentParser:
    import argparse

    from airules.targets import EDITORS

    parser = argparse.ArgumentParser(
        prog="airules-check",
        description="Check (or with --fix, write) every editor's rules file against ai-rules.md.",
        epilog="Exit codes: 0 in sync; 1 drift found or files changed; 2 usage or config error.",
    )
    parser.add_argument("--fix", action="store_true", help="write missing and out-of-date files")
    parser.add_argument(
        "--init",
        action="store_true",
        help="first-time setup: write .airules.yml for the editor flags given (in a terminal "
        "without flags, ask which editors), then write their files",
    )
    parser.add_argument(
        "--force", action="store_true", help="with --fix, also overwrite files edited by hand"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="fetch the `include:` rules at what their refs name now, pin them in .airules.lock "
        "and vendor them, then write the files as --fix does (the only option using the network)",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: .airules.yml at the root)"
    )
    parser.add_argument(
        "--adopt",
        action="store_true",
        help="bring the rules the editors' files hold now into ai-rules.md: shows the result "
        "and writes it after you confirm (or with --yes)",
    )
    parser.add_argument("--yes", action="store_true", help="with --adopt, write without asking")
    parser.add_argument(
        "--prune",
        action="store_true",
        help="with --fix, remove files and blocks airules generated for targets no longer "
        "configured (only when unchanged since airules wrote them)",
    )
    parser.add_argument("--diff", action="store_true", help="show whole diffs, not the first lines")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too (files editors would miss)"
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the editors airules knows (--format json: the registry as data)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print, per editor, the files it reads and how many times the rules reach it",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="github: the text report plus annotations and a job summary for GitHub Actions",
    )
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    parser.add_argument(
        "--install-hook",
        action="store_true",
        help="install a git pre-commit hook that runs airules-check (--force replaces another)",
    )
    parser.add_argument(
        "--install-merge-driver",
        action="store_true",
        help="configure a git merge driver so generated files never conflict in a merge",
    )
    parser.add_argument("--merge-driver", nargs=4, help=argparse.SUPPRESS)
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
    import dataclasses

    from airules.config import from_editor_ids

    if config is None:
        if not editors:
            raise FatalError(
                ".airules.yml: not found; choose editors with flags (for example "
                "`airules-check --claude --cursor`), set up with `airules-check --init`, or "
                "create .airules.yml with `targets: [claude, cursor]`"
            )
        return from_editor_ids(editors)
    if not editors:
        return config
    configured = {t.id for t in config.targets if not t.custom}
    for editor in editors:
        if editor not in configured:
            raise FatalError(
                f"{config.path}: has no `{editor}` target, so --{editor} selects nothing; "
                f"add `- {editor}` under `targets:` or drop the flag"
            )
    from airules.planner import arrange

    # Arranged over the whole config first, so that limiting a run to some editors does not
    # change which files serve them.
    arranged = arrange(config.targets, config.dedupe)
    chosen = tuple(t for t in arranged if not t.custom and t.id in editors)
    return dataclasses.replace(config, targets=chosen)


def _config_relpath(config: str, root: Path) -> str:
    from pathlib import Path

    from airules.config import check_relpath

    full = Path(config).resolve()
    try:
        return check_relpath(full.relative_to(root).as_posix())
    except ValueError:
        raise FatalError(f"{config}: the config must be inside the repository ({root})") from None


def _memo_parse(root: str, learned: list[tuple[object, object]]) -> Callable[[str, str], Config]:
    """parse_config, remembered by the config's exact text: PyYAML costs a drifted check more
    than anything else it does, and the config rarely changes when the rules do. What it
    learns goes into `learned`, for the caller to keep once the run has gone well."""
    from airules.config import config_from_data, config_to_data, parse_config

    def parse(text: str, name: str) -> Config:
        key = ("config", name, text)
        data = cache.recall(root, key)
        if data is not None:
            try:
                return config_from_data(data)
            except (TypeError, ValueError):
                pass  # stored by another shape of Config: parse again
        config = parse_config(text, name)
        learned.append((key, config_to_data(config)))
        return config

    return parse


def run(
    *,
    start: Path,
    config_path: str | None,
    editors: Sequence[str],
    fix: bool,
    force: bool,
    init: bool = False,
    quiet: bool,
    full_diff: bool,
    fmt: str,
    color: bool,
    strict: bool = False,
    prune: bool = False,
    argv: Sequence[str] | None = None,
    update: bool = False,
) -> int:
    from airules.engine import State, TargetStatus, advise, apply, expand, load_config, plan
    from airules.report import check_text, fix_text, json_report
    from airules.tree import LocalTree, find_root

    root = find_root(start)
    # The recorder notes what every read saw, so an identical clean run can be replayed.
    local = LocalTree(root)
    tree = cache.Recorder(local, str(root))
    rel_config = _config_relpath(config_path, root) if config_path else None
    learned: list[tuple[object, object]] = []
    config = None if init else load_config(tree, rel_config, _memo_parse(str(root), learned))
    created = None
    if init or (fix and config is None and not editors):
        # First-time setup, and the picker it may show, load only when there is no config.
        from airules.setup import Finished, set_up

        try:
            config = created = set_up(local, editors, rel_config, required=init)
        except Finished as done:  # it adopted existing rules, or wrote a starter to edit
            return done.code
    fix = fix or init or update
    updated: list[str] = []
    if update:
        # The one step that touches the network; the plan below reads only the vendored copies.
        from airules.update import update_includes

        said, updated = update_includes(local, config, os.environ)
        if not quiet or updated:
            # JSON readers get the report alone on stdout.
            (sys.stderr if fmt == "json" else sys.stdout).write(said)
    config = _select(config, editors)
    targets = expand(tree, config)
    statuses = plan(tree, config, targets)
    errors = [s for s in statuses if s.state is State.ERROR]
    if fix and not errors:
        # Leftovers of a --fix that was killed mid-write. A plain check never writes, so it
        # leaves them: it may run on a read-only checkout, and they never match a target.
        local.remove_stale_temps(s.path for s in statuses)
    failed: list[TargetStatus] = []
    written = [] if errors or not fix else apply(tree, statuses, force=force, failed=failed)
    if failed:
        # A write that failed part way: say which files were written and which were not.
        by_path = {status.path: status for status in failed}
        statuses = [by_path.get(status.path, status) for status in statuses]
    warnings = [] if errors or failed else advise(tree, config, targets, statuses)
    # Every planned path is spoken for, scoped rule files and ones a rule's removal deletes too.
    planned = [*(t.path for t in targets), *(s.path for s in statuses)]
    sources = [s.source for s in statuses if s.source]
    orphans, pruned = _orphans(
        tree, config, planned, sources, editors, errors, fix=fix, prune=prune
    )
    if errors or (failed and not written):
        code = 2
    elif failed:
        code = 1
    elif fix:
        code = int(
            bool(written or updated)
            or created is not None
            or any(s.state is State.EDITED for s in statuses)
        )
    else:
        code = int(any(s.needs_fix for s in statuses))
    # A target that cannot be read is a usage error like a bad config: one line each, on
    # stderr, and nothing written.
    from airules.safetext import line

    err = "".join(f"airules: {line(status.message)}\n" for status in errors + failed)
    if strict and any(not w.note for w in warnings):
        code = max(code, 1)
    if orphans:
        code = max(code, 1)
    out = ""
    from airules.howto import how_to

    how = how_to(os.environ)
    if fmt == "json":
        out = json_report(
            statuses,
            written,
            mode="fix" if fix else "check",
            source=config.source,
            config=config.path,
            exit_code=code,
            warnings=warnings,
            orphans=[(o.path, o.message, o in pruned) for o in orphans],
        )
    elif errors and fmt != "github":
        pass
    else:
        if fix and not errors:
            out = fix_text(
                statuses,
                written,
                source=config.source,
                quiet=quiet,
                color=color,
                warnings=warnings,
                strict=strict,
                how=how,
            )
        else:
            # Errors go to stderr, one `airules:` line each, like every other usage error.
            out = check_text(
                [s for s in statuses if s.state is not State.ERROR],
                source=config.source,
                quiet=quiet,
                full_diff=full_diff,
                color=color,
                warnings=warnings,
                strict=strict,
                how=how,
            )
        if orphans:
            from airules.orphans import report_lines

            out += "".join(report_lines(orphans, pruned, how.prune))
        if fmt == "github":
            from airules.actions import publish_check

            out = publish_check(
                statuses, out, source=config.source, environ=os.environ, written=written
            )
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    # A run that found bad input leaves the repository, its git folder included, as it was.
    for key, value in [] if errors else learned:
        cache.remember(str(root), key, value)
    # GitHub's format also writes the step outputs and summary, which a replay would not.
    if code == 0 and created is None and argv is not None and fmt != "github":
        cache.store(argv, str(root), tree.inputs, out, err)
    return code


def _orphans(
    tree: cache.Recorder,
    config: Config,
    planned: Sequence[str],
    sources: Sequence[str],
    editors: Sequence[str],
    errors: Sequence[object],
    *,
    fix: bool,
    prune: bool,
) -> tuple[list[Orphan], list[Orphan]]:
    """Generated files no target produces any more, and those --prune removed. Only against a
    config file and all of its targets: editor flags would make every other target look
    orphaned."""
    if errors or editors or config.path is None:
        return [], []
    from airules import orphans

    found = orphans.find(tree, planned, {config.source, config.path, *sources})
    pruned = orphans.prune(tree, found) if fix and prune else []
    return found, pruned


def _install_merge_driver(start: Path, config_path: str | None) -> int:
    from airules.engine import expand, load_config
    from airules.mergedriver import install
    from airules.tree import LocalTree, find_root

    root = find_root(start)
    tree = LocalTree(root)
    rel_config = _config_relpath(config_path, root) if config_path else None
    config = load_config(tree, rel_config)
    if config is None:
        raise FatalError(
            ".airules.yml: not found, so airules does not know which files it generates; "
            "set up first with `airules-check --init`"
        )
    paths = [t.path for t in expand(tree, config) if t.mode != "symlink"]
    sys.stdout.write(install(tree, root, paths))
    return 0


def explain(*, start: Path, config_path: str | None, editors: Sequence[str], fmt: str) -> int:
    """`--explain`: the plan, per editor; reads only the config."""
    from airules.engine import expand, load_config
    from airules.report import explain_json, explain_text
    from airules.tree import LocalTree, find_root

    root = find_root(start)
    tree = LocalTree(root)
    rel_config = _config_relpath(config_path, root) if config_path else None
    config = _select(load_config(tree, rel_config), editors)
    targets = expand(tree, config)
    text = explain_json(targets, config) if fmt == "json" else explain_text(targets, config)
    sys.stdout.write(text)
    return 0


def run_command(args_list: list[str]) -> int:
    """Everything `airules-check` does that the replay cache did not answer."""
    args = _parser().parse_args(args_list)
    if args.list:
        from airules.report import editors_json, editors_table

        sys.stdout.write(editors_json() if args.format == "json" else editors_table())
        return 0
    from pathlib import Path

    try:
        if args.update and args.init:
            raise FatalError("--update: updates the includes of an existing config; drop --init")
        if args.prune and not args.fix:
            raise FatalError("--prune: works only with --fix; run `airules-check --fix --prune`")
        if args.adopt:
            from airules.adopt import run as adopt

            return adopt(
                start=Path.cwd(),
                config_path=args.config,
                editors=args.editors or (),
                yes=args.yes,
                color=_use_color(args.color),
            )
        if args.merge_driver:
            from airules.mergedriver import main_merge_driver

            return main_merge_driver(args.merge_driver)
        if args.install_merge_driver:
            return _install_merge_driver(Path.cwd(), args.config)
        if args.install_hook:
            if args.fix or args.config or args.editors:
                raise FatalError("--install-hook: takes no options but --force; run it alone")
            from airules.hook import install_hook  # subprocess is not needed on the check path

            sys.stdout.write(install_hook(Path.cwd(), force=args.force))
            return 0
        if args.explain:
            if args.fix or args.init:
                raise FatalError("--explain: changes nothing; run it without --fix and --init")
            return explain(
                start=Path.cwd(),
                config_path=args.config,
                editors=args.editors or (),
                fmt=args.format,
            )
        return run(
            start=Path.cwd(),
            config_path=args.config,
            editors=args.editors or (),
            fix=args.fix,
            force=args.force,
            init=args.init,
            quiet=args.quiet,
            full_diff=args.diff,
            fmt=args.format,
            color=_use_color(args.color),
            strict=args.strict,
            prune=args.prune,
            # A run that fetched is never replayed: the next --update must ask the network.
            argv=None if args.update else args_list,
            update=args.update,
        )
    except FatalError as e:
        if args.format == "github":
            from airules.actions import error_annotation

            sys.stdout.write(error_annotation(str(e)))
        sys.stdout.flush()
        from airules.safetext import line

        print(f"airules: {line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
