"""Per-editor control in the config: front matter over the registry's, warnings turned off,
and suggestions for misspelt names."""

from __future__ import annotations

import pytest

from airules.cli import main
from airules.config import parse_config
from airules.errors import FatalError


def test_front_matter_on_a_known_editor_adds_keys_over_the_registrys(repo, capsys):
    (repo / ".airules.yml").write_text(
        "targets:\n"
        "  - id: cursor\n"
        "    front_matter:\n"
        "      description: Team rules\n"
        "      globs: src/**\n"
        "      alwaysApply: true\n"
    )
    assert main(["--fix"]) == 1
    text = (repo / ".cursor/rules/ai-rules.mdc").read_text()
    assert text.startswith(
        "---\ndescription: Team rules\nalwaysApply: true\nglobs: src/**\n---\n\n<!-- Generated"
    )
    assert main([]) == 0


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        pytest.param(
            "id: cursor\n    front_matter: {alwaysApply: false}",
            "`front_matter: alwaysApply` must stay True for cursor: it is what makes Cursor "
            "apply the file",
            id="cursor-always-apply",
        ),
        pytest.param(
            "id: windsurf\n    front_matter: {trigger: manual}",
            "`front_matter: trigger` must stay 'always_on' for windsurf",
            id="windsurf-trigger",
        ),
        pytest.param(
            "id: claude\n    front_matter: {x: 1}",
            "`front_matter`: claude's file is shared",
            id="shared",
        ),
    ],
)
def test_front_matter_cannot_drop_what_makes_the_editor_apply_the_file(entry, message):
    with pytest.raises(FatalError) as excinfo:
        parse_config(f"targets:\n  - {entry}\n", ".airules.yml")
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith(".airules.yml:")


def test_warnings_turns_named_kinds_off(repo, capsys):
    (repo / ".rules").write_text("Zed's own rules.\n")
    (repo / ".airules.yml").write_text("targets: [agents]\n")
    assert main(["--fix"]) == 1
    capsys.readouterr()
    assert main(["--strict"]) == 1
    assert ".rules: warning:" in capsys.readouterr().out
    (repo / ".airules.yml").write_text("targets: [agents]\nwarnings:\n  zed-first-match: false\n")
    assert main(["--strict"]) == 0
    assert "warning" not in capsys.readouterr().out
    # `true` keeps it on.
    (repo / ".airules.yml").write_text("targets: [agents]\nwarnings:\n  zed-first-match: true\n")
    assert main(["--strict"]) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "targets: [cluade]\n",
            ".airules.yml:1: unknown editor 'cluade'; valid editors: ",
            id="editor",
        ),
        pytest.param("targets: [claude]\nwarnings: {zed-first: false}\n", "zed-first", id="kind"),
        pytest.param("targets: [claude]\nwarning: {}\n", "'warnings'", id="top-key"),
        pytest.param(
            "targets:\n  - id: gemini\n    mode: imports\n", "(did you mean 'import'?)", id="mode"
        ),
    ],
)
def test_unknown_names_get_a_suggestion(text, message):
    with pytest.raises(FatalError) as excinfo:
        parse_config(text, ".airules.yml")
    assert message in str(excinfo.value)
    assert "did you mean" in str(excinfo.value)


def test_warnings_turns_off_the_planners_duplicate_rules_kind(repo, capsys):
    # Copilot reads .github/copilot-instructions.md and, through its CLI, AGENTS.md too.
    (repo / ".airules.yml").write_text("targets: [agents, copilot]\n")
    assert main(["--fix"]) == 1
    capsys.readouterr()
    assert main(["--format", "json"]) == 0
    assert '"kind": "duplicate-rules"' in capsys.readouterr().out
    (repo / ".airules.yml").write_text(
        "targets: [agents, copilot]\nwarnings:\n  duplicate-rules: false\n"
    )
    assert main(["--format", "json"]) == 0
    assert "duplicate-rules" not in capsys.readouterr().out
