"""The Action's hash-locked requirements are current with pyproject.toml, without the network:
every dependency and build requirement is pinned within its range, every pinned release carries
hashes, nothing is pinned that nothing needs, and (for the releases installed here) everything a
pinned release requires is pinned too."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEPENDENCIES = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
GITHUB_EXTRA = [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["github"]]
BUILD_REQUIRES = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
REGENERATE = "see requirements/README.md for the commands that regenerate the locks"


@dataclass
class Pin:
    name: str
    version: str
    marker: Marker | None
    hashes: list[str]
    via: list[str] = field(default_factory=list)


def read_lock(path: Path) -> list[Pin]:
    pins: list[Pin] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = re.match(r"([A-Za-z0-9._-]+)==(\S+)(?:\s*;\s*(.*?))?\s*\\?$", line)
        if entry:
            marker = Marker(entry.group(3)) if entry.group(3) else None
            pins.append(Pin(canonicalize_name(entry.group(1)), entry.group(2), marker, []))
        elif m := re.match(r"\s+--hash=(sha256:[0-9a-f]{64})", line):
            pins[-1].hashes.append(m.group(1))
        elif m := re.match(r"\s+# via (.+)|\s+#   (.+)", line):
            pins[-1].via.append((m.group(1) or m.group(2)).strip())
    return pins


LOCKS = {
    "check": (ROOT / "requirements/action-check.txt", DEPENDENCIES),
    "github": (ROOT / "requirements/action-github.txt", DEPENDENCIES + GITHUB_EXTRA),
}


def pinned(pins: list[Pin], name: str) -> list[Pin]:
    return [p for p in pins if p.name == canonicalize_name(name)]


@pytest.mark.parametrize("lock", LOCKS)
def test_every_requirement_is_pinned_within_its_range(lock):
    path, requirements = LOCKS[lock]
    pins = read_lock(path)
    for req in requirements + BUILD_REQUIRES:
        found = pinned(pins, req.name)
        assert found, f"{path.name}: {req} is not pinned; {REGENERATE}"
        for pin in found:
            assert req.specifier.contains(pin.version, prereleases=True), (
                f"{path.name}: {pin.name}=={pin.version} is outside {req}; {REGENERATE}"
            )


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_has_hashes_and_a_reason(lock):
    path, requirements = LOCKS[lock]
    pins = read_lock(path)
    assert pins
    names = {p.name for p in pins}
    direct = {canonicalize_name(r.name) for r in requirements}
    for pin in pins:
        assert pin.hashes, f"{path.name}: {pin.name} has no hash"
        assert pin.via, f"{path.name}: {pin.name} does not say what needs it"
        for reason in pin.via:
            if reason == "airules (pyproject.toml)":
                assert pin.name in direct, f"{path.name}: {pin.name} is no longer a dependency"
            elif reason == "-r requirements/action-build.in":
                assert pin.name in {canonicalize_name(r.name) for r in BUILD_REQUIRES}
            else:
                assert canonicalize_name(reason) in names, f"{path.name}: {pin.name} via {reason}"


def test_check_mode_lock_has_no_pygithub_and_agrees_with_the_other():
    check = read_lock(LOCKS["check"][0])
    github = read_lock(LOCKS["github"][0])
    assert not pinned(check, "PyGithub") and pinned(github, "PyGithub")
    both = {(p.name, p.version) for p in github}
    for pin in check:
        assert (pin.name, pin.version) in both, f"the locks disagree on {pin.name}"


def test_build_input_is_pyprojects_build_requirement():
    text = (ROOT / "requirements/action-build.in").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert [Requirement(line) for line in lines] == BUILD_REQUIRES


@pytest.mark.parametrize("lock", LOCKS)
def test_what_a_pinned_release_requires_is_pinned_too(lock):
    """Checked from the metadata of the releases installed in this environment, where their
    version is the pinned one; markers are evaluated for every Python the Action supports."""
    path, _ = LOCKS[lock]
    pins = read_lock(path)
    names = {p.name for p in pins}
    checked = 0
    for pin in pins:
        try:
            dist = metadata.distribution(pin.name)
        except metadata.PackageNotFoundError:
            continue
        if dist.version != pin.version:
            continue
        checked += 1
        for text in dist.requires or []:
            req = Requirement(text)
            for python in ("3.10", "3.11", "3.12", "3.13", "3.14"):
                env = {"python_version": python, "python_full_version": f"{python}.0"}
                if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                    assert canonicalize_name(req.name) in names, (
                        f"{path.name}: {pin.name} {pin.version} needs {req} on Python {python}; "
                        f"{REGENERATE}"
                    )
    if not checked:
        pytest.skip(f"no locked release is installed here, so nothing to compare; {REGENERATE}")


def test_the_lock_headers_give_the_documented_commands():
    readme = (ROOT / "requirements/README.md").read_text(encoding="utf-8")
    for path, _ in LOCKS.values():
        command = path.read_text(encoding="utf-8").splitlines()[1].lstrip("# ").strip()
        assert command.startswith("uv pip compile ")
        assert command in readme
