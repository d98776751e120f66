"""Benchmark `airules-pr` over a simulated organisation, against the fake GitHub of the tests
with latency added to every answer.

    python3 bench/fleet.py [--repos 1000] [--latency 0.05] [--old-sample 10] [--no-old]

Three scenarios, each a real `airules-pr --org` process:
- clean scan: every repository in sync, no pull request anywhere;
- steady night: 90% clean, 5% base moved with the same drift, 3% nothing new (a pull request
  open, nothing changed), 1% drift changed (the rules changed), 1% drift gone (fixed on the
  base: the pull request is closed);
- first rollout: every repository configured, no editor file written yet.

For each it prints the requests (every kind, as the fake counts them), the content-creating
ones, and the wall time. With `--old-sample N` it also runs the previous airules-pr (`--old-ref`,
one process per repository, as its README's matrix did) on N repositories of each kind and
extrapolates to the whole organisation, saying so. GitHub's secondary limits are
lifted in the fake and in the run for the rollout, so its wall time is the requests' own;
the README says what the limits make of it. Uses the repository's venv (`.venv`)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT / "tests"))

from fake_github import FakeGitHub  # noqa: E402

TOKEN = "ghs_bench0token1not2a3secret4xyz"
CONFIG = "targets: [claude, cursor, agents, windsurf, copilot]\n"
RULES = "# Rules\n\n- Write tests first.\n- Keep functions small.\n"
NO_LIMITS = "retries=2,backoff=0.1,writes_per_minute=1000000,writes_per_hour=1000000"
MIX = [("clean", 0.90), ("base moved", 0.05), ("nothing new", 0.03), ("drift changed", 0.01)]


def venv_bin(name: str) -> Path:
    return PROJECT / ".venv" / "bin" / name


def env_for(fake: FakeGitHub, limits: str = "") -> dict[str, str]:
    env = dict(os.environ)
    env.update(GITHUB_API_URL=fake.url, GITHUB_TOKEN=TOKEN, AIRULES_PR_LIMITS=limits)
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_REPOSITORY"):
        env.pop(name, None)
    return env


def new_pr(fake: FakeGitHub, args: list[str], limits: str = NO_LIMITS) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [venv_bin("airules-pr"), *args], env=env_for(fake, limits), capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"airules-pr {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return wall


def in_sync_files(fake: FakeGitHub) -> dict[str, bytes]:
    fake.create_repo("scratch/repo", {".airules.yml": CONFIG, "ai-rules.md": RULES})
    new_pr(fake, ["--repo", "scratch/repo"])
    fake.merge_pull("scratch/repo", 1)
    files = fake.files("scratch/repo", "main")
    del fake.repos["scratch/repo"]
    return files


def drifted() -> dict[str, bytes | str]:
    return {".airules.yml": CONFIG, "ai-rules.md": RULES, "README.md": "# Service\n"}


def reset(fake: FakeGitHub) -> None:
    fake.kinds.clear()
    fake.requests.clear()


def measure(fake: FakeGitHub, args: list[str], limits: str = NO_LIMITS) -> tuple[int, int, float]:
    reset(fake)
    wall = new_pr(fake, args, limits)
    return fake.total(), fake.content_creating(), wall


def kinds(n: int) -> dict[str, int]:
    counts = {name: round(n * share) for name, share in MIX}
    counts["drift gone"] = n - sum(counts.values())
    return counts


def build_steady(
    fake: FakeGitHub, owner: str, n: int, files: dict[str, bytes], src: Path | None = None
) -> dict[str, list[str]]:
    """The organisation the morning after a rollout (made by this code, or by the previous one from
    `src`), then the day's changes."""
    groups: dict[str, list[str]] = {}
    index = 0
    for kind, count in kinds(n).items():
        groups[kind] = [
            f"{owner}/{kind.replace(' ', '-')}-{i:04}" for i in range(index, index + count)
        ]
        index += count
        for name in groups[kind]:
            fake.create_repo(name, files if kind == "clean" else drifted())
    # Last night's run opened the pull requests.
    opened = [r for k, rs in groups.items() if k != "clean" for r in rs]
    if src is None:
        listing = Path(tempfile.mkstemp(suffix=".txt")[1])
        listing.write_text("".join(f"{r}\n" for r in opened))
        new_pr(fake, ["--repos", str(listing)])
        listing.unlink()
    else:
        for name in opened:
            old_pr(fake, src, name, fast=True)
    for name in groups["base moved"]:
        fake.push(name, "main", {"src/app.py": "print('new feature')\n"})
    for name in groups["drift changed"]:
        fake.push(name, "main", {"ai-rules.md": RULES + "- Name things well.\n"})
    for name in groups["drift gone"]:
        fake.push(name, "main", fake.files(name, "airules/sync"))
    return groups


