"""Generated files and blocks whose target was removed from the config."""

from __future__ import annotations

import json

from conftest import git

from airules.cli import main


def set_up(repo, targets):
    (repo / ".airules.yml").write_text(f"targets: [{', '.join(targets)}]\n")
    assert main(["--fix"]) == 1
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "set up")


def test_a_removed_target_is_reported_and_pruned(repo, capsys):
    (repo / "AGENTS.md").write_text("# Notes\n\nHand-written.\n")
    set_up(repo, ["claude", "agents", "windsurf", "cursor"])
    # windsurf -> devin, as the README advises; agents dropped.
    (repo / ".airules.yml").write_text("targets: [claude, devin, cursor]\n")
    capsys.readouterr()
    assert main([]) == 1
    out = capsys.readouterr().out
    assert (
        ".windsurf/rules/ai-rules.md: it was generated from ai-rules.md but is no longer a target"
        in out
    )
    assert "AGENTS.md: its airules block was generated from ai-rules.md but is no longer" in out
    assert "--fix --prune" in out
    assert main(["--fix"]) == 1  # devin written; orphans still reported
    assert (repo / ".windsurf/rules/ai-rules.md").exists()
    capsys.readouterr()
    assert main(["--fix", "--prune"]) == 1
    out = capsys.readouterr().out
    assert ".windsurf/rules/ai-rules.md: deleted" in out
    assert "AGENTS.md: airules block removed" in out
    assert not (repo / ".windsurf/rules/ai-rules.md").exists()
    assert (repo / "AGENTS.md").read_text() == "# Notes\n\nHand-written.\n\n"
    assert main([]) == 0
    assert main(["--fix", "--prune"]) == 0


def test_a_shared_file_holding_only_the_block_is_deleted(repo, capsys):
    set_up(repo, ["claude", "agents"])
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    assert main(["--fix", "--prune"]) == 1
    assert not (repo / "AGENTS.md").exists()


def test_an_orphan_changed_by_hand_is_never_deleted(repo, capsys):
    set_up(repo, ["claude", "cursor", "agents"])
    mdc = repo / ".cursor/rules/ai-rules.mdc"
    mdc.write_text(mdc.read_text() + "\nA line someone added.\n")
    agents = repo / "AGENTS.md"
    agents.write_text(agents.read_text().replace("Write tests first", "Write tests"))
    before = mdc.read_bytes(), agents.read_bytes()
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    capsys.readouterr()
    assert main(["--fix", "--prune"]) == 1
    out = capsys.readouterr().out
    assert ".cursor/rules/ai-rules.mdc: it was generated" in out and "changed since" in out
    assert (mdc.read_bytes(), agents.read_bytes()) == before


def test_a_deleted_nested_source_leaves_orphans(repo, capsys):
    (repo / "pkg").mkdir()
    (repo / "pkg/ai-rules.md").write_text("# Package rules\n")
    (repo / ".airules.yml").write_text("nested: true\ntargets: [claude]\n")
    assert main(["--fix"]) == 1
    assert (repo / "pkg/CLAUDE.md").exists()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "nested")
    git(repo, "rm", "-q", "pkg/ai-rules.md")
    capsys.readouterr()
    assert main([]) == 1
    assert "pkg/CLAUDE.md: its airules block was generated" in capsys.readouterr().out
    assert main(["--fix", "--prune"]) == 1
    assert not (repo / "pkg/CLAUDE.md").exists()


def test_files_quoting_markers_are_not_orphans(repo, capsys):
    set_up(repo, ["claude"])
    (repo / "docs").mkdir()
    (repo / "docs/how.md").write_text(
        "Example:\n\n```\n<!-- airules:begin -->\nx\n<!-- airules:end -->\n```\n"
    )
    (repo / "fixture.py").write_text('X = """\n<!-- airules:begin -->\n<!-- airules:end -->\n"""\n')
    (repo / "inline.md").write_text("The marker `<!-- airules:begin -->` starts a block.\n")
    git(repo, "add", "-A")
    assert main([]) == 0


def test_orphans_in_the_json_report_and_not_with_editor_flags(repo, capsys):
    set_up(repo, ["claude", "cursor"])
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    capsys.readouterr()
    assert main(["--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [o["path"] for o in doc["orphans"]] == [".cursor/rules/ai-rules.mdc"]
    assert main(["--claude"]) == 0


def test_prune_needs_fix(repo, capsys):
    assert main(["--prune"]) == 2
    assert "--prune: works only with --fix" in capsys.readouterr().err
