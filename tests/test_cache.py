"""The clean-run cache: replayed only when not one byte of any input changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import needs_symlinks

import airules
from airules.cli import main

# Runs airules in a fresh interpreter and reports whether the run was a full one: a replay
# answers before the engine (and PyYAML) is ever imported.
PROBE = (
    "import sys\n"
    "from airules.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('FULL' if 'airules.engine' in sys.modules else 'REPLAY', code, file=sys.stderr)\n"
    "raise SystemExit(code)\n"
)


def probe(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, int, str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    kind, code = result.stderr.strip().splitlines()[-1].split()
    assert int(code) == result.returncode
    return kind, result.returncode, result.stdout


@pytest.fixture
def clean(repo: Path) -> Path:
    (repo / ".airules.yml").write_text("targets: [claude, agents, cursor, windsurf]\n")
    (repo / "CLAUDE.md").write_text("# Mine\n\nNotes.\n")
    assert main(["--fix"]) == 1
    return repo


def test_second_identical_clean_run_is_replayed_without_importing_the_engine(clean):
    first = probe(clean)
    assert first[:2] == ("FULL", 0)
    second = probe(clean)
    assert second == ("REPLAY", 0, first[2])
    assert (clean / ".git" / "airules-cache").is_file()


@pytest.mark.parametrize(
    ("path", "change", "code"),
    [
        pytest.param("ai-rules.md", lambda b: b + b"x", 1, id="source-byte-added"),
        pytest.param("ai-rules.md", lambda b: b.replace(b"first", b"firsT"), 1, id="source-byte"),
        pytest.param("CLAUDE.md", lambda b: b.replace(b"Notes", b"Nates"), 0, id="text-outside"),
        pytest.param("CLAUDE.md", lambda b: b.replace(b"small", b"smalL"), 1, id="shared-block"),
        # Markdown that means the same (a final newline, below one more) is in sync.
        pytest.param("AGENTS.md", lambda b: b[:-1], 0, id="shared-last-byte"),
        pytest.param("CLAUDE.md", lambda b: b.replace(b"\n- ", b"\n* "), 0, id="markers"),
        pytest.param(
            ".cursor/rules/ai-rules.mdc",
            lambda b: b.replace(b"true", b"True"),
            1,
            id="front-matter",
        ),
        pytest.param(".windsurf/rules/ai-rules.md", lambda b: b + b"\n", 0, id="owned-newline"),
        pytest.param(".windsurf/rules/ai-rules.md", lambda b: b + b"x\n", 1, id="owned-text"),
        pytest.param(".airules.yml", lambda b: b + b" ", 0, id="config-space"),
        # CLAUDE.md's block is then generated for no target: an orphan, reported.
        pytest.param(
            ".airules.yml", lambda b: b.replace(b"claude, ", b""), 1, id="config-target-removed"
        ),
        pytest.param("CLAUDE.md", lambda b: b.replace(b"\n", b"\r\n"), 0, id="crlf-only"),
    ],
)
def test_a_changed_byte_in_any_input_means_a_full_run(clean, path, change, code):
    probe(clean)
    assert probe(clean)[0] == "REPLAY"
    target = clean / path
    target.write_bytes(change(target.read_bytes()))
    kind, got, _ = probe(clean)
    assert (kind, got) == ("FULL", code)


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda root: (root / "AGENTS.md").unlink(), id="target-deleted"),
        pytest.param(
            lambda root: (root / ".airules.yml").rename(root / ".airules.yaml"),
            id="config-renamed",
        ),
        pytest.param(
            lambda root: (root / ".airules.yaml").write_text("targets: [claude]\n"),
            id="second-config",
        ),
    ],
)
def test_files_appearing_or_disappearing_are_noticed(clean, action):
    probe(clean)
    assert probe(clean)[0] == "REPLAY"
    action(clean)
    assert probe(clean)[0] == "FULL"


@needs_symlinks
def test_a_target_replaced_by_a_symlink_with_the_same_bytes_means_a_full_run(clean):
    probe(clean)
    agents = clean / "AGENTS.md"
    (clean / "docs").mkdir()
    shutil.move(agents, clean / "docs" / "AGENTS.md")
    agents.symlink_to("docs/AGENTS.md")
    assert probe(clean)[0] == "FULL"


def test_options_cwd_and_colour_are_part_of_the_key(clean):
    _, _, plain = probe(clean)
    kind, _, quiet = probe(clean, "--quiet")
    # Only problems: no `ok` lines, just the warning that Cursor also reads AGENTS.md.
    assert kind == "FULL" and quiet.startswith(".cursor/rules/ai-rules.mdc: warning: ")
    assert plain.startswith("CLAUDE.md: ok\n") and len(quiet.splitlines()) == 1
    assert probe(clean, "--quiet")[0] == "REPLAY"
    kind, _, json_out = probe(clean, "--format", "json")
    assert kind == "FULL" and json_out.startswith("{")
    (clean / "sub").mkdir()
    assert probe(clean / "sub")[0] == "FULL"
    env = dict(os.environ, NO_COLOR="1")
    assert probe(clean, env=env)[0] == "FULL"
    assert probe(clean)[2] == plain


def test_only_clean_runs_are_stored(repo):
    (repo / ".airules.yml").write_text("targets: [agents]\n")
    assert probe(repo)[:2] == ("FULL", 1)
    assert probe(repo)[:2] == ("FULL", 1)
    assert probe(repo, "--fix")[:2] == ("FULL", 1)
    assert probe(repo, "--fix")[:2] == ("FULL", 0)
    assert probe(repo, "--fix")[:2] == ("REPLAY", 0)


def test_cache_can_be_turned_off_and_a_corrupt_cache_is_ignored(clean):
    probe(clean)
    env = dict(os.environ, AIRULES_CACHE="0")
    assert probe(clean, env=env)[0] == "FULL"
    (clean / ".git" / "airules-cache").write_bytes(b"\x00garbage")
    kind, code, out = probe(clean)
    assert (kind, code) == ("FULL", 0)
    assert "AGENTS.md: ok" in out
    assert probe(clean)[0] == "REPLAY"


def test_a_change_to_airules_itself_means_a_full_run(clean, tmp_path):
    # A private copy of the package, so that editing it cannot disturb other tests.
    lib = tmp_path / "lib"
    shutil.copytree(Path(airules.__file__).parent, lib / "airules")
    env = dict(os.environ, PYTHONPATH=str(lib))
    probe(clean, env=env)
    assert probe(clean, env=env)[0] == "REPLAY"
    render = lib / "airules" / "render.py"
    render.write_text(render.read_text() + "\n# a comment\n")
    assert probe(clean, env=env)[0] == "FULL"


def test_nested_rules_added_later_are_noticed(repo):
    (repo / ".airules.yml").write_text("nested: true\ntargets: [agents]\n")
    assert main(["--fix"]) == 1
    probe(repo)
    assert probe(repo)[:2] == ("REPLAY", 0)
    (repo / "pkg").mkdir()
    (repo / "pkg" / "ai-rules.md").write_text("# Package rules\n")
    kind, code, out = probe(repo)
    assert (kind, code) == ("FULL", 1)
    assert "pkg/AGENTS.md: missing" in out


def test_no_git_folder_means_no_cache(tmp_path, monkeypatch):
    (tmp_path / ".airules.yml").write_text("targets: [agents]\n")
    (tmp_path / "ai-rules.md").write_text("# Rules\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--fix"]) == 1
    assert probe(tmp_path)[:2] == ("FULL", 0)
    assert probe(tmp_path)[:2] == ("FULL", 0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".airules.yml",
        "AGENTS.md",
        "ai-rules.md",
    ]


def test_a_replay_imports_nothing_heavy(clean):
    probe(clean)
    code = (
        "import sys\n"
        "from airules.cli import main\n"
        "assert main([]) == 0\n"
        "heavy = {'yaml', 'markdown_it', 'argparse', 'difflib', 'airules.engine', 'github'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=clean, capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"


YAML_PROBE = (
    "import sys\n"
    "from airules.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('yaml' in sys.modules, code, file=sys.stderr)\n"
)


def yaml_probe(root: Path) -> tuple[bool, int, str]:
    result = subprocess.run(
        [sys.executable, "-c", YAML_PROBE], cwd=root, capture_output=True, text=True
    )
    imported, code = result.stderr.strip().splitlines()[-1].split()
    return imported == "True", int(code), result.stdout


def test_a_drifted_run_reuses_the_parsed_config_while_its_text_is_unchanged(clean):
    (clean / "ai-rules.md").write_text("# New rules\n")
    assert yaml_probe(clean)[:2] == (False, 1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("targets: [agents]\n", "targets: [claude]\n", id="same-length"),
        pytest.param("targets: [agents]\n", "targets: [agents]\n\n", id="one-byte-more"),
        pytest.param("targets: [agents]\n", "targets: [agents, claude]\n", id="added"),
    ],
)
def test_a_changed_byte_in_the_config_is_parsed_again(repo, before, after):
    (repo / ".airules.yml").write_text(before)
    main(["--fix"])
    (repo / "ai-rules.md").write_text("# Drifted\n")
    assert yaml_probe(repo)[:2] == (False, 1)
    (repo / ".airules.yml").write_text(after)
    imported, code, out = yaml_probe(repo)
    assert (imported, code) == (True, 1)
    for editor in ("agents", "claude"):
        path = {"agents": "AGENTS.md", "claude": "CLAUDE.md"}[editor]
        reported = [
            line
            for line in out.splitlines()
            if line.startswith(f"{path}: ") and "warning" not in line and "no longer" not in line
        ]
        assert bool(reported) is (editor in after)
