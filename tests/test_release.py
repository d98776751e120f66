"""Releases: one version source, `--version`, the changelog, the release workflow's shape, and a
dry run of its build steps (.ci/release-build) on a copy of this repository: build, twine check,
the wheel installed into a fresh virtual environment, `--version` and a check on a demo
repository. Publishing itself needs PyPI and GitHub, so it is checked by shape, not run."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import copy_of_this_repository, git

from airules import __version__, cli
from airules.github import cli as pr

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github/workflows"
RELEASE = yaml.safe_load((WORKFLOWS / "release.yml").read_text(encoding="utf-8"))
# PyYAML reads the key `on` as True (YAML 1.1).
TRIGGER = RELEASE.get("on", RELEASE.get(True))
PUBLISH_ACTION = "pypa/gh-action-pypi-publish"


def test_the_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]
    assert attr == {"attr": "airules.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


@pytest.mark.parametrize(
    ("main", "prog"),
    [
        pytest.param(cli.main, "airules-check", id="check"),
        pytest.param(pr.main, "airules-pr", id="pr"),
    ],
)
def test_version_option(main, prog, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"{prog} {__version__}\n"


def release_notes(changelog: Path, version: str) -> subprocess.CompletedProcess[str]:
    # The script reads the CHANGELOG.md beside its own folder.
    (changelog.parent / ".ci").mkdir(exist_ok=True)
    script = changelog.parent / ".ci/release-notes"
    shutil.copy(ROOT / ".ci/release-notes", script)
    return subprocess.run(
        [sys.executable, str(script), version], capture_output=True, text=True, check=False
    )


def test_release_notes_are_the_changelog_section_of_the_version(tmp_path):
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-01-02\n\n### Added\n- New.\n\n"
        "## [1.1.0] - 2025-12-01\n\n### Fixed\n- Old.\n\n"
        "[Unreleased]: https://example.invalid/compare\n"
    )
    assert release_notes(tmp_path / "CHANGELOG.md", "v1.2.0").stdout == "### Added\n- New.\n"
    assert release_notes(tmp_path / "CHANGELOG.md", "1.1.0").stdout == "### Fixed\n- Old.\n"
    missing = release_notes(tmp_path / "CHANGELOG.md", "1.3.0")
    assert missing.returncode == 1
    assert "CHANGELOG.md: no `## [1.3.0] - YYYY-MM-DD` section" in missing.stderr


def test_changelog_keeps_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)" in text
    assert re.search(r"^## \[Unreleased\]$", text, re.M)
    for version in re.findall(r"^## \[(\d+\.\d+\.\d+)\]", text, re.M):
        assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d\d-\d\d$", text, re.M)


# -- the workflow's shape --------------------------------------------------------------------


def uses_of(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(?:- )?uses:\s*(\S+)(.*)$", text, flags=re.M)


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_workflow_pins_actions_by_commit_with_a_version_comment(path):
    uses = uses_of(path.read_text(encoding="utf-8"))
    assert uses
    for ref, comment in uses:
        if ref == "./":
            continue  # this checkout's own action
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), (ref, comment)


def test_release_runs_on_full_version_tags_only():
    (pattern,) = TRIGGER["push"]["tags"]
    # GitHub's filter patterns: `+` repeats the previous character class.
    regex = "^" + pattern.replace(".", r"\.").replace("]+", "]+") + "$"
    assert re.match(regex, f"v{__version__}")
    for tag in ("v1", "v1.2", "latest", "v1.2.3-rc1"):
        assert not re.match(regex, tag), tag
    assert set(TRIGGER) == {"push"}


def test_release_jobs_hold_only_the_permissions_they_need():
    assert RELEASE["permissions"] == {}
    jobs = RELEASE["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["github-release"]["permissions"] == {"contents": "write"}
    for job in jobs.values():
        for step in job["steps"]:
            if "actions/checkout@" in step.get("uses", ""):
                assert step["with"]["persist-credentials"] is False


def test_publish_job_uses_trusted_publishing_in_an_environment_and_runs_no_repository_code():
    publish = RELEASE["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    steps = publish["steps"]
    assert [s["uses"].split("@")[0] for s in steps] == [
        "actions/download-artifact",
        PUBLISH_ACTION,
    ]
    # No password or token: the action exchanges the job's OIDC token.
    assert "with" not in steps[-1]
    assert all("run" not in s for s in steps)
    text = (WORKFLOWS / "release.yml").read_text(encoding="utf-8")
    ((_, comment),) = [u for u in uses_of(text) if u[0].startswith(PUBLISH_ACTION)]
    assert comment.strip() == "# v1.14.2"


def test_release_builds_with_the_dry_run_script_and_moves_the_major_tag():
    build = RELEASE["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in build]
    assert any(r.startswith("bash .ci/release-build ") for r in runs)
    assert any("--require-hashes" in r and "requirements/release.txt" in r for r in runs)
    release = RELEASE["jobs"]["github-release"]
    assert release["needs"] == "publish"
    script = "\n".join(s.get("run", "") for s in release["steps"])
    assert "gh release create" in script and "--verify-tag" in script
    assert 'major="${TAG%%.*}"' in script and "git/refs/tags/$major" in script


# -- the dry run -----------------------------------------------------------------------------


def prepare_release(repo: Path) -> str:
    """The release steps CONTRIBUTING.md gives, up to the tag: the Unreleased notes become the
    version's section, committed and tagged."""
    changelog = repo / "CHANGELOG.md"
    today = datetime.date.today().isoformat()
    text = changelog.read_text(encoding="utf-8")
    changelog.write_text(
        text.replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{__version__}] - {today}\n", 1),
        encoding="utf-8",
    )
    tag = f"v{__version__}"
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"Release {tag}")
    git(repo, "tag", "-a", tag, "-m", tag)
    return tag


