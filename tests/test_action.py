"""action.yml run step by step with bash, the way the Actions runner runs a composite action:
inputs expanded into each step's `env:`, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY set, step outputs read back, and the action's outputs mapped from them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import copy_of_this_repository, git
from fake_github import serving
from packaging.utils import canonicalize_name

from airules import cli
from airules.actions import escape_data, escape_property

ROOT = Path(__file__).resolve().parents[1]
ACTION_TEXT = (ROOT / "action.yml").read_text()
ACTION = yaml.safe_load(ACTION_TEXT)
TOKEN = "ghs_ActionToken0For1Tests2Only3abc"
RULES = "# Rules\n\n- Write tests first.\n"
CONFIG = "targets: [claude, cursor]\n"


# -- a small evaluator of the expressions action.yml uses ----------------------------------

_TOKEN_RE = re.compile(r"\s*(?:('(?:[^']|'')*')|(==|!=|&&|\|\||!|\(|\))|([A-Za-z_][\w.-]*))")


def evaluate(expr: str, context: dict[str, Any]) -> Any:
    """GitHub's expression syntax, as far as action.yml uses it: literals, context lookups,
    ==, !=, !, &&, || (which return an operand, like JavaScript) and parentheses."""
    tokens = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        match = _TOKEN_RE.match(expr, pos)
        assert match and match.end() > pos, f"cannot parse {expr!r} at {pos}"
        tokens.append(match.group(1) or match.group(2) or match.group(3))
        pos = match.end()
    tokens.append("")

    def lookup(name: str) -> Any:
        value: Any = context
        for part in name.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        return value

    def primary(i: int) -> tuple[Any, int]:
        token = tokens[i]
        if token == "!":
            value, i = primary(i + 1)
            return not value, i
        if token == "(":
            value, i = either(i + 1)
            assert tokens[i] == ")"
            return value, i + 1
        if token.startswith("'"):
            return token[1:-1].replace("''", "'"), i + 1
        if token in ("true", "false"):
            return token == "true", i + 1
        return lookup(token), i + 1

    def compare(i: int) -> tuple[Any, int]:
        left, i = primary(i)
        if tokens[i] in ("==", "!="):
            op = tokens[i]
            right, i = primary(i + 1)
            # Strings compare without regard to case.
            same = str(left).lower() == str(right).lower()
            return same if op == "==" else not same, i
        return left, i

    def both(i: int) -> tuple[Any, int]:
        left, i = compare(i)
        while tokens[i] == "&&":
            right, i = compare(i + 1)
            left = right if left else left
        return left, i

    def either(i: int) -> tuple[Any, int]:
        left, i = both(i)
        while tokens[i] == "||":
            right, i = both(i + 1)
            left = left if left else right
        return left, i

    value, end = either(0)
    assert tokens[end] == "", f"trailing tokens in {expr!r}"
    return value


def expand(text: str, context: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        value = evaluate(match.group(1), context)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        pytest.param("inputs.mode == 'check'", True, id="eq"),
        pytest.param("inputs.mode == 'CHECK'", True, id="eq-ignores-case"),
        pytest.param("inputs.mode != 'check' && inputs.mode != 'x'", False, id="and"),
        pytest.param("steps.a.outputs.v || steps.b.outputs.v", "b", id="or-returns-operand"),
        pytest.param("!(inputs.mode == 'x')", True, id="not"),
    ],
)
def test_expression_evaluator(expr, expected):
    context = {
        "inputs": {"mode": "check"},
        "steps": {"a": {"outputs": {}}, "b": {"outputs": {"v": "b"}}},
    }
    assert evaluate(expr, context) == expected


# -- the simulated runner -----------------------------------------------------------------


@dataclass
class Run:
    steps: dict[str, str] = field(default_factory=dict)  # id -> success, failure, skipped
    outputs: dict[str, str] = field(default_factory=dict)
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    # What the job log shows, colours removed.
    log: str = ""
    raw_log: str = ""
    exit_code: int = 0
    summary: str = ""

    @property
    def failed(self) -> bool:
        return "failure" in self.steps.values()


def parse_output_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(path.read_text().splitlines() if path.exists() else [])
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            collected = []
            for body in lines:
                if body == delimiter:
                    break
                collected.append(body)
            values[name] = "\n".join(collected)
        else:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def run_action(
    *,
    tmp_path: Path,
    action_path: Path,
    workspace: Path,
    inputs: dict[str, str],
    env: dict[str, str] | None = None,
    done: dict[str, dict[str, str]] | None = None,
) -> Run:
    """Run every step of action.yml. A step in `done` is not run; its outputs are given, as
    for the `uses:` step, whose result (a Python) the runner's tool cache would provide."""
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    summary = tmp_path / "step-summary.md"
    base_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUNNER_", "AIRULES_", "INPUT_"))
        and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    base_env.update(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(action_path),
        GITHUB_WORKSPACE=str(workspace),
        RUNNER_TEMP=str(temp),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_REPOSITORY="acme/widgets",
        GITHUB_API_URL="https://api.github.com",
    )
    base_env.update(env or {})
    context: dict[str, Any] = {
        "github": {"token": TOKEN, "action_path": str(action_path)},
        "inputs": {},
        "steps": {},
    }
    if os.name != "posix":
        # On Windows the runner's own bash and temp paths are what matter, and plain `bash` may
        # be WSL's: tests.yml runs the Action for real on windows-latest instead.
        pytest.skip("this harness runs steps with a POSIX bash; tests.yml runs the real Action")
    for name, spec in ACTION["inputs"].items():
        default = expand(str(spec.get("default", "")), context)
        context["inputs"][name] = inputs.get(name, default)
    result = Run()
    log = []
    for n, step in enumerate(ACTION["runs"]["steps"]):
        step_id = step.get("id", f"__{n}")
        condition = step.get("if")
        if result.failed or (condition is not None and not evaluate(condition, context)):
            result.steps[step_id] = "skipped"
            continue
        if done and step_id in done:
            outputs = done[step_id]
        elif "uses" in step:
            assert step["uses"].startswith("actions/setup-python@")
            outputs = {"python-path": sys.executable}
        else:
            assert step["shell"] == "bash"
            output_file = tmp_path / f"output-{n}"
            output_file.unlink(missing_ok=True)
            script = tmp_path / f"step-{n}.sh"
            script.write_text(step["run"])
            step_env = {
                **base_env,
                "GITHUB_OUTPUT": str(output_file),
                **{k: expand(str(v), context) for k, v in step.get("env", {}).items()},
            }
            # The runner's command line for `shell: bash`.
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=workspace,
                env=step_env,
                capture_output=True,
                text=True,
            )
            log.append(proc.stdout + proc.stderr)
            outputs = parse_output_file(output_file)
            if proc.returncode != 0:
                result.steps[step_id] = "failure"
                result.exit_code = proc.returncode
                context["steps"][step_id] = {"outputs": outputs, "outcome": "failure"}
                result.step_outputs[step_id] = outputs
                continue
        result.steps[step_id] = "success"
        context["steps"][step_id] = {"outputs": outputs, "outcome": "success"}
        result.step_outputs[step_id] = outputs
    for name, spec in ACTION["outputs"].items():
        result.outputs[name] = expand(spec["value"], context)
    result.raw_log = "".join(log)
    result.log = re.sub(r"\x1b\[[0-9;]*m", "", result.raw_log)
    result.summary = summary.read_text() if summary.exists() else ""
    return result


