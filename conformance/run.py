"""Run the conformance harness: `python -m conformance [--agents a,b] [--variants all,dedupe]`.

Each agent is installed (pinned in versions.json, or the newest with --latest), then run in a
scratch repository per variant: once as airules wrote the files (copies), once with every file
tagged (which files reached the model), and once per file read with that file removed (the
controls, which show fallbacks). Results are merged into results.json and results.md.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import sys
from pathlib import Path

from conformance import analyze, harness
from conformance.agents import AGENTS, Agent
from conformance.fake_api import FakeServer

RESULTS = harness.HERE / "results.json"
TABLE = harness.HERE / "results.md"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_agent(
    agent: Agent, pin: harness.Pin, variants: list[str], today: str, airules: harness.Airules
) -> list[analyze.Run]:
    def base(variant: str) -> analyze.Run:
        run = analyze.Run(agent.key, pin.package, pin.version, today, variant, "not run")
        run.airules = airules.label
        run.note = agent.note
        return run

    if agent.blocked:
        return [_not_run(base(v), agent.blocked) for v in variants]
    try:
        where = harness.install(agent.key, pin, log)
        nodedir = harness.node_bin() if agent.node22 else None
    except harness.NotRun as e:
        return [_not_run(base(v), str(e)) for v in variants]
    paths = airules.editor_paths()
    out = []
    for variant in variants:
        log(f"{agent.key} [{variant}]")
        run = base(variant)
        try:
            scratch = harness.make_repo(variant, airules)
        except harness.NotRun as e:
            out.append(_not_run(run, str(e)))
            continue
        try:
            with FakeServer() as server:
                # Controls (one file removed at a time) for the full set of files only.
                controls = variant == "all"
                measure(agent, where, scratch, server, nodedir, run, paths, controls)
        finally:
            shutil.rmtree(scratch.root, ignore_errors=True)
        out.append(run)
    return out


def _not_run(run: analyze.Run, reason: str) -> analyze.Run:
    run.status = "not run"
    run.reason = reason
    return run


def measure(
    agent: Agent,
    where: Path,
    scratch: harness.Scratch,
    server: FakeServer,
    nodedir: Path | None,
    run: analyze.Run,
    paths: dict[str, list[str]],
    controls: bool,
) -> None:
    def once(tagged: bool, removed: str | None = None) -> tuple[analyze.Scan, str]:
        scratch.restore(tagged, removed)
        bodies, output = harness.run_once(agent, where, scratch, server, nodedir, log)
        return analyze.scan(bodies, scratch.token), output

    plain, output = once(tagged=False)
    if plain.requests == 0:
        tail = " ".join(output.strip().splitlines()[-3:])[:400]
        _not_run(run, f"sent no request to the fake model API; its output ended: {tail}")
        return
    tagged, _ = once(tagged=True)
    run.status = "ran"
    run.requests = plain.requests
    run.copies = plain.copies
    run.loaded = plain.copies > 0 or bool(tagged.tags)
    run.files_read = sorted(scratch.candidates[t] for t in tagged.tags)
    run.editors = analyze.editors_for(run.files_read, paths)
    if not controls:
        return
    for rel in run.files_read:
        scan, _ = once(tagged=True, removed=rel)
        read = sorted(scratch.candidates[t] for t in scan.tags)
        run.controls.append({"removed": rel, "files_read": read, "copies": scan.copies})


def _this_airules() -> str:
    """This checkout's commit, as results name the airules that wrote the files."""
    import subprocess

    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=harness.HERE,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    parser.add_argument("--agents", help="comma-separated keys (default: all)")
    parser.add_argument(
        "--variants",
        help=f"comma-separated config variants: {', '.join(harness.VARIANTS)} (default: all,"
        " dedupe; aider also runs the aider variant)",
    )
    parser.add_argument("--latest", action="store_true", help="newest versions, not the pins")
    parser.add_argument(
        "--airules",
        type=Path,
        help="a `src` folder of another airules to test (a branch not merged yet)",
    )
    parser.add_argument("--airules-label", help="how results name that airules")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--table", type=Path, default=TABLE)
    parser.add_argument(
        "--changes", type=Path, help="write the facts that differ from --results here"
    )
    args = parser.parse_args(argv)
    pins = harness.load_pins()
    keys = args.agents.split(",") if args.agents else list(AGENTS)
    unknown = [k for k in keys if k not in AGENTS]
    if unknown:
        parser.error(f"unknown agent(s) {', '.join(unknown)}; known: {', '.join(AGENTS)}")
    for v in (args.variants or "").split(","):
        if v and v not in harness.VARIANTS:
            parser.error(f"unknown variant {v!r}; known: {', '.join(harness.VARIANTS)}")
    if args.airules and not args.airules_label:
        parser.error("--airules needs --airules-label (how the results name that airules)")
    airules = harness.Airules(args.airules, args.airules_label or "")
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    new: list[analyze.Run] = []
    for key in keys:
        agent = AGENTS[key]
        pin = pins[key]
        if args.latest:
            pin = harness.Pin(**{**pin.__dict__, "version": harness.latest_version(pin)})
        if args.variants:
            variants = args.variants.split(",")
        else:
            variants = ["all", "dedupe", *(["aider", "aider-read"] if key == "aider" else [])]
        new.extend(run_agent(agent, pin, variants, today, airules))
    old = analyze.load_results(args.results.read_text()) if args.results.is_file() else []
    if args.changes is not None:
        args.changes.write_text("".join(line + "\n" for line in analyze.changes(old, new)))
    merged = analyze.merge(old, new)
    for r in merged:
        # Notes describe how an agent is driven, which is this checkout's table.
        if r.agent in AGENTS:
            r.note = AGENTS[r.agent].note
    args.results.write_text(analyze.dump_results(merged, today, _this_airules()))
    args.table.write_text(analyze.markdown(merged))
    print(analyze.markdown(new), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
