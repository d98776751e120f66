from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import needs_posix_terminal

from airules.cli import main
from airules.config import parse_config
from airules.planner import arrange
from airules.setup import (
    CI_VARIABLES,
    ci_variable,
    config_text,
    evidence,
    found_editors,
    starter_rules,
)
from airules.targets import EDITORS

SCRIPT = Path(sys.executable).parent / "airules-check"
IDS = list(EDITORS)
UP, DOWN = "\x1b[A", "\x1b[B"


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def config_ids(root: Path) -> list[str]:
    text = (root / ".airules.yml").read_text()
    return [t.id for t in parse_config(text, ".airules.yml").targets]


def move(start: str, end: str) -> str:
    steps = IDS.index(end) - IDS.index(start)
    return DOWN * steps if steps > 0 else UP * -steps


def terminal_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CI_VARIABLES}
    env.update(TERM="xterm", NO_COLOR="1")
    env.update(extra)
    return env


def spawn(root: Path, *args: str, env: dict[str, str] | None = None) -> pexpect.spawn:
    return pexpect.spawn(
        str(SCRIPT),
        list(args),
        cwd=str(root),
        env=env or terminal_env(),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=20,
    )


def spawn_then_stty(root: Path, *args: str) -> pexpect.spawn:
    """The script in a terminal, then `stty -a` in the same terminal, to show its settings."""
    command = " ".join([str(SCRIPT), *args])
    return pexpect.spawn(
        "sh",
        ["-c", f'{command}; rc=$?; echo "exit=$rc"; stty -a'],
        cwd=str(root),
        env=terminal_env(),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=20,
    )


def wait_for_picker(child: pexpect.spawn) -> None:
    child.expect(f"of {len(IDS)} selected")


def finish(child: pexpect.spawn) -> tuple[int, str]:
    child.expect(pexpect.EOF)
    output = child.before
    child.close()
    return child.exitstatus, output


# --- deciding whether a person can be asked -------------------------------------------------


@pytest.mark.parametrize(
    ("env", "found"),
    [
        pytest.param({}, None, id="nothing-set"),
        pytest.param({"CI": "true"}, "CI", id="ci-true"),
        pytest.param({"CI": "1"}, "CI", id="ci-1"),
        pytest.param({"CI": "yes please"}, "CI", id="ci-any-value"),
        pytest.param({"CI": "false"}, None, id="ci-false"),
        pytest.param({"CI": "FALSE"}, None, id="ci-false-upper"),
        pytest.param({"CI": "0"}, None, id="ci-0"),
        pytest.param({"CI": ""}, None, id="ci-empty"),
        pytest.param({"GITHUB_ACTIONS": "true"}, "GITHUB_ACTIONS", id="github-actions"),
        pytest.param({"CI": "false", "GITLAB_CI": "true"}, "GITLAB_CI", id="ci-false-but-gitlab"),
    ],
)
def test_ci_variable(env, found):
    assert ci_variable(env) == found


# --- finding the editors already in use -----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("CLAUDE.md", ("CLAUDE.md",), id="root-file"),
        pytest.param(
            ".cursor/rules/ai-rules.mdc",
            (".cursor/rules/ai-rules.mdc", ".cursor"),
            id="own-folder",
        ),
        pytest.param(
            ".github/copilot-instructions.md",
            (".github/copilot-instructions.md",),
            id="shared-folder-is-no-evidence",
        ),
        pytest.param(
            ".github/instructions/ai-rules.instructions.md",
            (".github/instructions/ai-rules.instructions.md", ".github/instructions"),
            id="own-folder-below-shared-folder",
        ),
        pytest.param("docs/rules.md", ("docs/rules.md",), id="ordinary-folder"),
        pytest.param(
            ".agents/rules/ai-rules.md",
            (".agents/rules/ai-rules.md", ".agents/rules"),
            id="agents-skills-folder-is-no-evidence-of-antigravity",
        ),
    ],
)
def test_evidence_of_an_editor(path, expected):
    assert evidence(path) == expected