def install(tmp_path_factory, mode: str, skip: str) -> tuple[Path, Run]:
    """The action's own Python and install steps, run for real: a fresh virtual environment
    under RUNNER_TEMP with the locked dependencies of `mode` and this repository, installed from
    GITHUB_ACTION_PATH. The mode's own step is kept from running by marking it done."""
    tmp = tmp_path_factory.mktemp(f"install-{mode}")
    action_path = copy_of_this_repository(tmp / "action")
    workspace = tmp / "workspace"
    workspace.mkdir()
    run = run_action(
        tmp_path=tmp,
        action_path=action_path,
        workspace=workspace,
        inputs={"mode": mode},
        done={skip: {}},
    )
    return action_path, run


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return install(tmp_path_factory, "check", "check")


@pytest.fixture(scope="module")
def installed_pr(tmp_path_factory):
    return install(tmp_path_factory, "pull-request", "pull-request")


@pytest.fixture
def done(installed):
    _, run = installed
    return {"python": run.step_outputs["python"], "install": run.step_outputs["install"]}


@pytest.fixture
def done_pr(installed_pr):
    _, run = installed_pr
    return {"python": run.step_outputs["python"], "install": run.step_outputs["install"]}


def workspace_repo(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return root


def fixed(tmp_path: Path, files: dict[str, str]) -> Path:
    root = workspace_repo(tmp_path, files)
    cwd = Path.cwd()
    os.chdir(root)
    try:
        assert cli.main(["--fix", "--quiet"]) == 1
    finally:
        os.chdir(cwd)
    return root


def installed_packages(bin_dir: Path) -> set[str]:
    listed = subprocess.run(
        [bin_dir / "python", "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {canonicalize_name(line.split("==")[0]) for line in listed.splitlines() if "==" in line}


def locked(name: str) -> set[str]:
    text = (ROOT / "requirements" / name).read_text()
    return {canonicalize_name(m) for m in re.findall(r"^([A-Za-z0-9._-]+)==", text, flags=re.M)}


def test_install_step_makes_a_private_venv_and_touches_nothing_else(installed):
    _, run = installed
    assert run.steps["python"] == "success"
    assert run.steps["install"] == "success", run.log
    bin_dir = Path(run.step_outputs["install"]["bin"])
    assert bin_dir.parent.name == "airules-venv"
    assert bin_dir.parent.parent.name == "runner-temp"
    for script in ("airules-check", "airules-pr", "python"):
        assert (bin_dir / script).exists(), script
    # Nothing leaks into later steps of the caller's job.
    assert "GITHUB_ENV" not in ACTION_TEXT and "GITHUB_PATH" not in ACTION_TEXT


def test_check_mode_installs_the_check_lock_and_no_pygithub(installed):
    _, run = installed
    bin_dir = Path(run.step_outputs["install"]["bin"])
    packages = installed_packages(bin_dir) - {"pip"}
    assert packages == locked("action-check.txt") | {"airules"}
    assert "pygithub" not in packages
    probe = subprocess.run([bin_dir / "python", "-c", "import github"], capture_output=True)
    assert probe.returncode != 0


def test_pull_request_mode_installs_the_github_lock(installed_pr):
    _, run = installed_pr
    assert run.steps["install"] == "success", run.log
    bin_dir = Path(run.step_outputs["install"]["bin"])
    # Markers leave out what this Python does not need (pycparser pinned twice, by version).
    assert installed_packages(bin_dir) - {"pip"} <= locked("action-github.txt") | {"airules"}
    subprocess.run([bin_dir / "python", "-c", "import github, airules.github"], check=True)


def test_install_refuses_a_lock_whose_hash_does_not_match(tmp_path):
    """The locks are installed with --require-hashes: a file that is not the one locked (a
    changed release, a different mirror) stops the install instead of running."""
    action_path = copy_of_this_repository(tmp_path / "action")
    lock = action_path / "requirements/action-check.txt"
    text = lock.read_text()
    first = re.search(r"--hash=sha256:([0-9a-f]{64})", text)
    assert first
    # Every hash of PyYAML's release replaced: no file can match.
    lock.write_text(re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text))
    workspace = tmp_path / "workspace"
    workspace.mkdir()

    run = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"mode": "check"},
    )

    assert run.steps["install"] == "failure"
    assert "HASHES" in run.log or "hash" in run.log.lower()


