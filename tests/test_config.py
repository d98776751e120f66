from __future__ import annotations

import pytest

from airules.cli import main
from airules.config import parse_config
from airules.errors import FatalError


def test_editor_ids_and_mappings_with_paths():
    config = parse_config(
        "source: docs/rules.md\n"
        "targets:\n"
        "  - claude\n"
        "  - {id: cursor, path: .cursor/rules/team.mdc}\n",
        ".airules.yml",
    )
    assert config.source == "docs/rules.md"
    assert [(t.id, t.path, t.shared, t.line) for t in config.targets] == [
        ("claude", "CLAUDE.md", True, 3),
        ("cursor", ".cursor/rules/team.mdc", False, 4),
    ]
    assert "alwaysApply: true" in config.targets[1].front_matter


def test_source_defaults_to_ai_rules_md():
    assert parse_config("targets: [agents]\n", ".airules.yml").source == "ai-rules.md"


BAD_CONFIGS = [
    pytest.param(
        "targets: [claude]\nsorce: x.md\n",
        ".airules.yml:2: unknown key 'sorce' in the configuration; "
        "valid keys: source, nested, targets, include, rules_dir, rules_in_folders, dedupe",
        id="unknown-top-key",
    ),
    pytest.param(
        "targets:\n  - claude\n  - emacs\n",
        ".airules.yml:3: unknown editor 'emacs'; valid editors: agents, aider,",
        id="unknown-editor",
    ),
    pytest.param(
        "targets:\n  - {id: cursor, pth: x.mdc}\n",
        ".airules.yml:2: unknown key 'pth' in a target; valid keys: id, path",
        id="unknown-target-key",
    ),
    pytest.param(
        "targets:\n  - claude\n  - {id: agents, path: CLAUDE.md}\n",
        ".airules.yml:3: target path 'CLAUDE.md' is already used by the entry on line 2",
        id="duplicate-path",
    ),
    pytest.param(
        "targets: claude\n",
        ".airules.yml:1: `targets` must be a non-empty list",
        id="targets-not-a-list",
    ),
    pytest.param("targets: []\n", "must be a non-empty list", id="targets-empty"),
    pytest.param(
        "source: 3\ntargets: [claude]\n",
        ".airules.yml:1: source must be a string",
        id="source-wrong-type",
    ),
    pytest.param(
        "targets:\n  - {id: claude, path: [a]}\n",
        ".airules.yml:2: path must be a string",
        id="path-wrong-type",
    ),
    pytest.param(
        "targets:\n  - {shared: true}\n",
        ".airules.yml:2: a target mapping needs an `id:` naming the editor, or a `path:`",
        id="mapping-without-id",
    ),
    pytest.param(
        "- claude\n", ".airules.yml:1: the configuration must be a mapping", id="top-level-list"
    ),
    pytest.param("", ".airules.yml: is empty", id="empty-file"),
    pytest.param("source: x.md\n", ".airules.yml:1: has no `targets:`", id="no-targets"),
    pytest.param("targets: [claude\n", ".airules.yml:2: not valid YAML", id="malformed-yaml"),
    pytest.param(
        "targets:\n  - {id: claude, path: ../CLAUDE.md}\n",
        "path '../CLAUDE.md' contains '..'; it must stay inside the repository",
        id="dotdot-path",
    ),
    pytest.param(
        "targets:\n  - {id: claude, path: /etc/CLAUDE.md}\n",
        "path '/etc/CLAUDE.md' is absolute",
        id="absolute-path",
    ),
    pytest.param(
        "targets:\n  - {id: claude, path: ai-rules.md}\n",
        "target path 'ai-rules.md' is the source file itself",
        id="target-is-source",
    ),
    pytest.param(
        "x: &a [claude]\ntargets: *a\n",
        "unknown key 'x'",
        id="unknown-key-before-alias",
    ),
    pytest.param(
        "source: &s CLAUDE.md\ntargets:\n  - {id: claude, path: *s}\n",
        "YAML anchors and aliases are not supported",
        id="alias",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_CONFIGS)
def test_bad_config_names_file_line_and_choices(text, message):
    with pytest.raises(FatalError) as excinfo:
        parse_config(text, ".airules.yml")
    assert message in str(excinfo.value)


@pytest.mark.parametrize(("text", "message"), BAD_CONFIGS[:6])
def test_bad_config_exits_2_and_writes_nothing(repo, capsys, text, message):
    (repo / ".airules.yml").write_text(text)
    assert main(["--fix"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("airules: .airules.yml")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in repo.iterdir()) == [".airules.yml", ".git", "ai-rules.md"]


def test_yaml_extension_is_accepted(repo):
    (repo / ".airules.yaml").write_text("targets: [agents]\n")
    assert main(["--fix"]) == 1
    assert (repo / "AGENTS.md").exists()


def test_both_config_names_is_an_error(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [agents]\n")
    (repo / ".airules.yaml").write_text("targets: [claude]\n")
    assert main([]) == 2
    assert "keep only one" in capsys.readouterr().err


def test_config_flag_points_at_another_file(repo, capsys, monkeypatch):
    (repo / "tools").mkdir()
    (repo / "tools" / "airules.yml").write_text("targets: [windsurf]\n")
    monkeypatch.chdir(repo / "tools")
    assert main(["--config", "airules.yml", "--fix"]) == 1
    assert (repo / ".windsurf/rules/ai-rules.md").exists()
    assert main(["--config", "missing.yml"]) == 2
    assert "tools/missing.yml: config file not found" in capsys.readouterr().err