@pytest.mark.skipif(
    sys.platform == "win32", reason="the release job runs on Linux (bash, venv/bin)"
)
def test_release_build_dry_run(tmp_path):
    repo = copy_of_this_repository(tmp_path / "airules")
    tag = prepare_release(repo)
    env_python = {"PYTHON": sys.executable}

    done = subprocess.run(
        ["bash", ".ci/release-build", tag, "dist"],
        cwd=repo,
        env={**_env(), **env_python},
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"release-build: {__version__} built, checked, installed and run" in done.stdout
    dist = sorted(p.name for p in (repo / "dist").iterdir())
    assert dist == [f"airules-{__version__}-py3-none-any.whl", f"airules-{__version__}.tar.gz"]
    with zipfile.ZipFile(repo / "dist" / dist[0]) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(f"airules-{__version__}.dist-info/METADATA").decode()
    assert "airules/airules.schema.json" in names and "airules/starter.md" in names
    assert f"Version: {__version__}\n" in metadata
    notes = subprocess.run(
        [sys.executable, ".ci/release-notes", tag], cwd=repo, capture_output=True, text=True
    )
    assert notes.returncode == 0 and notes.stdout.startswith("### Added\n")


@pytest.mark.skipif(sys.platform == "win32", reason="the release job runs on Linux (bash)")
def test_release_build_refuses_a_tag_that_is_not_the_version(tmp_path):
    repo = copy_of_this_repository(tmp_path / "airules")

    done = subprocess.run(
        ["bash", ".ci/release-build", "v99.0.0", "dist"],
        cwd=repo,
        env={**_env(), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
    )

    assert done.returncode == 1
    assert f"the tag v99.0.0 does not match the version {__version__}" in done.stderr
    assert not (repo / "dist").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="the release job runs on Linux (bash)")
def test_release_build_refuses_a_version_without_changelog_notes(tmp_path):
    repo = copy_of_this_repository(tmp_path / "airules")
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n- Work.\n")

    done = subprocess.run(
        ["bash", ".ci/release-build", f"v{__version__}", "dist"],
        cwd=repo,
        env={**_env(), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
    )

    assert done.returncode == 1
    assert f"CHANGELOG.md: no `## [{__version__}] - YYYY-MM-DD` section" in done.stderr


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}


# -- the README's adoption lines ---------------------------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_pins_every_action_by_commit_and_airules_by_this_version():
    uses = uses_of(README)
    assert len(uses) >= 5
    for ref, comment in uses:
        if ref.startswith(("OWNER/airules@", "OWNER/airules/.github/workflows/")):
            # Its commit exists once the release is tagged; the line names the release.
            assert ref.endswith(f"@v{__version__}") and ref.count("@") == 1, ref
        else:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
            assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", comment), (ref, comment)


def test_readme_installs_the_real_package_at_this_version():
    for line in (
        "pipx install airules",
        "uvx --from airules airules-check",
        "pip install airules",
        "pip install 'airules[github]'",
    ):
        assert line in README, line
    assert set(re.findall(r"airules(?:\[github\])?==([\d.]+)", README)) == {__version__}
    assert f"rev: v{__version__}\n" in README


def test_readme_shows_the_schema_line_init_writes():
    from airules.schema import MODELINE

    assert MODELINE in README
    assert "continue-on-error: true" in README and "if: always()" in README