def test_check_mode_passes_on_a_clean_repository(tmp_path, installed, done):
    action_path, _ = installed
    workspace = fixed(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})

    run = run_action(
        tmp_path=tmp_path, action_path=action_path, workspace=workspace, inputs={}, done=done
    )

    assert run.steps["check"] == "success", run.log
    assert run.steps["pull-request"] == "skipped"
    assert run.outputs["drift"] == "false"
    assert "::error" not in run.log
    assert "CLAUDE.md: ok" in run.log
    assert "### airules: all 2 files match `ai-rules.md`" in run.summary
    assert "| `CLAUDE.md` | ✅ ok |" in run.summary


def test_check_mode_fails_on_drift_with_annotations_and_summary(tmp_path, installed, done):
    action_path, _ = installed
    workspace = fixed(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    (workspace / "ai-rules.md").write_text("# Rules\n\n- Name things well.\n")
    (workspace / ".cursor/rules/ai-rules.mdc").unlink()

    run = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"mode": "check"},
        done=done,
    )

    assert run.steps["check"] == "failure"
    assert run.exit_code == 1
    assert run.outputs["drift"] == "true"
    annotations = [line for line in run.log.splitlines() if line.startswith("::error ")]
    assert annotations == [
        "::error file=CLAUDE.md,title=airules::CLAUDE.md: out of date with ai-rules.md; "
        "run `airules-check --fix` and commit the result",
        "::error file=.cursor/rules/ai-rules.mdc,title=airules::.cursor/rules/ai-rules.mdc: "
        "missing; run `airules-check --fix` and commit the result",
    ]
    assert "+- Name things well." in run.log
    assert "\x1b[32m+- Name things well." in run.raw_log
    assert "### airules: 2 of 2 files out of sync with `ai-rules.md`" in run.summary
    assert "| `CLAUDE.md` | ❌ out of date |" in run.summary
    assert "| `.cursor/rules/ai-rules.mdc` | ❌ missing |" in run.summary


