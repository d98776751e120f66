"""Living with generated files: moved edits, formatters, and merges of two branches."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import git

from airules.cli import main
from airules.mdcompare import equivalent

RULES = (
    "# Rules\n\n"
    "Write code that a tired reviewer can follow at a glance, and keep each change small "
    "enough to review.\n\n"
    "* Write tests first.\n* Keep functions _small_.\n\n"
    "1) Run `pytest -q`.\n2) Run __ruff__.\n\n"
    "| tool | why |\n|---|---|\n| ruff | lint |\n\n"
    "    indented code\n"
)


def setup_repo(repo, targets="[claude, agents, cursor, windsurf]", rules=RULES):
    (repo / "ai-rules.md").write_text(rules)
    (repo / ".airules.yml").write_text(f"targets: {targets}\n")
    assert main(["--fix"]) == 1
    assert main([]) == 0


def test_a_moved_edit_is_in_sync_and_fix_refreshes_the_hash(repo, capsys):
    setup_repo(repo)
    # Someone edits CLAUDE.md's block and the .mdc, then makes the same edit in ai-rules.md.
    for path in ("CLAUDE.md", ".cursor/rules/ai-rules.mdc"):
        text = (repo / path).read_text()
        (repo / path).write_text(text.replace("Write tests first.", "Write the test first."))
    (repo / "ai-rules.md").write_text(RULES.replace("Write tests first.", "Write the test first."))
    capsys.readouterr()
    assert main([]) == 1  # AGENTS.md and windsurf are really out of date
    out = capsys.readouterr().out
    assert "CLAUDE.md: ok" in out and ".cursor/rules/ai-rules.mdc: ok" in out
    assert "edited by hand" not in out
    assert main(["--fix"]) == 1
    out = capsys.readouterr().out
    assert "edited by hand" not in out and "CLAUDE.md: updated" in out
    assert main([]) == 0
    assert main(["--fix"]) == 0  # nothing left: the hook passes on the next commit


def test_text_that_differs_from_both_generations_is_still_edited_by_hand(repo, capsys):
    setup_repo(repo, "[claude]")
    text = (repo / "CLAUDE.md").read_text()
    (repo / "CLAUDE.md").write_text(text.replace("Write tests first.", "Skip tests."))
    capsys.readouterr()
    assert main([]) == 1
    assert "CLAUDE.md: edited by hand" in capsys.readouterr().out


def mdformat(paths, *extra):
    subprocess.run([sys.executable, "-m", "mdformat", *extra, *map(str, paths)], check=True)


@pytest.mark.parametrize("extra", [(), ("--wrap", "40"), ("--number",)])
def test_mdformat_over_generated_files_is_not_a_hand_edit(repo, capsys, extra):
    if extra[:1] == ("--wrap",):
        # Plain mdformat knows no tables: wrapping joins a table's rows into one paragraph,
        # which really changes the document (see the test below), so this rules file has none.
        (repo / "ai-rules.md").write_text(RULES.replace("| tool | why |\n|---|---|\n", ""))
    setup_repo(repo, rules=(repo / "ai-rules.md").read_text() if extra else RULES)
    shared = [repo / "CLAUDE.md", repo / "AGENTS.md"]
    before = [p.read_text() for p in shared]
    mdformat(shared, *extra)
    after = [p.read_text() for p in shared]
    assert after != before  # the formatter really changed them
    capsys.readouterr()
    assert main([]) == 0, capsys.readouterr().out
    assert main(["--fix"]) == 0  # and --fix leaves the formatter's choices alone
    assert [p.read_text() for p in shared] == after


def test_mdformat_over_an_owned_file_without_front_matter(repo, capsys):
    setup_repo(repo, "[cline]")
    path = repo / ".clinerules/ai-rules.md"
    before = path.read_text()
    mdformat([path])
    assert path.read_text() != before
    assert main([]) == 0
    assert main(["--fix"]) == 0


def test_a_change_of_words_is_not_formatting():
    assert equivalent("- a\n- b\n", "* a\n* b\n")
    assert equivalent("Some *text*\nwrapped\n", "Some _text_ wrapped\n")
    assert equivalent("Title\n===\n", "# Title\n")
    assert equivalent("|a|b|\n|-|-|\n|1|2|\n", "| a | b |\n| - | - |\n| 1 | 2 |\n")
    assert not equivalent("- a\n- b\n", "- a\n- c\n")
    assert not equivalent("```\nx  y\n```\n", "```\nx y\n```\n")
    assert not equivalent("[a](http://x)\n", "[a](http://y)\n")
    assert not equivalent("# A\n", "## A\n")


def test_a_formatter_that_breaks_a_table_is_a_change(repo, capsys):
    setup_repo(repo, "[claude]")
    mdformat([repo / "CLAUDE.md"], "--wrap", "200")
    assert "| tool | why | |---|---|" in (repo / "CLAUDE.md").read_text()
    capsys.readouterr()
    assert main([]) == 1
    assert "CLAUDE.md: edited by hand" in capsys.readouterr().out


def test_formatted_and_then_changed_is_out_of_date_and_fixed(repo, capsys):
    setup_repo(repo, "[claude, cline]")
    mdformat([repo / "CLAUDE.md", repo / ".clinerules/ai-rules.md"], "--number")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "formatted")
    (repo / "ai-rules.md").write_text(RULES + "\nA new rule.\n")
    capsys.readouterr()
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "CLAUDE.md: out of date" in out and "edited by hand" not in out
    assert ".clinerules/ai-rules.md: out of date" in out
    assert main(["--fix"]) == 1
    assert "A new rule." in (repo / "CLAUDE.md").read_text()
    assert main([]) == 0


def test_a_formatter_that_breaks_front_matter_is_a_change(repo, capsys):
    # Plain mdformat knows no front matter: `---` becomes a rule and the keys a heading, so
    # Windsurf would no longer apply the file. That is not formatting.
    setup_repo(repo, "[windsurf]")
    mdformat([repo / ".windsurf/rules/ai-rules.md"])
    assert "## trigger: always_on" in (repo / ".windsurf/rules/ai-rules.md").read_text()
    capsys.readouterr()
    assert main([]) == 1
    assert "edited by hand" in capsys.readouterr().out


def test_formatted_and_edited_is_still_edited_by_hand(repo, capsys):
    setup_repo(repo, "[claude]")
    mdformat([repo / "CLAUDE.md"])
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "formatted")
    path = repo / "CLAUDE.md"
    path.write_text(path.read_text().replace("Keep functions", "Keep all functions"))
    (repo / "ai-rules.md").write_text(RULES + "\nA new rule.\n")
    capsys.readouterr()
    assert main([]) == 1
    assert "CLAUDE.md: edited by hand" in capsys.readouterr().out


# --- merges ---------------------------------------------------------------------------------


def two_branches(repo):
    """main and `other`, each with a different change to the rules, both fixed and committed."""
    setup_repo(repo, "[claude, agents, cursor]")
    (repo / "AGENTS.md").write_text("Hand-written intro.\n\n" + (repo / "AGENTS.md").read_text())
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "other")
    (repo / "ai-rules.md").write_text(RULES.replace("Write tests first.", "Write tests first!"))
    assert main(["--fix"]) == 1
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "ai-rules.md").write_text(RULES + "\nOne more rule at the end.\n")
    assert main(["--fix"]) == 1
    git(repo, "commit", "-qam", "main")


def merge(repo):
    return subprocess.run(
        ["git", "merge", "-q", "--no-edit", "other"], cwd=repo, capture_output=True, text=True
    )


def test_a_merge_conflict_between_generations_is_regenerated_by_fix(repo, capsys):
    two_branches(repo)
    result = merge(repo)
    assert result.returncode != 0
    conflicted = git(repo, "diff", "--name-only", "--diff-filter=U").split()
    assert "CLAUDE.md" in conflicted and "ai-rules.md" not in conflicted
    assert "<<<<<<<" in (repo / "CLAUDE.md").read_text()
    capsys.readouterr()
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "CLAUDE.md: out of date" in out and "conflict markers" in out
    assert main(["--fix"]) == 1
    for path in conflicted:
        text = (repo / path).read_text()
        assert "<<<<<<<" not in text and "Write tests first!" in text and "One more rule" in text
    assert (repo / "AGENTS.md").read_text().startswith("Hand-written intro.\n")
    assert main([]) == 0
    git(repo, "commit", "-qam", "merged")


def test_conflict_markers_in_the_source_are_an_error_naming_it(repo, capsys):
    setup_repo(repo, "[claude]")
    (repo / "ai-rules.md").write_text("# R\n<<<<<<< HEAD\n- a\n=======\n- b\n>>>>>>> other\n")
    capsys.readouterr()
    assert main(["--fix"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("airules: ai-rules.md:2: holds git merge conflict markers")


def test_conflict_markers_around_hand_written_text_are_left_to_a_person(repo, capsys):
    setup_repo(repo, "[claude]")
    text = (repo / "CLAUDE.md").read_text()
    (repo / "CLAUDE.md").write_text("<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b\n" + text)
    capsys.readouterr()
    assert main(["--fix"]) == 2
    assert "CLAUDE.md:1: holds git merge conflict markers around text" in capsys.readouterr().err


def test_with_the_merge_driver_generated_files_never_conflict(repo, capsys):
    two_branches(repo)
    assert main(["--install-merge-driver"]) == 0
    out = capsys.readouterr().out
    assert "merge.airules.driver" in out
    attributes = (repo / ".gitattributes").read_text()
    assert "/CLAUDE.md merge=airules\n" in attributes
    assert "/.cursor/rules/ai-rules.mdc merge=airules\n" in attributes
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "attributes")
    assert main(["--install-merge-driver"]) == 0  # again: nothing to add
    assert "already" in capsys.readouterr().out
    result = merge(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in ("CLAUDE.md", "AGENTS.md", ".cursor/rules/ai-rules.mdc"):
        assert "<<<<<<<" not in (repo / path).read_text()
    assert (repo / "AGENTS.md").read_text().startswith("Hand-written intro.\n")
    # The merge kept one generation; the merged rules are newer than both.
    assert main([]) == 1
    assert main(["--fix"]) == 1
    assert main([]) == 0
    assert "Write tests first!" in (repo / "CLAUDE.md").read_text()


def test_merge_driver_leaves_hand_written_conflicts_to_git(repo):
    setup_repo(repo, "[claude]")
    assert main(["--install-merge-driver"]) == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "other")
    text = (repo / "CLAUDE.md").read_text()
    (repo / "CLAUDE.md").write_text("theirs\n" + text)
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "CLAUDE.md").write_text("ours\n" + text)
    git(repo, "commit", "-qam", "main")
    assert merge(repo).returncode != 0
    merged = (repo / "CLAUDE.md").read_text()
    assert "<<<<<<<" in merged and "ours" in merged and "theirs" in merged


# --- advice that fits how airules runs ------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected", "absent"),
    [
        pytest.param({}, "run `airules-check --fix` to update", "pre-commit run", id="local"),
        pytest.param(
            {"PRE_COMMIT": "1"},
            "run `pre-commit run airules-fix --all-files` (without an `airules-fix` hook",
            "airules-check --fix`",
            id="pre-commit",
        ),
        pytest.param(
            {"GITHUB_ACTIONS": "true"},
            "in a checkout and push the result, or give this Action `mode: pull-request`",
            "pre-commit run",
            id="github-actions",
        ),
    ],
)
def test_the_closing_line_fits_how_airules_runs(repo, capsys, monkeypatch, env, expected, absent):
    for name in ("PRE_COMMIT", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    assert main([]) == 1
    out = capsys.readouterr().out
    assert expected in out and absent not in out


def test_equivalence_does_not_parse_texts_whose_words_differ():
    import sys

    sys.modules.pop("markdown_it", None)
    big = "".join(f"- rule {i}\n" for i in range(3000))
    assert not equivalent(big, big.replace("rule 2999", "rule 3000"))
    assert "markdown_it" not in sys.modules
    assert equivalent("1. a\n2. b\n", "1. a\n1. b\n")
    assert equivalent("Fish &amp; chips\n", "Fish & chips\n")
