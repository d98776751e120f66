"""Output cannot be forged: repository text reaches a terminal or a CI log with its control
characters escaped, `--format github` never lets it start a workflow command on stdout or
stderr, a reader that goes away ends the run quietly, and a diff says "No newline at end of
file" only at a file's end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip(
        "symlinks, FIFOs, control characters in file names and preexec_fn are POSIX",
        allow_module_level=True,
    )

from conftest import git

from airules.cli import main

SCRIPT = Path(sys.executable).parent / "airules-check"
# Escape sequences: CSI (ESC [), OSC (ESC ]) and the 8-bit C1 forms, and BEL/CR tricks.
FORGED = "\x1b]0;pwned\x07\x1b[2J\x1b[1A\r\x9b31m::error::forged\n::warning::also\u2028::notice::x"
OUR_SGR = re.compile(r"\x1b\[(?:0|1|31|32|33|36)m")


def _no_raw_controls(text: str, *, color: bool = False) -> None:
    if color:
        text = OUR_SGR.sub("", text)
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, (bad, text)
    assert "\u2028" not in text


@pytest.mark.parametrize("color", ["never", "always"])
def test_escape_sequences_in_the_rules_are_escaped_in_a_diff(repo, capsys, color):
    (repo / "ai-rules.md").write_text(f"# Rules\n\n- {FORGED}\n")
    (repo / "CLAUDE.md").write_text(f"# Mine {FORGED}\n")
    assert main(["--claude", "--color", color]) == 1
    out, err = capsys.readouterr()
    assert "\\x1b]0;pwned\\x07" in out
    _no_raw_controls(out, color=color == "always")
    _no_raw_controls(err)


def test_a_symlink_text_with_control_characters_is_escaped(repo, capsys):
    (repo / "AGENTS.md").symlink_to(f"x{FORGED}")
    (repo / ".airules.yml").write_text("targets:\n  - {id: agents, mode: symlink}\n")
    assert main([]) == 1
    out, err = capsys.readouterr()
    _no_raw_controls(out)
    _no_raw_controls(err)
    assert out.count("\n::") == 0


def _command_lines(text: str) -> list[str]:
    """Lines the runner would read as workflow commands, outside ::stop-commands:: spans."""
    commands, token = [], None
    for line in text.split("\n"):
        if token is not None:
            if line == f"::{token}::":
                token = None
            continue
        if line.startswith("::stop-commands::"):
            token = line[len("::stop-commands::") :]
            continue
        if line.startswith("::"):
            commands.append(line)
    return commands


def test_github_format_lets_no_repository_text_start_a_workflow_command(repo, tmp_path):
    (repo / "ai-rules.md").write_text(f"# Rules\n\n- {FORGED}\n")
    (repo / "AGENTS.md").symlink_to(f"x{FORGED}")
    (repo / ".airules.yml").write_text(
        "targets:\n  - claude\n  - {id: agents, mode: symlink}\n  - cursor\n"
    )
    (repo / "CLAUDE.md").write_text(f"# Mine {FORGED}\n\n<!-- airules:begin -->\n")
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    for args in ([], ["--fix"]):
        result = subprocess.run(
            [SCRIPT, "--format", "github", *args], cwd=repo, capture_output=True, text=True, env=env
        )
        assert result.returncode in (1, 2), result
        # Our own annotations only: repository text may appear in their message, escaped,
        # but never at the start of a line.
        for line in _command_lines(result.stdout):
            assert line.startswith("::error file="), line
            assert "forged" not in line.split("::")[1], line
        assert _command_lines(result.stderr) == [], result.stderr
        assert not any(line.startswith("::") for line in result.stderr.splitlines())
        _no_raw_controls(result.stdout)
        _no_raw_controls(result.stderr)


def test_a_nested_source_whose_path_holds_a_newline_is_refused_in_one_escaped_line(repo, capsys):
    evil = repo / "pkg\n::error::forged"
    evil.mkdir()
    (evil / "ai-rules.md").write_text("# Package rules\n")
    git(repo, "add", "-A")
    (repo / ".airules.yml").write_text("nested: true\ntargets: [agents]\n")
    assert main(["--fix"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("airules: pkg\\x0a::error::forged/"), err
    assert "control character" in err
    assert not (evil / "AGENTS.md").exists()


def test_git_warnings_filling_the_stderr_pipe_do_not_deadlock_the_listing(repo, capsys):
    # 2,000 tracked files named like the source, each line of ls-files output long; plus a
    # repository config that makes git warn on stderr for each one is hard to arrange, so the
    # stderr side is driven by a wrapper `git` that writes 1 MiB of warnings first.
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir()
    real_git = subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    wrapper = bin_dir / "git"
    wrapper.write_text(
        f"#!/bin/sh\nhead -c 1048576 /dev/zero | tr '\\0' 'w' >&2\nexec \"{real_git}\" \"$@\"\n"
    )
    wrapper.chmod(0o755)
    (repo / "pkg").mkdir()
    (repo / "pkg" / "ai-rules.md").write_text("# Package rules\n")
    (repo / ".airules.yml").write_text("nested: true\ntargets: [agents]\n")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [SCRIPT, "--fix"], cwd=repo, capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 1, result.stderr[-500:]
    assert (repo / "pkg" / "AGENTS.md").is_file()


def _drifted(repo: Path, lines: int) -> None:
    (repo / "ai-rules.md").write_text(
        "# Rules\n\n" + "".join(f"- rule {i}\n" for i in range(lines))
    )


def test_a_reader_that_leaves_ends_the_run_quietly(repo):
    (repo / "CLAUDE.md").write_text("# Ours\n")
    _drifted(repo, 50_000)  # a diff far larger than a pipe holds
    proc = subprocess.Popen(
        [SCRIPT, "--claude", "--diff"], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| true`: the reader is gone before the report is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode in (1, -signal.SIGPIPE)


def test_a_closed_stdout_ends_the_run_quietly(repo):
    _drifted(repo, 10)
    for args in (["--claude"], ["--claude", "--fix"]):
        result = subprocess.run(
            [SCRIPT, *args],
            cwd=repo,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: os.close(1),
        )
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 1


def test_no_newline_is_claimed_only_at_the_end_of_a_file(repo, capsys):
    # Form feeds and U+2028 are line breaks to str.splitlines but not to a diff.
    (repo / "CLAUDE.md").write_text("# Notes\x0cpage two\u2028more\n")
    assert main(["--claude"]) == 1
    out = capsys.readouterr().out
    assert "No newline at end of file" not in out
    (repo / "CLAUDE.md").write_text("# Notes\x0cpage two\n\nlast line without newline")
    assert main(["--claude"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    marks = [i for i, line in enumerate(lines) if line == "\\ No newline at end of file"]
    assert len(marks) == 1 and lines[marks[0] - 1] == "-last line without newline", out