def test_check_mode_text_from_the_repository_cannot_issue_workflow_commands(
    tmp_path, installed, done
):
    action_path, _ = installed
    workspace = fixed(tmp_path, {".airules.yml": "targets: [claude]\n", "ai-rules.md": RULES})
    (workspace / "ai-rules.md").write_text("# Rules\n::add-mask::oops\n::error::fake\n")

    run = run_action(
        tmp_path=tmp_path, action_path=action_path, workspace=workspace, inputs={}, done=done
    )

    assert run.steps["check"] == "failure"
    lines = run.log.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].removeprefix("::stop-commands::")
    assert len(token) >= 32
    end = lines.index(f"::{token}::")
    quoted = lines[start + 1 : end]
    assert "+::add-mask::oops" in quoted and "+::error::fake" in quoted
    assert all(not line.startswith("::") for line in quoted)
    assert lines[end + 1].startswith("::error file=CLAUDE.md,")


def test_check_mode_config_error_fails_with_an_annotation_on_the_line(tmp_path, installed, done):
    action_path, _ = installed
    workspace = workspace_repo(
        tmp_path, {".airules.yml": "targets: [claude]\ncolour: blue\n", "ai-rules.md": RULES}
    )

    run = run_action(
        tmp_path=tmp_path, action_path=action_path, workspace=workspace, inputs={}, done=done
    )

    assert run.exit_code == 2
    assert "::error file=.airules.yml,line=2,title=airules::.airules.yml:2: unknown key" in run.log


def test_check_mode_config_input_names_another_config(tmp_path, installed, done):
    action_path, _ = installed
    workspace = fixed(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    (workspace / "ci").mkdir()
    (workspace / "ci/airules.yml").write_text("targets: [agents]\n")

    run = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"config": "ci/airules.yml"},
        done=done,
    )

    assert run.steps["check"] == "failure"
    assert "AGENTS.md: missing" in run.log
    assert "CLAUDE.md: missing" not in run.log and "file=CLAUDE.md" not in run.log