@pytest.mark.parametrize(
    ("present", "found"),
    [
        pytest.param([], [], id="empty-repository"),
        pytest.param([".cursor/"], ["cursor"], id="cursor-folder"),
        pytest.param([".windsurf/rules/team.md"], ["windsurf"], id="windsurf-other-file"),
        pytest.param(["CLAUDE.md", "AGENTS.md"], ["agents", "claude"], id="root-files"),
        pytest.param([".github/workflows/ci.yml"], [], id="github-folder-alone"),
        pytest.param([".github/copilot-instructions.md"], ["copilot"], id="copilot-file"),
    ],
)
def test_found_editors(tmp_path, present, found):
    for name in present:
        path = tmp_path / name
        if name.endswith("/"):
            path.mkdir(parents=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x\n")
    found_ids = found_editors(tmp_path, EDITORS.values())
    assert set(found_ids) == set(found)
    assert found_ids == sorted(found_ids, key=IDS.index)


def test_config_text_lists_every_editor_readably_and_parses_back():
    text = config_text(IDS)
    assert text.startswith("# ")
    config = parse_config(text, ".airules.yml")
    assert [t.id for t in config.targets] == IDS
    assert config.source == "ai-rules.md"
    for editor in EDITORS.values():
        assert f"# {editor.name}: {editor.path}" in text


# --- non-interactive: flags, and no terminal ------------------------------------------------


def test_init_with_flags_writes_config_and_files(repo, capsys):
    assert main(["--init", "--cursor", "--claude"]) == 1
    assert config_ids(repo) == ["cursor", "claude"]
    assert (repo / "CLAUDE.md").is_file()
    assert (repo / ".cursor/rules/ai-rules.mdc").is_file()
    captured = capsys.readouterr()
    assert ".airules.yml: created for cursor, claude" in captured.err
    assert "CLAUDE.md: created" in captured.out
    # The config now drives plain runs.
    assert main([]) == 0


def test_init_when_a_config_exists_is_refused_and_changes_nothing(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [agents]\n")
    before = snapshot(repo)
    assert main(["--init", "--claude"]) == 2
    assert ".airules.yml: already exists" in capsys.readouterr().err
    assert snapshot(repo) == before


def test_init_with_another_config_path_writes_there(repo, capsys):
    assert main(["--init", "--config", "tools/airules.yml", "--agents"]) == 1
    assert (repo / "tools/airules.yml").is_file()
    assert not (repo / ".airules.yml").exists()
    assert main(["--config", "tools/airules.yml"]) == 0


def test_init_without_source_writes_nothing(repo, capsys):
    (repo / "ai-rules.md").unlink()
    assert main(["--init", "--claude"]) == 2
    assert "ai-rules.md: source file not found" in capsys.readouterr().err
    assert snapshot(repo) == {}


def test_init_that_the_fix_could_not_finish_writes_nothing(repo, capsys):
    (repo / "CLAUDE.md").mkdir()
    before = snapshot(repo)
    assert main(["--init", "--agents", "--claude"]) == 2
    assert "CLAUDE.md: is a directory" in capsys.readouterr().err
    assert snapshot(repo) == before
    assert not (repo / ".airules.yml").exists()


def test_plain_check_does_not_load_the_setup_or_the_picker():
    code = "import sys, airules.cli; print(sorted(m for m in sys.modules if 'airules' in m))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "airules.cli" in out
    assert "airules.setup" not in out and "airules.picker" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--fix"], ".airules.yml: not found; choose editors with flags", id="fix"),
        pytest.param(
            ["--init"],
            "stdin is not a terminal, so airules cannot ask which editors",
            id="init",
        ),
    ],
)
def test_no_prompt_without_a_terminal(repo, args, message):
    result = subprocess.run(
        [SCRIPT, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=terminal_env(),
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "--claude" in result.stderr
    assert "Which editors" not in result.stdout
    assert not (repo / ".airules.yml").exists()


@needs_posix_terminal
@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        pytest.param({"CI": "true"}, ["--fix"], ".airules.yml: not found", id="ci-fix"),
        pytest.param({"CI": "1"}, ["--init"], "the CI variable CI is set", id="ci-init"),
        pytest.param(
            {"GITHUB_ACTIONS": "true"},
            ["--init"],
            "the CI variable GITHUB_ACTIONS is set",
            id="github-actions-init",
        ),
    ],
)
def test_no_prompt_in_a_terminal_when_a_ci_variable_is_set(repo, env, args, message):
    child = spawn(repo, *args, env=terminal_env(**env))
    code, output = finish(child)
    assert code == 2
    assert message in output
    assert "Which editors" not in output
    assert snapshot(repo) == {"ai-rules.md": (repo / "ai-rules.md").read_bytes()}


