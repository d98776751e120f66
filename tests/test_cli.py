from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airules.cli import main
from airules.targets import EDITORS

ALL_FLAGS = [f"--{e}" for e in EDITORS]


def write_config(root: Path, text: str) -> None:
    (root / ".airules.yml").write_text(text)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_no_config_and_no_flags_is_a_usage_error(repo, capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert ".airules.yml" in err and "--claude" in err


def test_flags_select_targets_without_config(repo, capsys):
    assert main(["--claude", "--cursor"]) == 1
    out = capsys.readouterr().out
    assert "CLAUDE.md: missing" in out
    assert ".cursor/rules/ai-rules.mdc: missing" in out
    assert "AGENTS.md" not in out
    assert "airules-check --fix" in out.splitlines()[-1]


def test_fix_writes_every_target_then_second_fix_changes_nothing(repo, capsys):
    assert main([*ALL_FLAGS, "--fix"]) == 1
    for editor in EDITORS.values():
        assert (repo / editor.path).is_file(), editor.path
    before = snapshot(repo)
    capsys.readouterr()
    assert main([*ALL_FLAGS, "--fix"]) == 0
    assert snapshot(repo) == before
    assert main(ALL_FLAGS) == 0
    assert "ok" in capsys.readouterr().out


def test_config_limits_run_to_flagged_editors(repo, capsys):
    write_config(repo, "targets: [claude, agents]\n")
    assert main(["--agents", "--fix"]) == 1
    assert (repo / "AGENTS.md").exists()
    assert not (repo / "CLAUDE.md").exists()
    assert main(["--cursor"]) == 2
    assert "has no `cursor` target" in capsys.readouterr().err


def test_drift_shows_diff_and_fix_command(repo, capsys):
    write_config(repo, "targets: [cursor]\n")
    assert main(["--fix"]) == 1
    (repo / "ai-rules.md").write_text("# Rules\n\n- Write tests first.\n- Name things well.\n")
    capsys.readouterr()
    assert main([]) == 1
    out = capsys.readouterr().out
    assert ".cursor/rules/ai-rules.mdc: out of date with ai-rules.md" in out
    assert "-- Keep functions small." in out
    assert "+- Name things well." in out
    assert out.splitlines()[-1].startswith("airules: 1 file out of sync")


def test_long_diff_is_cut_unless_diff_flag(repo, capsys):
    write_config(repo, "targets: [agents]\n")
    main(["--fix"])
    (repo / "ai-rules.md").write_text("".join(f"- rule {i}\n" for i in range(100)))
    capsys.readouterr()
    assert main([]) == 1
    short = capsys.readouterr().out
    assert "more diff lines; run `airules-check --diff`" in short
    assert main(["--diff"]) == 1
    full = capsys.readouterr().out
    assert "+- rule 99" in full and "more diff lines" not in full


def test_quiet_prints_only_problems(repo, capsys):
    write_config(repo, "targets: [claude, agents]\n")
    main(["--fix"])
    (repo / "AGENTS.md").unlink()
    capsys.readouterr()
    assert main(["--quiet"]) == 1
    out = capsys.readouterr().out
    assert "AGENTS.md: missing" in out
    assert "CLAUDE.md" not in out


def test_runs_from_a_subfolder_with_root_relative_paths(repo, capsys, monkeypatch):
    write_config(repo, "targets: [claude, windsurf]\n")
    sub = repo / "pkg" / "deep"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert main(["--fix"]) == 1
    assert (repo / "CLAUDE.md").exists()
    assert (repo / ".windsurf/rules/ai-rules.md").exists()
    assert not (sub / "CLAUDE.md").exists()
    capsys.readouterr()
    (repo / "CLAUDE.md").unlink()
    assert main([]) == 1
    assert "CLAUDE.md: missing" in capsys.readouterr().out.splitlines()


def test_missing_source_is_a_config_error(repo, capsys):
    (repo / "ai-rules.md").unlink()
    assert main(["--claude"]) == 2
    err = capsys.readouterr().err
    assert "ai-rules.md: source file not found" in err
    assert not (repo / "CLAUDE.md").exists()


def test_json_report_is_stable(repo, capsys):
    write_config(repo, "targets: [claude, cursor]\n")
    main(["--cursor", "--fix"])
    capsys.readouterr()
    assert main(["--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1
    assert doc["exit_code"] == 1
    assert doc["config"] == ".airules.yml"
    assert [(t["id"], t["state"]) for t in doc["targets"]] == [
        ("claude", "missing"),
        ("cursor", "ok"),
    ]


@pytest.mark.parametrize(
    ("env", "flag", "colored"),
    [
        pytest.param({}, "always", True, id="always"),
        pytest.param({}, "never", False, id="never"),
        pytest.param({}, "auto", False, id="auto-not-a-terminal"),
        pytest.param({"NO_COLOR": "1"}, "auto", False, id="no-color"),
    ],
)
def test_colour_only_when_asked_or_on_a_terminal(repo, capsys, monkeypatch, env, flag, colored):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    main(["--claude", "--color", flag])
    assert ("\033[" in capsys.readouterr().out) is colored


def test_installed_console_script_and_module_run_as_subprocesses(repo):
    scripts = Path(sys.executable).parent
    exe = scripts / ("airules-check.exe" if os.name == "nt" else "airules-check")
    result = subprocess.run([exe, "--agents", "--fix"], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "AGENTS.md: created" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "airules", "--agents"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "AGENTS.md: ok" in result.stdout