def test_strict_input_passes_the_strict_flag(tmp_path, installed, done):
    action_path, _ = installed
    workspace = fixed(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    bin_dir = Path(done["install"]["bin"])
    help_text = subprocess.run(
        [bin_dir / "airules-check", "--help"], capture_output=True, text=True
    ).stdout

    run = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"strict": "true"},
        done=done,
    )

    if "--strict" in help_text:
        assert run.steps["check"] == "success", run.log
    else:
        # Until airules-check grows --strict, the flag reaching it is what fails the step.
        assert run.exit_code == 2
        assert "unrecognized arguments: --strict" in run.log


def test_unknown_mode_fails_before_installing(tmp_path, installed):
    action_path, _ = installed
    workspace = workspace_repo(tmp_path, {"ai-rules.md": RULES})

    run = run_action(
        tmp_path=tmp_path, action_path=action_path, workspace=workspace, inputs={"mode": "fix"}
    )

    assert run.failed
    assert run.exit_code == 2
    assert "the mode input must be check or pull-request" in run.log
    assert run.steps["install"] == "skipped"


@pytest.fixture
def fake():
    with serving(TOKEN) as server:
        yield server


def test_pull_request_mode_opens_a_pull_request_through_the_api(
    tmp_path, installed_pr, done_pr, fake
):
    action_path, _ = installed_pr
    done = done_pr
    fake.create_repo(
        "acme/widgets", {".airules.yml": CONFIG, "ai-rules.md": RULES, "README.md": "hi\n"}
    )
    # A job that checked nothing out: the pull-request mode works from the API alone.
    workspace = tmp_path / "empty"
    workspace.mkdir()
    env = {
        "GITHUB_API_URL": fake.url,
        "AIRULES_PR_LIMITS": "retries=1,max_wait=1,backoff=0",
    }
    title = 'Rules "$(touch pwned)" `touch pwned2`; touch pwned3'

    run = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"mode": "pull-request", "labels": "ai, bot", "title": title},
        env=env,
        done=done,
    )

    assert run.steps["pull-request"] == "success", run.log
    assert run.steps["check"] == "skipped"
    url = f"{fake.root}/acme/widgets/pull/1"
    assert run.outputs == {
        "drift": "true",
        "operation": "created",
        "pull-request-number": "1",
        "pull-request-url": url,
        "branch": "airules/sync",
    }
    (pull,) = fake.pulls("acme/widgets")
    assert pull["labels"] == ["ai", "bot"]
    # The title went through env:, so it is text, not shell.
    assert pull["title"] == title
    assert not list(workspace.iterdir())
    assert f"pull request: #1 {url}" in run.log
    assert TOKEN not in run.log

    again = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"mode": "pull-request", "labels": "ai, bot", "title": title},
        env=env,
        done=done,
    )
    assert again.outputs["operation"] == "none"
    assert len(fake.pulls("acme/widgets")) == 1


def test_pull_request_mode_permission_error_fails_the_step(tmp_path, installed_pr, done_pr, fake):
    action_path, _ = installed_pr
    done = done_pr
    fake.create_repo("acme/widgets", {".airules.yml": CONFIG, "ai-rules.md": RULES})
    fake.fail("POST", r"/pulls$", 403, "Resource not accessible by integration")
    workspace = tmp_path / "empty"
    workspace.mkdir()

    run = run_action(
        tmp_path=tmp_path,
        action_path=action_path,
        workspace=workspace,
        inputs={"mode": "pull-request"},
        env={
            "GITHUB_API_URL": fake.url,
            "AIRULES_PR_LIMITS": "retries=0",
        },
        done=done,
    )

    assert run.exit_code == 1
    assert "`permissions: contents: write` and `pull-requests: write`" in run.log
    assert TOKEN not in run.log