@needs_posix_terminal
def test_no_prompt_when_only_stdin_is_redirected(repo):
    child = pexpect.spawn(
        "sh",
        ["-c", f"exec {SCRIPT} --fix < /dev/null"],
        cwd=str(repo),
        env=terminal_env(),
        encoding="utf-8",
        timeout=20,
    )
    code, output = finish(child)
    assert code == 2
    assert ".airules.yml: not found" in output
    assert "Which editors" not in output


# --- interactive, in a real pseudo-terminal -------------------------------------------------


@needs_posix_terminal
def test_fix_in_a_terminal_asks_and_writes_config_and_files(repo):
    (repo / ".windsurf").mkdir()
    child = spawn(repo, "--fix")
    wait_for_picker(child)
    # The found editor is pre-selected; pick Claude and Cursor, drop Windsurf.
    keys = move(IDS[0], "claude") + " " + move("claude", "cursor") + " "
    keys += move("cursor", "windsurf") + " "
    child.send(keys)
    child.send("\r")
    code, output = finish(child)
    assert code == 1, output
    expected = [i for i in IDS if i in ("claude", "cursor")]
    assert config_ids(repo) == expected
    assert ".airules.yml: created for " + ", ".join(expected) in output
    assert "CLAUDE.md: created" in output
    assert (repo / "CLAUDE.md").is_file()
    assert (repo / ".cursor/rules/ai-rules.mdc").is_file()
    assert not (repo / EDITORS["windsurf"].path).exists()
    check = subprocess.run([SCRIPT], cwd=repo, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


@needs_posix_terminal
def test_found_editors_are_preselected_and_j_k_move_from_a_subfolder(repo):
    (repo / ".cursor").mkdir()
    (repo / "AGENTS.md").write_text("# Notes by hand\n")
    sub = repo / "pkg" / "src"
    sub.mkdir(parents=True)
    child = spawn(sub, "--init")
    child.expect("2 of")
    # Down then up again with j and k, then accept the pre-selection as it is.
    child.send("jk\r")
    code, output = finish(child)
    assert code == 1, output
    assert config_ids(repo) == [i for i in IDS if i in ("agents", "cursor")]
    assert (repo / "AGENTS.md").read_text().startswith("# Notes by hand\n")
    assert sorted(p.name for p in sub.iterdir()) == []


@needs_posix_terminal
def test_enter_with_nothing_selected_asks_again(repo):
    child = spawn(repo, "--init")
    wait_for_picker(child)
    child.send("\r")
    child.expect("Nothing is selected")
    child.send("a\r")
    code, output = finish(child)
    assert code == 1, output
    assert config_ids(repo) == IDS
    # --init turns dedupe on: a target served through another file is not written.
    config = parse_config((repo / ".airules.yml").read_text(), ".airules.yml")
    served = {t.path for t in arrange(config.targets, config.dedupe) if t.served_by}
    assert config.dedupe and served
    for editor in EDITORS.values():
        assert (repo / editor.path).is_file() == (editor.path not in served), editor.path


@needs_posix_terminal
def test_missing_source_is_offered_the_starter(repo):
    (repo / "ai-rules.md").unlink()
    child = spawn(repo, "--init")
    child.expect(r"Create a starter ai-rules.md to edit\? \[y/N\]")
    child.sendline("maybe")
    child.expect("Please answer y or n.")
    child.sendline("y")
    wait_for_picker(child)
    child.send(move(IDS[0], "agents") + " \r")
    # The starter is shown, and the editors' files wait until the person says so.
    child.expect("## How to work here")
    child.expect(r"Write AGENTS.md from this starter now, placeholders and all\? .*\[y/N\]")
    child.sendline("y")
    code, output = finish(child)
    assert code == 1, output
    assert "ai-rules.md: created from the starter rules" in output
    assert (repo / "ai-rules.md").read_bytes() == starter_rules()
    assert config_ids(repo) == ["agents"]
    assert "## How to work here" in (repo / "AGENTS.md").read_text()


@needs_posix_terminal
def test_the_starter_goes_only_into_the_source_until_confirmed(repo):
    (repo / "ai-rules.md").unlink()
    child = spawn(repo, "--init")
    child.expect(r"Create a starter ai-rules.md to edit\? \[y/N\]")
    child.sendline("y")
    wait_for_picker(child)
    child.send(move(IDS[0], "agents") + " \r")
    child.expect(r"placeholders and all\? .*\[y/N\]")
    child.sendline("")
    code, output = finish(child)
    assert code == 1, output
    assert "edit ai-rules.md, then run `airules-check --fix` to write AGENTS.md" in output
    assert (repo / "ai-rules.md").read_bytes() == starter_rules()
    assert config_ids(repo) == ["agents"]
    assert not (repo / "AGENTS.md").exists()


@needs_posix_terminal
def test_init_offers_adoption_when_the_editors_files_hold_rules(repo):
    (repo / "ai-rules.md").unlink()
    (repo / "CLAUDE.md").write_text("# Notes\n\n- Use tabs.\n")
    (repo / ".clinerules").write_text("- Answer briefly.\n")
    child = spawn(repo, "--init")
    # No starter where rules exist: CLAUDE.md and the legacy .clinerules are pre-selected.
    wait_for_picker(child)
    child.send("\r")
    child.expect(r"CLAUDE.md, .clinerules already hold rules. Bring them into ai-rules.md\?")
    child.sendline("")
    child.expect(r"Write these \d+ changes\? \[y/N\] ")
    child.sendline("y")
    code, output = finish(child)
    assert code == 1, output
    assert config_ids(repo) == ["claude", "cline"]
    rules = (repo / "ai-rules.md").read_text()
    assert "- Use tabs." in rules and "- Answer briefly." in rules
    assert "Use tabs." in (repo / ".clinerules/ai-rules.md").read_text()
    assert main([]) == 0


def test_init_after_copying_claude_md_to_the_source_adopts_instead_of_doubling(repo, capsys):
    # The first thing a new user tries: cp CLAUDE.md ai-rules.md, then --init.
    (repo / "CLAUDE.md").write_text("# Project\n\n- Use tabs.\n- Answer briefly.\n")
    (repo / "ai-rules.md").write_text((repo / "CLAUDE.md").read_text())
    assert main(["--init", "--claude"]) == 2
    assert "`airules-check --adopt --claude`" in capsys.readouterr().err
    assert not (repo / ".airules.yml").exists()
    assert main(["--adopt", "--yes", "--claude"]) == 1
    claude = (repo / "CLAUDE.md").read_text()
    assert claude.count("Use tabs.") == 1 and claude.startswith("<!-- airules:begin")
    assert main([]) == 0


def test_init_with_flags_points_at_adopt_when_files_hold_rules(repo, capsys):
    (repo / "ai-rules.md").unlink()
    (repo / "CLAUDE.md").write_text("- Use tabs.\n")
    assert main(["--init", "--claude"]) == 2
    err = capsys.readouterr().err
    assert "CLAUDE.md already holds rules" in err and "`airules-check --adopt --claude`" in err
    assert snapshot(repo) == {"CLAUDE.md": b"- Use tabs.\n"}


@needs_posix_terminal
@pytest.mark.parametrize("answer", [pytest.param("", id="enter"), pytest.param("n", id="n")])
def test_declining_the_starter_writes_nothing(repo, answer):
    (repo / "ai-rules.md").unlink()
    child = spawn(repo, "--fix")
    child.expect(r"\[y/N\]")
    child.sendline(answer)
    code, output = finish(child)
    assert code == 2
    assert "ai-rules.md: source file not found" in output
    assert "Which editors" not in output
    assert snapshot(repo) == {}


@needs_posix_terminal
@pytest.mark.parametrize(
    "key",
    [
        pytest.param("\x03", id="ctrl-c"),
        pytest.param("q", id="q"),
        pytest.param("\x1b", id="esc"),
    ],
)
def test_cancelling_the_picker_writes_nothing_and_restores_the_terminal(repo, key):
    (repo / ".cursor").mkdir()
    before = snapshot(repo)
    child = spawn_then_stty(repo, "--fix")
    wait_for_picker(child)
    child.send(move(IDS[0], "claude") + " " + move("claude", "agents") + " ")
    child.expect(f"3 of {len(IDS)} selected")
    child.send(key)
    child.expect("setup cancelled; nothing was written")
    child.expect(r"exit=(\d+)")
    assert child.match.group(1) == "130"
    code, settings = finish(child)
    assert code == 0
    # Canonical input, echo and signals are back on after the picker's raw mode.
    words = settings.split()
    assert {"icanon", "echo", "isig", "icrnl", "ixon"} <= set(words), settings
    assert snapshot(repo) == before
    assert not (repo / ".airules.yml").exists()


@needs_posix_terminal
def test_ctrl_c_at_the_starter_question_writes_nothing(repo):
    (repo / "ai-rules.md").unlink()
    child = spawn(repo, "--init")
    child.expect(r"\[y/N\]")
    child.sendintr()
    code, output = finish(child)
    assert code == 130
    assert "setup cancelled; nothing was written" in output
    assert snapshot(repo) == {}


@needs_posix_terminal
def test_ci_false_still_asks(repo):
    child = spawn(repo, "--fix", env=terminal_env(CI="false"))
    wait_for_picker(child)
    child.send("q")
    code, output = finish(child)
    assert code == 130
    assert "setup cancelled" in output
    assert snapshot(repo) == {"ai-rules.md": (repo / "ai-rules.md").read_bytes()}


def test_every_starter_placeholder_is_known():
    from airules.render import STARTER_PLACEHOLDER_RE

    lines = [line for line in starter_rules().decode().splitlines() if ": (" in line]
    assert len(lines) == len(STARTER_PLACEHOLDER_RE.findall(starter_rules().decode())) == 6


def test_placeholders_never_land_in_a_hand_written_file(repo, capsys):
    (repo / "ai-rules.md").write_bytes(starter_rules())
    (repo / "CLAUDE.md").write_text("# Mine\n\nHand-written.\n")
    (repo / ".airules.yml").write_text("targets: [claude, agents]\n")
    assert main(["--fix"]) == 2
    err = capsys.readouterr().err
    assert "ai-rules.md:8: still holds the starter's placeholder" in err and "CLAUDE.md" in err
    assert (repo / "CLAUDE.md").read_text() == "# Mine\n\nHand-written.\n"
    # A file holding nothing but the rules may have them: that is what the starter is for.
    (repo / "CLAUDE.md").unlink()
    assert main(["--fix"]) == 1
