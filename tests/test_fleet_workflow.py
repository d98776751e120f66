"""The reusable fleet workflow, its steps run here against the fake GitHub, and every YAML
example in the README: valid YAML, workflows that zizmor passes, actions pinned by commit."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from fake_github import serving

from airules import __version__

ROOT = Path(__file__).resolve().parent.parent
FLEET = ROOT / ".github/workflows/fleet.yml"
TOKEN = "ghs_Workflow0Token1For2Tests3xyz"
PINNED = re.compile(r"[^@\s]+@[0-9a-f]{40}")


def readme_yaml() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def uses(data: object) -> list[str]:
    if isinstance(data, dict):
        found = [v for k, v in data.items() if k == "uses" and isinstance(v, str)]
        return found + [u for v in data.values() for u in uses(v)]
    if isinstance(data, list):
        return [u for v in data for u in uses(v)]
    return []


def test_every_yaml_example_in_the_readme_is_valid_and_pinned(tmp_path):
    blocks = readme_yaml()
    assert len(blocks) >= 5
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for index, block in enumerate(blocks):
        data = yaml.safe_load(block)
        if data is None:
            continue  # only comments (the schema line), which is valid YAML too
        assert isinstance(data, dict), block
        for used in uses(data):
            # airules itself is named by the release (its commit exists once it is tagged).
            if used.startswith(("OWNER/airules@", "OWNER/airules/")):
                assert used.endswith(f"@v{__version__}"), used
                continue
            assert PINNED.fullmatch(used), f"README example {index}: {used} is not pinned"
        if "jobs" in data:
            # For zizmor, airules' release stands in as a commit: it has one once tagged.
            pinned = re.sub(r"(OWNER/airules[\w./-]*)@v[\d.]+", r"\1@" + "0" * 40, block)
            (workflows / f"example-{index}.yml").write_text(pinned)
    assert len(list(workflows.iterdir())) >= 3
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run([zizmor, "--offline", workflows], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fleet_workflow_is_reusable_pinned_and_passes_zizmor():
    data = yaml.safe_load(FLEET.read_text())
    # PyYAML reads the key `on` as True.
    trigger = data.get("on", data.get(True))
    assert set(trigger) == {"workflow_call"}
    assert data["permissions"] == {}
    assert all(PINNED.fullmatch(u) for u in uses(data))
    zizmor = Path(sys.executable).parent / "zizmor"
    result = subprocess.run([zizmor, "--offline", FLEET], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def step(job: dict, name: str) -> dict:
    return next(s for s in job["steps"] if s.get("name") == name)


def bash(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True)


@pytest.fixture
def fake():
    with serving(TOKEN) as server:
        yield server


def test_fleet_workflow_steps_run_locally(fake, tmp_path):
    """Every `run:` step of the workflow, as the runner would run it, with the inputs in
    `env:` as the workflow maps them; the actions they sit between (token, Python, artifacts)
    are stood in for: a token, this venv, a copy of the report."""
    jobs = yaml.safe_load(FLEET.read_text())["jobs"]
    for i in range(5):
        fake.create_repo(
            f"acme/svc{i}",
            {".airules.yml": "targets: [claude, cursor]\n", "ai-rules.md": "# Rules\n\n- x\n"},
        )
    fake.create_repo("acme/plain", {"README.md": "# none\n"})
    base = {
        "PATH": os.environ["PATH"],
        "GITHUB_API_URL": fake.url,
        "AIRULES_PR_LIMITS": "retries=1,max_wait=1,backoff=0",
    }

    # The shards job: its output becomes the matrix.
    output = tmp_path / "shards-output"
    result = bash(
        step(jobs["shards"], "List the shards")["run"],
        {**base, "SHARDS": "3", "GITHUB_OUTPUT": str(output)},
    )
    assert result.returncode == 0, result.stderr
    shards = json.loads(output.read_text().strip().removeprefix("list="))
    assert shards == ["1/3", "2/3", "3/3"]

    reports = tmp_path / "reports"
    for index, shard in enumerate(shards):
        runner_temp = tmp_path / f"runner-{index}"
        runner_temp.mkdir()
        # The install step's venv: this one.
        (runner_temp / "airules").symlink_to(Path(sys.executable).parent.parent)
        env = {
            **base,
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_TOKEN": TOKEN,
            "OWNER": "acme",
            "SHARD": shard,
            "LABELS": "ai-rules",
            "GITHUB_STEP_SUMMARY": str(runner_temp / "summary.md"),
        }
        result = bash(step(jobs["sync"], "Sync this shard")["run"], env)
        assert result.returncode == 0, result.stderr
        # upload-artifact, then download-artifact: one folder per artifact.
        (reports / f"airules-report-{index}").mkdir(parents=True)
        shutil.copy(runner_temp / "airules-report.json", reports / f"airules-report-{index}")

    runner_temp = tmp_path / "runner-summary"
    runner_temp.mkdir()
    (runner_temp / "airules").symlink_to(Path(sys.executable).parent.parent)
    shutil.move(reports, runner_temp / "reports")
    summary = runner_temp / "summary.md"
    result = bash(
        step(jobs["summary"], "One summary for every shard")["run"],
        {**base, "RUNNER_TEMP": str(runner_temp), "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.returncode == 0, result.stderr
    text = summary.read_text()
    assert "### airules across 6 repositories" in text
    assert "5 drift, 1 not configured" in text
    assert all(len(fake.pulls(f"acme/svc{i}")) == 1 for i in range(5))
    assert all(fake.pulls(f"acme/svc{i}")[0]["labels"] == ["ai-rules"] for i in range(5))
    assert TOKEN not in text


def test_fleet_workflow_passes_update_includes(fake, tmp_path):
    """`update-includes: true` reaches airules-pr: a repository including the central rules
    gets their pin, copy and lock in its one pull request."""
    data = yaml.safe_load(FLEET.read_text())
    trigger = data.get("on", data.get(True))
    assert trigger["workflow_call"]["inputs"]["update-includes"]["default"] is False
    fake.create_repo("acme/ai-rules", {"security.md": "- Never log secrets.\n"})
    config = "targets: [claude]\ninclude:\n  - acme/ai-rules/security.md@main\n"
    fake.create_repo("acme/api", {".airules.yml": config, "ai-rules.md": "- Own.\n"})
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    (runner_temp / "airules").symlink_to(Path(sys.executable).parent.parent)
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_API_URL": fake.url,
        "AIRULES_PR_LIMITS": "retries=1,max_wait=1,backoff=0",
        "RUNNER_TEMP": str(runner_temp),
        "GITHUB_TOKEN": TOKEN,
        "OWNER": "acme",
        "SHARD": "1/1",
        "LABELS": "",
        "UPDATE_INCLUDES": "true",
    }
    result = bash(step(data["jobs"]["sync"], "Sync this shard")["run"], env)
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert "acme/api: drift; pull request created" in result.stdout
    assert "acme/ai-rules/security.md@main: pinned at" in result.stdout
    files = fake.files("acme/api", "airules/sync")
    assert b"- Never log secrets." in files[".airules/include/github/acme/ai-rules/security.md"]
    assert b"- Never log secrets." in files["CLAUDE.md"]
    assert ".airules.lock" in files


def test_readme_setup_and_ci_install_the_schema_version_the_fake_validates_against():
    # The README's opening setup command is what a newcomer runs before the tests; .ci/run is
    # what CI runs. Both must fetch the schema version tests/fake_graphql.py expects.
    from fake_graphql import SCHEMA_VERSION

    wanted = f"@octokit/graphql-schema@{SCHEMA_VERSION}"
    opening = (ROOT / "README.md").read_text().split("```sh\n", 1)[1].split("```", 1)[0]
    assert f"npm install --prefix .cache/graphql-schema {wanted}" in opening
    assert wanted in (ROOT / ".ci" / "run").read_text()