# The last commit whose airules-pr ran one repository per process (src/airules/pr.py).
PREVIOUS = "2d37b4a"


def old_code(ref: str) -> Path:
    """The previous airules (the per-repository airules-pr) in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="airules-previous-"))
    archive = subprocess.run(
        ["git", "archive", ref, "src/airules"], cwd=PROJECT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def old_pr(fake: FakeGitHub, src: Path, repo: str, fast: bool = False) -> None:
    # As shipped: PyGithub's default pacing (0.25 s between requests, 1 s between writes);
    # `fast` (for setting up, not measured) without it.
    code = "import sys; from airules.pr import main; raise SystemExit(main(sys.argv[1:]))"
    spacing = ",request_spacing=0,write_spacing=0" if fast else ""
    env = env_for(fake, "retries=2,backoff=0.1" + spacing)
    env["PYTHONPATH"] = str(src)
    result = subprocess.run(
        [venv_bin("python"), "-c", code, "--repo", repo], env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"the previous airules-pr --repo {repo} failed:\n{result.stderr[-2000:]}")


def old_sample(
    fake: FakeGitHub, src: Path, names: list[str], weight: float
) -> tuple[float, float, float]:
    """Requests, content-creating requests and wall time of `names`, scaled by `weight`."""
    reset(fake)
    start = time.perf_counter()
    for name in names:
        old_pr(fake, src, name)
    wall = time.perf_counter() - start
    return fake.total() * weight, fake.content_creating() * weight, wall * weight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--old-sample", type=int, default=10)
    parser.add_argument("--no-old", action="store_true")
    parser.add_argument(
        "--old-ref", default=PREVIOUS, help="the commit of the previous airules-pr to compare"
    )
    args = parser.parse_args()
    n = args.repos

    fake = FakeGitHub(token=TOKEN)
    fake.secondary_per_minute = fake.secondary_per_hour = 10**9
    fake.rest_remaining = fake.graphql_remaining = 10**9
    fake.start()
    try:
        files = in_sync_files(fake)
        rows = []
        src = None if args.no_old else old_code(args.old_ref)

        # Clean scan.
        for i in range(n):
            fake.create_repo(f"clean/svc-{i:04}", files)
        fake.latency = args.latency
        rows.append(("clean scan", "this branch", *measure(fake, ["--org", "clean"])))
        if src is not None:
            sample = [f"clean/svc-{i:04}" for i in range(args.old_sample)]
            rows.append(
                (
                    "clean scan",
                    "previous (sampled)",
                    *old_sample(fake, src, sample, n / len(sample)),
                )
            )

        # Steady night.
        fake.latency = 0.0
        groups = build_steady(fake, "steady", n, files)
        fake.latency = args.latency
        rows.append(("steady night", "this branch", *measure(fake, ["--org", "steady"])))
        if src is not None:
            fake.latency = 0.0
            groups = build_steady(fake, "oldsteady", n, files, src)
            fake.latency = args.latency
            total = [0.0, 0.0, 0.0]
            for names in groups.values():
                if not names:
                    continue
                sample = names[: max(1, args.old_sample // len(groups))]
                got = old_sample(fake, src, sample, len(names) / len(sample))
                total = [a + b for a, b in zip(total, got, strict=True)]
            rows.append(("steady night", "previous (sampled)", *total))

        # First rollout.
        fake.latency = 0.0
        for i in range(n):
            fake.create_repo(f"rollout/svc-{i:04}", drifted())
            fake.create_repo(f"oldrollout/svc-{i:04}", drifted())
        fake.latency = args.latency
        rows.append(("first rollout", "this branch", *measure(fake, ["--org", "rollout"])))
        if src is not None:
            sample = [f"oldrollout/svc-{i:04}" for i in range(args.old_sample)]
            rows.append(
                (
                    "first rollout",
                    "previous (sampled)",
                    *old_sample(fake, src, sample, n / len(sample)),
                )
            )
    finally:
        fake.stop()

    print(f"\n{n} repositories, {args.latency * 1000:.0f} ms added to every answer")
    if src is not None:
        print(
            f"previous figures: {args.old_sample} repositories of each kind run one process each, "
            "scaled to the organisation (extrapolated, not measured whole)"
        )
    print("\n| scenario | code | requests | content-creating | wall time |")
    print("|---|---|---:|---:|---:|")
    for scenario, code, requests, creating, wall in rows:
        print(f"| {scenario} | {code} | {requests:,.0f} | {creating:,.0f} | {wall:,.1f} s |")


if __name__ == "__main__":
    main()