def test_force_input_overwrites_a_hand_edited_file(tmp_path, installed_pr, done_pr, fake):
    action_path, _ = installed_pr
    root = fixed(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    edited = (root / "CLAUDE.md").read_bytes().replace(b"tests first.", b"tests first, always.")
    fake.create_repo(
        "acme/widgets",
        {
            ".airules.yml": CONFIG,
            "ai-rules.md": RULES + "- Keep it small.\n",
            "CLAUDE.md": edited,
            ".cursor/rules/ai-rules.mdc": (root / ".cursor/rules/ai-rules.mdc").read_bytes(),
        },
    )
    workspace = tmp_path / "empty"
    workspace.mkdir()
    env = {
        "GITHUB_API_URL": fake.url,
        "AIRULES_PR_LIMITS": "retries=1,max_wait=1,backoff=0",
    }

    def sync(**inputs: str) -> Run:
        return run_action(
            tmp_path=tmp_path,
            action_path=action_path,
            workspace=workspace,
            inputs={"mode": "pull-request", **inputs},
            env=env,
            done=done_pr,
        )

    left = sync()
    assert left.steps["pull-request"] == "success", left.log
    assert "CLAUDE.md: edited by hand, left unchanged" in left.log
    assert fake.files("acme/widgets", "airules/sync")["CLAUDE.md"] == edited

    forced = sync(force="true")
    assert forced.steps["pull-request"] == "success", forced.log
    assert forced.outputs["operation"] == "updated"
    assert "CLAUDE.md: edited by hand; overwritten (--force)" in forced.log
    assert b"- Keep it small." in fake.files("acme/widgets", "airules/sync")["CLAUDE.md"]


# -- action.yml hygiene ---------------------------------------------------------------------


def test_no_expression_inside_any_run_script():
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_inputs_reach_scripts_only_through_env():
    scripts = " ".join(step.get("run", "") for step in ACTION["runs"]["steps"])
    assert "INPUT_" not in scripts
    assert "github.action_path" not in ACTION_TEXT
    env_values = [v for step in ACTION["runs"]["steps"] for v in step.get("env", {}).values()]
    used = {m for v in env_values for m in re.findall(r"inputs\.([\w-]+)", str(v))}
    assert used == set(ACTION["inputs"]) - {"python-version"}


def test_every_used_action_is_pinned_to_a_commit_with_a_version_comment():
    uses = re.findall(r"uses:\s*(\S+)(.*)", ACTION_TEXT)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s*# v\d+(\.\d+)*", comment), comment


def test_setup_python_leaves_the_callers_environment_alone():
    (setup,) = [s for s in ACTION["runs"]["steps"] if "uses" in s]
    assert setup["with"]["update-environment"] is False


@pytest.mark.parametrize(
    ("value", "data", "prop"),
    [
        pytest.param("a,b:c", "a,b:c", "a%2Cb%3Ac", id="comma-colon"),
        pytest.param("50%\nnext", "50%25%0Anext", "50%25%0Anext", id="percent-newline"),
    ],
)
def test_workflow_command_escaping(value, data, prop):
    assert escape_data(value) == data
    assert escape_property(value) == prop


def test_github_format_after_fix_annotates_only_what_is_left(repo, capsys, monkeypatch, tmp_path):
    (repo / ".airules.yml").write_text("targets: [claude, agents]\n")
    cli.main(["--fix"])
    (repo / "ai-rules.md").write_text("# Rules\n\n- Changed.\n")
    (repo / "CLAUDE.md").write_text((repo / "CLAUDE.md").read_text().replace("Write", "Wrote"))
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary"))
    capsys.readouterr()

    assert cli.main(["--fix", "--format", "github"]) == 1

    out = capsys.readouterr().out
    annotations = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=CLAUDE.md,title=airules::CLAUDE.md: its")
    assert "AGENTS.md: updated" in out
    assert (tmp_path / "out").read_text() == "drift=true\n"
    assert "| `CLAUDE.md` | ❌ edited by hand |" in (tmp_path / "summary").read_text()
