from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from airules.cli import main
from airules.config import TargetConfig, parse_config
from airules.errors import FatalError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_custom_target_defaults_its_id_to_the_path_and_dumps_front_matter():
    config = parse_config(
        "targets:\n"
        "  - path: .newtool/rules.md\n"
        "    front_matter:\n"
        "      applyTo: '**'\n"
        "      tags: [a, b]\n"
        "  - id: team-notes\n"
        "    path: NOTES.md\n"
        "    shared: true\n",
        ".airules.yml",
    )
    first, second = config.targets
    assert (first.id, first.path, first.shared, first.custom) == (
        ".newtool/rules.md",
        ".newtool/rules.md",
        False,
        True,
    )
    assert yaml.safe_load(first.front_matter) == {"applyTo": "**", "tags": ["a", "b"]}
    assert (second.id, second.shared, second.front_matter, second.line) == (
        "team-notes",
        True,
        "",
        6,
    )


def test_registry_id_with_a_path_is_that_editor_at_another_path():
    (target,) = parse_config(
        "targets:\n  - {id: cursor, path: .cursor/rules/team.mdc}\n", "c"
    ).targets
    assert not target.custom
    assert target.front_matter.endswith("alwaysApply: true\n")


def test_modes_and_nested_are_read():
    config = parse_config(
        "nested: true\ntargets:\n  - {id: claude, mode: import}\n  - {id: agents, mode: symlink}\n",
        "c",
    )
    assert config.nested
    assert [t.mode for t in config.targets] == ["import", "symlink"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "targets: [{id: nope}]",
            ".airules.yml:1: unknown editor 'nope'; valid editors: agents, aider,",
            id="unknown-id-without-path",
        ),
        pytest.param(
            "targets: [{id: nope}]",
            "give the entry a `path:`",
            id="unknown-id-suggests-custom-target",
        ),
        pytest.param(
            "targets:\n  - {path: x.md, mode: paste}",
            ".airules.yml:2: unknown mode 'paste'; valid modes: copy, import, symlink",
            id="unknown-mode",
        ),
        pytest.param(
            "targets:\n  - {id: cursor, mode: import}",
            ".airules.yml:2: mode import: Cursor does not follow @path imports",
            id="import-without-import-support",
        ),
        pytest.param(
            "targets:\n  - {id: kiro, mode: symlink}",
            ".airules.yml:2: mode symlink: Kiro needs front matter (inclusion: always, ...)",
            id="symlink-needs-front-matter",
        ),
        pytest.param(
            "targets:\n  - {path: x.mdc, front_matter: {a: 1}, mode: symlink}",
            "mode symlink: the target x.mdc needs front matter",
            id="symlink-custom-with-front-matter",
        ),
        pytest.param(
            "targets:\n  - {id: claude, shared: false}",
            ".airules.yml:2: `shared` is fixed by the editor for `claude`",
            id="shared-on-registry-editor",
        ),
        pytest.param(
            "targets:\n  - path: x.md\n    shared: true\n    front_matter: {a: 1}",
            ".airules.yml:4: `front_matter` needs `shared: false`",
            id="front-matter-on-shared",
        ),
        pytest.param(
            "targets:\n  - {path: x.md, front_matter: [a]}",
            "`front_matter` must be a mapping",
            id="front-matter-not-mapping",
        ),
        pytest.param(
            "targets:\n  - {path: x.md, shared: maybe}",
            ".airules.yml:2: `shared` must be true or false",
            id="shared-not-bool",
        ),
        pytest.param(
            "nested: 1\ntargets: [claude]",
            ".airules.yml:1: `nested` must be true or false",
            id="nested-not-bool",
        ),
        pytest.param(
            "targets:\n  - {mode: copy}",
            "a target mapping needs an `id:` naming the editor, or a `path:`",
            id="neither-id-nor-path",
        ),
        pytest.param(
            "targets:\n  - {path: x.md, front_matter: &a {k: 1}}\n"
            "  - {path: y.md, front_matter: *a}",
            "YAML anchors and aliases are not supported",
            id="alias-in-front-matter",
        ),
        pytest.param(
            "targets:\n  - agents\n  - {path: AGENTS.md, id: mine}",
            ".airules.yml:3: target path 'AGENTS.md' is already used by the entry on line 2",
            id="custom-on-editor-path",
        ),
    ],
)
def test_bad_config_names_file_line_and_choices(text, expected):
    with pytest.raises(FatalError) as caught:
        parse_config(text, ".airules.yml")
    assert expected in str(caught.value)


def test_bad_mode_through_main_is_exit_2_and_writes_nothing(repo, capsys):
    (repo / ".airules.yml").write_text("targets:\n  - claude\n  - {id: copilot, mode: import}\n")
    assert main(["--fix"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("airules: .airules.yml:3: mode import: GitHub Copilot")
    assert "claude, codebuddy, gemini, qwen" in err
    assert not (repo / "CLAUDE.md").exists()


def test_readme_example_config_is_valid():
    text = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = parse_config(example, ".airules.yml")
    assert config.nested
    modes = {t.id: t.mode for t in config.targets}
    assert modes == {
        "claude": "copy",
        "agents": "copy",
        "cursor": "copy",
        "gemini": "import",
        "junie": "symlink",
        "newtool": "copy",
    }
    assert any(isinstance(t, TargetConfig) and t.custom for t in config.targets)
