"""Benchmark airules-check against the interpreter floor (and rulesync, when npm can get it).

    python3 bench/run.py [--rounds N] [--no-rulesync]

Builds a private virtual environment with a regular (non-editable) install of this checkout,
builds fixture repositories in a temporary folder, and times every command interleaved with the
venv's `python -c pass` in the same run. Prints a Markdown table of medians, ratios to the floor,
and peak memory (max RSS of a run, from GNU time). Uses only the standard library.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
RULESYNC_VERSION = "17"
RULESYNC_TARGETS = "claudecode,cursor,windsurf,copilot,agentsmd"
FIVE = ["claude", "cursor", "windsurf", "copilot", "agents"]
TIME = "/usr/bin/time"  # GNU time, for peak memory


def sh(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def rules_text(size: int = 4096) -> str:
    """A realistic rules file: headings, bullets, and one fenced code example."""
    parts = [
        "# Project rules\n\nThese rules apply to every change in this repository.\n\n",
        "## Commands\n\n```sh\nmake test\nmake lint\n```\n\n## Conventions\n\n",
    ]
    i = 0
    while sum(map(len, parts)) < size:
        parts.append(f"- Rule {i}: prefer small, well-named functions; test behaviour, not code.\n")
        i += 1
    return "".join(parts)[:size].rsplit("\n", 1)[0] + "\n"


def make_repo(path: Path, env: dict[str, str]) -> None:
    path.mkdir(parents=True)
    sh("git", "init", "-q", "-b", "main", cwd=path, env=env)


def commit_all(path: Path, env: dict[str, str]) -> None:
    sh("git", "add", "-A", cwd=path, env=env)
    sh("git", "commit", "-q", "-m", "fixture", cwd=path, env=env)


@dataclass
class Case:
    name: str
    cmd: list[str]
    cwd: Path
    # Runs before each timed run, untimed (e.g. restore a drifted tree before --fix).
    reset: Callable[[], None] | None = None
    env: dict[str, str] | None = None
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    expect: tuple[int, ...] = (0,)


def time_once(case: Case) -> None:
    if case.reset is not None:
        case.reset()
    start = time.perf_counter()
    proc = subprocess.run(
        case.cmd, cwd=case.cwd, env=case.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in case.expect:
        raise SystemExit(
            f"{case.name}: exit {proc.returncode}, expected {case.expect}: {proc.stderr!r}"
        )
    case.times.append(elapsed)


def peak_rss_kib(case: Case) -> int | None:
    """Max RSS of one run, from GNU time, which forks the command from a small process.

    (wait4's figure would include the pages of this large benchmark process, inherited
    across fork and folded in at exec.)
    """
    if not os.access(TIME, os.X_OK):
        return None
    if case.reset is not None:
        case.reset()
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run(
            [TIME, "-f", "%M", "-o", out.name, *case.cmd],
            cwd=case.cwd,
            env=case.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return int(out.read().split()[-1])


def build_venv(work: Path) -> Path:
    venv = work / "venv"
    sh(sys.executable, "-m", "venv", venv)
    py = venv / "bin" / "python"
    sh(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    sh(py, "-m", "pip", "install", "--quiet", PROJECT)
    return venv


def registry_ids(py: Path) -> list[str]:
    out = sh(py, "-c", "from airules.targets import EDITORS; print(' '.join(EDITORS))")
    return out.split()


def airules_fixture(
    path: Path,
    ids: list[str],
    env: dict[str, str],
    check: Path,
    nested: int = 0,
    files: int = 0,
    scoped: int = 0,
) -> None:
    make_repo(path, env)
    (path / "ai-rules.md").write_text(rules_text())
    if scoped:
        (path / "ai-rules").mkdir()
    for n in range(scoped):
        front = f"---\npaths: [src/mod{n}/**, tests/mod{n}/**]\ndescription: Module {n}\n---\n\n"
        (path / "ai-rules" / f"mod{n:02d}.md").write_text(front + rules_text(512))
    config = "targets:\n" + "".join(f"  - {i}\n" for i in ids)
    if nested:
        config = "nested: true\n" + config
    (path / ".airules.yml").write_text(config)
    for n in range(files):
        folder = path / f"pkg{n % max(nested, 1):03d}" / f"mod{n // 1000}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{n}.py").write_text(f"X = {n}\n")
    for n in range(nested):
        (path / f"pkg{n:03d}" / "ai-rules.md").write_text(rules_text(1024))
    commit_all(path, env)
    # Exit 1 here: --fix wrote the targets.
    subprocess.run([check, "--fix"], cwd=path, env=env, capture_output=True, check=False)
    commit_all(path, env)
    # Warm the cache (a no-op when inputs are unchanged) and prove the fixture is clean.
    sh(check, cwd=path, env=env)


def includes_fixture(path: Path, env: dict[str, str], check: Path, work: Path) -> None:
    """The five-editor fixture with two included files from a central git repository (by
    file:// URL), pinned and vendored by `airules-check --update`."""
    central = work / "central-work"
    make_repo(central, env)
    (central / "security.md").write_text(rules_text(2048))
    (central / "commits.md").write_text(rules_text(1024))
    commit_all(central, env)
    bare = work / "central.git"
    sh("git", "clone", "-q", "--bare", central, bare, env=env)
    make_repo(path, env)
    (path / "ai-rules.md").write_text(rules_text())
    includes = "".join(
        f"  - {bare.as_uri()}//{name}@main\n" for name in ("security.md", "commits.md")
    )
    config = "targets:\n" + "".join(f"  - {i}\n" for i in FIVE) + "include:\n" + includes
    (path / ".airules.yml").write_text(config)
    commit_all(path, env)
    subprocess.run([check, "--update"], cwd=path, env=env, capture_output=True, check=False)
    commit_all(path, env)
    sh(check, cwd=path, env=env)


def rulesync_fixture(path: Path, env: dict[str, str], work: Path) -> Path | None:
    npm = shutil.which("npm")
    if npm is None:
        return None
    tools = work / "rulesync"
    tools.mkdir()
    try:
        subprocess.run(
            [npm, "install", "--silent", "--no-audit", "--no-fund", f"rulesync@{RULESYNC_VERSION}"],
            cwd=tools,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    exe = tools / "node_modules" / ".bin" / "rulesync"
    make_repo(path, env)
    rules = path / ".rulesync" / "rules"
    rules.mkdir(parents=True)
    front = '---\nroot: true\ntargets: ["*"]\ndescription: Project rules\nglobs: ["**/*"]\n---\n'
    (rules / "overview.md").write_text(front + rules_text())
    sh(exe, "generate", "--targets", RULESYNC_TARGETS, "--features", "rules", cwd=path, env=env)
    commit_all(path, env)
    return exe


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--no-rulesync", action="store_true")
    parser.add_argument("--files", type=int, default=10_000, help="tracked files in the monorepo")
    args = parser.parse_args()

    env = git_env()
    with tempfile.TemporaryDirectory(prefix="airules-bench-") as tmp:
        work = Path(tmp)
        env["HOME"] = str(work)
        print("building a venv with this checkout installed ...", file=sys.stderr)
        venv = build_venv(work)
        py = venv / "bin" / "python"
        check = venv / "bin" / "airules-check"
        ids = registry_ids(py)

        print("building fixtures ...", file=sys.stderr)
        five = work / "five"
        airules_fixture(five, FIVE, env, check)
        every = work / "every"
        airules_fixture(every, ids, env, check)
        scoped = work / "scoped"
        airules_fixture(scoped, ids, env, check, scoped=20)
        nested_cases = []
        for n in (50, 200):
            mono = work / f"mono{n}"
            airules_fixture(mono, ["agents", "claude"], env, check, nested=n, files=args.files)
            nested_cases.append((n, mono))

        included = work / "included"
        includes_fixture(included, env, check, work)

        drifted = work / "drifted"
        airules_fixture(drifted, FIVE, env, check)
        (drifted / "ai-rules.md").write_text(rules_text() + "- One more rule.\n")
        fixdir = work / "fix"
        airules_fixture(fixdir, FIVE, env, check)
        snapshot = {
            p: p.read_bytes()
            for p in fixdir.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(fixdir).parts
        }
        (fixdir / "ai-rules.md").write_text(rules_text() + "- One more rule.\n")
        drifted_snapshot = {p: p.read_bytes() for p in snapshot}

        def restore() -> None:
            for p, data in drifted_snapshot.items():
                p.write_bytes(data)

        no_cache = dict(env, AIRULES_CACHE="0")
        cases = [
            Case("python -c pass (floor)", [str(py), "-c", "pass"], five, env=env),
            Case("clean check, 5 editors", [str(check)], five, env=env),
            Case("clean check, 5 editors, cache off", [str(check)], five, env=no_cache),
            Case(f"clean check, every editor ({len(ids)})", [str(check)], every, env=env),
            Case(
                f"clean check, every editor ({len(ids)}), 20 scoped rules",
                [str(check)],
                scoped,
                env=env,
            ),
            Case(
                f"clean check, every editor ({len(ids)}), 20 scoped rules, cache off",
                [str(check)],
                scoped,
                env=no_cache,
            ),
            Case(
                f"clean check, every editor ({len(ids)}), cache off",
                [str(check)],
                every,
                env=no_cache,
            ),
        ]
        cases += [
            Case("clean check, 5 editors, 2 includes", [str(check)], included, env=env),
            Case(
                "clean check, 5 editors, 2 includes, cache off",
                [str(check)],
                included,
                env=no_cache,
            ),
        ]
        for n, mono in nested_cases:
            cases.append(
                Case(
                    f"git ls-files, {args.files} files ({n} nested)",
                    ["git", "ls-files"],
                    mono,
                    env=env,
                )
            )
            cases.append(
                Case(f"clean check, nested {n} in {args.files} files", [str(check)], mono, env=env)
            )
            cases.append(
                Case(f"clean check, nested {n}, cache off", [str(check)], mono, env=no_cache)
            )
        cases += [
            Case(
                "drifted check (diff printed), 5 editors",
                [str(check)],
                drifted,
                env=env,
                expect=(1,),
            ),
            Case(
                "--fix, 5 editors",
                [str(check), "--fix"],
                fixdir,
                env=env,
                reset=restore,
                expect=(1,),
            ),
        ]
        if not args.no_rulesync:
            rs_dir = work / "rulesync-fixture"
            exe = rulesync_fixture(rs_dir, env, work)
            if exe is None:
                print("rulesync: skipped (npm or the package is not available)", file=sys.stderr)
            else:
                cases.append(
                    Case(
                        "rulesync generate --check, same rules (4 files)",
                        [
                            str(exe),
                            "generate",
                            "--targets",
                            RULESYNC_TARGETS,
                            "--features",
                            "rules",
                            "--check",
                        ],
                        rs_dir,
                        env=env,
                    )
                )
        else:
            print("rulesync: skipped (--no-rulesync)", file=sys.stderr)

        print(
            f"timing {len(cases)} commands x {args.rounds} rounds, interleaved ...", file=sys.stderr
        )
        for case in cases:  # one untimed warm-up each (file cache, .pyc)
            time_once(case)
            case.times.clear()
        for _ in range(args.rounds):
            for case in cases:
                time_once(case)
        for case in cases:
            for _ in range(3):
                kib = peak_rss_kib(case)
                if kib is not None:
                    case.rss.append(kib)

    floor = statistics.median(cases[0].times)
    print(
        f"\n{args.rounds} rounds, medians; ratio = median / median of the venv's `python -c pass`"
    )
    print(f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)\n")
    print("| command | median ms | ratio | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    for case in cases:
        median = statistics.median(case.times)
        rss = f"{max(case.rss) / 1024:.1f}" if case.rss else "n/a"
        print(f"| {case.name} | {median * 1000:.1f} | {median / floor:.2f}x | {rss} |")
    if not cases[0].rss:
        print(f"\nPeak memory needs GNU time at {TIME} (Debian package `time`).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
