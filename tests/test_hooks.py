from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import git, needs_posix_modes, needs_posix_shell

from airules import __version__
from airules.cli import main
from airules.hook import hook_script

CHECKOUT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(sys.executable).parent
AIRULES_CHECK = SCRIPTS / "airules-check"
NEW_RULES = "# Rules\n\n- Write tests first.\n- Name things well.\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def manifest() -> list[dict[str, object]]:
    return yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """This checkout as it is on disk, committed into a repository of its own: (path, rev).

    `pre-commit try-repo` of the checkout itself would leave out files not yet `git add`ed,
    and pins a commit that changes with every edit; one committed copy serves the session.
    """
    if not (CHECKOUT / ".git").exists():
        pytest.skip("needs a git checkout of airules")
    env = {**os.environ, **GIT_ENV}
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        env=env,
        check=True,
        capture_output=True,
    ).stdout.decode()
    copy = tmp_path_factory.mktemp("airules-checkout")
    for name in filter(None, listed.split("\0")):
        source = CHECKOUT / name
        if source.is_file():  # a tracked file may be deleted on disk
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=copy, env=env, check=True, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=copy, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    return str(copy), rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # pre-commit builds each hook environment once per home; one home per session.
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(root: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    env.pop("SKIP", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def use_hooks(root: Path, hook_repo: tuple[str, str], hooks: list[dict[str, object]]) -> None:
    path, rev = hook_repo
    config = {"repos": [{"repo": path, "rev": rev, "hooks": hooks}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))


def commit_all(root: Path) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")


@pytest.fixture
def project(repo: Path) -> Path:
    """The `repo` fixture with an .airules.yml for two targets, all committed."""
    (repo / ".airules.yml").write_text("targets: [claude, cursor]\n")
    commit_all(repo)
    return repo


def test_try_repo_check_hook_fails_on_a_missing_file(project, hook_repo, pre_commit_home):
    # try-repo builds its hook environment afresh on every call, so it is used once here.
    result = pre_commit(
        project, pre_commit_home, "try-repo", hook_repo[0], "airules-check", "--all-files"
    )
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: missing" in result.stdout
    assert ".cursor/rules/ai-rules.mdc: missing" in result.stdout
    assert not (project / "CLAUDE.md").exists()


def test_check_hook_fails_on_missing_and_drifted_files_and_passes_once_fixed(
    project, hook_repo, pre_commit_home
):
    use_hooks(project, hook_repo, [{"id": "airules-check"}])
    commit_all(project)
    result = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: missing" in result.stdout
    # Under the framework the advice is what a pre-commit user can run.
    assert "run `pre-commit run airules-fix --all-files`" in result.stdout
    assert "airules-check --fix`" not in result.stdout

    subprocess.run([AIRULES_CHECK, "--fix"], cwd=project, capture_output=True)
    commit_all(project)
    result = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert result.returncode == 0, result.stdout

    # A commit that changes only ai-rules.md fails, and the check hook changes nothing.
    before = (project / "CLAUDE.md").read_bytes()
    (project / "ai-rules.md").write_text(NEW_RULES)
    git(project, "add", "ai-rules.md")
    result = pre_commit(project, pre_commit_home, "run")
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: out of date with ai-rules.md" in result.stdout
    assert "+- Name things well." in result.stdout
    assert (project / "CLAUDE.md").read_bytes() == before

    # A commit that changes only .airules.yml, naming a new target, fails.
    git(project, "checkout", "HEAD", "--", "ai-rules.md")
    (project / ".airules.yml").write_text("targets: [claude, cursor, agents]\n")
    git(project, "add", ".airules.yml")
    result = pre_commit(project, pre_commit_home, "run")
    assert result.returncode == 1, result.stdout
    assert "AGENTS.md: missing" in result.stdout


def test_fix_hook_writes_files_and_fails_then_passes(project, hook_repo, pre_commit_home):
    use_hooks(project, hook_repo, [{"id": "airules-fix"}])
    commit_all(project)
    result = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: created" in result.stdout
    assert (project / "CLAUDE.md").is_file()
    assert (project / ".cursor/rules/ai-rules.mdc").is_file()
    result = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert result.returncode == 0, result.stdout

    commit_all(project)
    (project / "ai-rules.md").write_text(NEW_RULES)
    git(project, "add", "ai-rules.md")
    result = pre_commit(project, pre_commit_home, "run")
    assert result.returncode == 1, result.stdout
    assert "- Name things well." in (project / "CLAUDE.md").read_text()
    git(project, "add", "-A")
    result = pre_commit(project, pre_commit_home, "run")
    assert result.returncode == 0, result.stdout


def test_hook_args_reach_airules(project, hook_repo, pre_commit_home):
    (project / "tools").mkdir()
    (project / ".airules.yml").rename(project / "tools/airules.yml")
    (project / "tools/airules.yml").write_text("targets: [claude, agents]\n")
    subprocess.run([AIRULES_CHECK, "--claude", "--fix"], cwd=project, capture_output=True)
    hooks = [{"id": "airules-check", "args": ["--config", "tools/airules.yml", "--quiet"]}]
    use_hooks(project, hook_repo, hooks)
    commit_all(project)
    result = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert result.returncode == 1, result.stdout
    assert "AGENTS.md: missing" in result.stdout
    assert "CLAUDE.md" not in result.stdout  # in sync, and --quiet hides it


def git_commit(
    root: Path, message: str, home: Path | None = None
) -> subprocess.CompletedProcess[str]:
    # The console scripts of this environment on PATH, as in an activated virtualenv.
    env = {**os.environ, "PATH": f"{SCRIPTS}{os.pathsep}{os.environ['PATH']}"}
    if home is not None:
        env["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def test_git_commit_with_pre_commit_installed_checks_the_staged_state(
    project, hook_repo, pre_commit_home
):
    use_hooks(project, hook_repo, [{"id": "airules-check"}])
    subprocess.run([AIRULES_CHECK, "--fix"], cwd=project, capture_output=True)
    commit_all(project)
    result = pre_commit(project, pre_commit_home, "install")
    assert result.returncode == 0, result.stdout

    # A staged deletion: pre-commit passes no file to the hook, yet it runs and fails.
    git(project, "rm", "-q", "CLAUDE.md")
    before = head(project)
    result = git_commit(project, "drop CLAUDE.md", pre_commit_home)
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: missing" in result.stdout
    assert head(project) == before

    # An unstaged edit is set aside while the hook runs: the staged state is clean.
    git(project, "checkout", "HEAD", "--", "CLAUDE.md")
    (project / "CLAUDE.md").write_text("not staged\n")
    (project / "notes.txt").write_text("notes\n")
    git(project, "add", "notes.txt")
    result = git_commit(project, "notes", pre_commit_home)
    assert result.returncode == 0, result.stdout
    assert head(project) != before
    assert (project / "CLAUDE.md").read_text() == "not staged\n"


def test_plain_hook_blocks_commit_on_drift_and_allows_it_when_clean(project):
    installed = subprocess.run(
        [AIRULES_CHECK, "--install-hook"], cwd=project, capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout == (
        ".git/hooks/pre-commit: installed; it runs airules-check before every commit\n"
    )
    (project / "notes.txt").write_text("notes\n")
    git(project, "add", "notes.txt")
    before = head(project)
    result = git_commit(project, "notes")
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: missing" in result.stdout
    assert head(project) == before

    subprocess.run([AIRULES_CHECK, "--fix"], cwd=project, capture_output=True)
    git(project, "add", "-A")
    result = git_commit(project, "rules files")
    assert result.returncode == 0, result.stdout
    assert head(project) != before

    (project / "ai-rules.md").write_text(NEW_RULES)
    git(project, "add", "ai-rules.md")
    before = head(project)
    result = git_commit(project, "new rule")
    assert result.returncode == 1, result.stdout
    assert "CLAUDE.md: out of date with ai-rules.md" in result.stdout
    assert head(project) == before


@needs_posix_shell
@pytest.mark.parametrize(
    ("python", "code", "expected"),
    [
        pytest.param(f'"{sys.executable}"', 0, "CLAUDE.md: ok", id="module-when-not-on-path"),
        # -S -I: a python3 that cannot import airules, like a system Python without it.
        pytest.param(
            f'"{sys.executable}" -S -I', 1, "pipx install airules", id="install-instructions"
        ),
    ],
)
def test_plain_hook_without_airules_check_on_path(project, tmp_path, python, code, expected):
    subprocess.run([AIRULES_CHECK, "--fix"], cwd=project, capture_output=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text(f'#!/bin/sh\nexec {python} "$@"\n')
    (bin_dir / "python3").chmod(0o755)
    result = subprocess.run(
        ["/bin/sh", CHECKOUT / "hooks/pre-commit"],
        cwd=project,
        env={**os.environ, "PATH": str(bin_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert result.returncode == code, result.stdout
    assert expected in result.stdout


@needs_posix_modes
def test_install_hook_twice_says_already_installed(repo, capsys):
    assert main(["--install-hook"]) == 0
    hook = repo / ".git/hooks/pre-commit"
    assert hook.read_bytes() == hook_script()
    assert os.access(hook, os.X_OK)
    assert capsys.readouterr().out == (
        ".git/hooks/pre-commit: installed; it runs airules-check before every commit\n"
    )
    assert main(["--install-hook"]) == 0
    assert "already installed" in capsys.readouterr().out
    # Copied without its executable bit, git would skip it: installing again repairs that.
    hook.chmod(0o644)
    assert main(["--install-hook"]) == 0
    assert ": installed" in capsys.readouterr().out
    assert os.access(hook, os.X_OK)


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        pytest.param("#!/bin/sh\nmake lint\n", "a different pre-commit hook", id="own-hook"),
        pytest.param(None, "the pre-commit framework's hook", id="pre-commit-framework"),
    ],
)
def test_install_hook_keeps_a_different_hook_unless_forced(
    repo, tmp_path, capsys, existing, message
):
    hook = repo / ".git/hooks/pre-commit"
    if existing is None:
        (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
        assert pre_commit(repo, tmp_path / "home", "install").returncode == 0
    else:
        hook.write_text(existing)
    before = hook.read_bytes()
    assert main(["--install-hook"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"airules: .git/hooks/pre-commit: {'is ' if existing is None else ''}")
    assert message in err and "--force" in err
    assert hook.read_bytes() == before
    assert main(["--install-hook", "--force"]) == 0
    assert hook.read_bytes() == hook_script()


@pytest.mark.parametrize(
    "layout",
    [pytest.param("hooks-path", id="core.hooksPath"), pytest.param("worktree", id="worktree")],
)
def test_install_hook_goes_where_git_runs_hooks(repo, tmp_path, monkeypatch, layout):
    if layout == "hooks-path":
        git(repo, "config", "core.hooksPath", ".githooks")
        start = repo / "src" / "pkg"
        start.mkdir(parents=True)
        expected = repo / ".githooks/pre-commit"
    else:
        git(repo, "commit", "-q", "--allow-empty", "-m", "first")
        start = tmp_path / "linked"
        git(repo, "worktree", "add", "-q", str(start))
        expected = repo / ".git/hooks/pre-commit"
    monkeypatch.chdir(start)
    assert main(["--install-hook"]) == 0
    assert expected.read_bytes() == hook_script()
    assert os.access(expected, os.X_OK)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--install-hook"], "not inside a git repository", id="not-a-repo"),
        pytest.param(["--install-hook", "--fix"], "takes no options", id="with-fix"),
    ],
)
def test_install_hook_usage_errors(tmp_path, monkeypatch, capsys, args, message):
    # However the temporary folder is placed, git must not find a repository above it.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_packaged_hook_is_the_hooks_folder_script():
    # hooks/pre-commit is the file people read and copy; the package ships a copy for
    # --install-hook. Edit hooks/pre-commit, then copy it over src/airules/pre-commit-hook.sh.
    script = CHECKOUT / "hooks/pre-commit"
    assert script.read_bytes() == hook_script()
    assert os.access(script, os.X_OK)
    assert script.read_bytes().startswith(b"#!/bin/sh\n")


def test_pip_installed_airules_installs_the_hook(project, hook_repo, pre_commit_home):
    # The environment pre-commit built is a regular (not editable) pip install of airules.
    use_hooks(project, hook_repo, [{"id": "airules-check"}])
    assert pre_commit(project, pre_commit_home, "install-hooks").returncode == 0
    installed = sorted(pre_commit_home.glob("*/py_env-*/bin/airules-check"))
    assert installed, sorted(p.name for p in pre_commit_home.iterdir())
    result = subprocess.run([installed[0], "--install-hook"], cwd=project, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert (project / ".git/hooks/pre-commit").read_bytes() == (
        CHECKOUT / "hooks/pre-commit"
    ).read_bytes()


def readme_snippet() -> str:
    readme = (CHECKOUT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    (snippet,) = (b for b in blocks if "rev:" in b)
    return snippet


def test_readme_names_every_hook_id_of_the_manifest():
    snippet = readme_snippet()
    ids = {hook["id"] for hook in manifest()}
    assert set(re.findall(r"- id: (\S+)", snippet)) == ids
    readme = (CHECKOUT / "README.md").read_text()
    assert set(re.findall(r"^\| `(airules-[a-z-]+)` \|", readme, flags=re.MULTILINE)) == ids
    assert f"rev: v{__version__}\n" in snippet


def test_readme_snippet_is_a_valid_pre_commit_config(tmp_path):
    (tmp_path / "config.yaml").write_text(readme_snippet())
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", tmp_path / "config.yaml"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dogfood_hook_runs_like_the_published_one():
    config = yaml.safe_load((CHECKOUT / ".pre-commit-config.yaml").read_text())
    (local,) = (r for r in config["repos"] if r["repo"] == "local")
    (own,) = (h for h in local["hooks"] if h["id"] == "airules-check")
    (published,) = (h for h in manifest() if h["id"] == "airules-check")
    for key in ("language", "always_run", "pass_filenames", "require_serial", "stages"):
        assert own[key] == published[key], key
    requires = importlib.metadata.requires("airules") or []
    runtime = sorted(r for r in requires if "extra ==" not in r)
    assert sorted(own["additional_dependencies"]) == runtime
