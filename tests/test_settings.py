"""Aider reads CONVENTIONS.md only through `read:` in .aider.conf.yml: airules keeps the entry,
editing a person's file surgically, or reporting the line to add where it cannot be safe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from airules.cli import main
from airules.settings import add_read_entry

ENTRY = "CONVENTIONS.md"

EDITS = [
    pytest.param("", "read: CONVENTIONS.md\n", id="empty"),
    pytest.param(
        "# my settings\nmodel: gpt-4o  # the team's\n\n",
        "# my settings\nmodel: gpt-4o  # the team's\n\nread: CONVENTIONS.md\n",
        id="comments-and-keys-kept",
    ),
    pytest.param("model: x", "model: x\nread: CONVENTIONS.md\n", id="no-final-newline"),
    pytest.param(
        "read: docs/style.md  # ours\nmodel: y\n",
        "read: [docs/style.md, CONVENTIONS.md]  # ours\nmodel: y\n",
        id="scalar-becomes-list",
    ),
    pytest.param(
        "read: [a.md, b.md]  # two\n",
        "read: [a.md, b.md, CONVENTIONS.md]  # two\n",
        id="flow-list",
    ),
    pytest.param("read: []\n", "read: [CONVENTIONS.md]\n", id="empty-flow-list"),
    pytest.param(
        "read:\n    - a.md\n    # why b\n    - 'b.md'\n\nauto-commits: false\n",
        "read:\n    - a.md\n    # why b\n    - 'b.md'\n    - CONVENTIONS.md\n"
        "\nauto-commits: false\n",
        id="block-list-keeps-its-indent",
    ),
    pytest.param("read:\nmodel: z\n", "read: CONVENTIONS.md\nmodel: z\n", id="null-read"),
    pytest.param('read: "my notes.md"\n', 'read: ["my notes.md", CONVENTIONS.md]\n', id="quoted"),
    pytest.param("read: CONVENTIONS.md\n", "read: CONVENTIONS.md\n", id="already-there"),
    pytest.param("read: [./CONVENTIONS.md]\n", "read: [./CONVENTIONS.md]\n", id="same-path"),
]

UNSAFE = [
    pytest.param("{model: x}\n", id="flow-mapping"),
    pytest.param("read: &mine a.md\n", id="anchor"),
    pytest.param("base: &b {x: 1}\nother: *b\n", id="alias"),
    pytest.param("read: !!str a.md\n", id="tag"),
    pytest.param("- a\n- b\n", id="not-a-mapping"),
    pytest.param("read: [a.md,\n  b.md]\n", id="flow-list-over-lines"),
    pytest.param("read:\n  - a.md\n    continued\n", id="multi-line-item"),
    pytest.param("read: |\n  a.md\n", id="block-scalar"),
    pytest.param("model: [unclosed\n", id="invalid-yaml"),
    pytest.param("read: a.md\nread: b.md\n", id="key-twice"),
]


@pytest.mark.parametrize(("before", "after"), EDITS)
def test_entry_is_added_by_a_line_edit(before, after):
    assert add_read_entry(before, ENTRY).text == after
    data = yaml.safe_load(after)
    read = data["read"]
    assert ENTRY in (read if isinstance(read, list) else [read]) or "./CONVENTIONS.md" in read


@pytest.mark.parametrize("before", UNSAFE)
def test_unsafe_shapes_are_not_edited(before):
    edit = add_read_entry(before, ENTRY)
    assert edit.text is None and edit.problem


def test_an_entry_that_needs_quotes_is_quoted():
    edit = add_read_entry("model: x\n", "docs/my rules: v2.md")
    assert edit.text == 'model: x\nread: "docs/my rules: v2.md"\n'
    assert yaml.safe_load(edit.text)["read"] == "docs/my rules: v2.md"


def test_aider_target_creates_the_settings_file(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    assert main([]) == 1
    out = capsys.readouterr().out
    assert (
        ".aider.conf.yml: missing: Aider reads CONVENTIONS.md only when this file lists it "
        "under `read:`\n"
    ) in out
    assert main(["--fix"]) == 1
    assert ".aider.conf.yml: created\n" in capsys.readouterr().out
    conf = (repo / ".aider.conf.yml").read_text()
    assert conf.startswith("# Aider reads the files listed under `read:`")
    assert yaml.safe_load(conf) == {"read": "CONVENTIONS.md"}
    assert main(["--strict"]) == 0
    assert main(["--fix"]) == 0


def test_aider_at_a_custom_path_is_the_entry(repo):
    (repo / ".airules.yml").write_text("targets:\n  - id: aider\n    path: docs/CONVENTIONS.md\n")
    assert main(["--fix"]) == 1
    assert yaml.safe_load((repo / ".aider.conf.yml").read_text()) == {"read": "docs/CONVENTIONS.md"}


def test_existing_file_keeps_every_comment_key_and_line_ending(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    before = "\ufeff# Team settings\r\nmodel: sonnet  # cheap\r\nread:\r\n  - docs/a.md\r\n"
    (repo / ".aider.conf.yml").write_bytes(before.encode("utf-8"))
    mode = 0o640
    os.chmod(repo / ".aider.conf.yml", mode)
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "does not list CONVENTIONS.md under `read:`, so Aider never reads it" in out
    assert "+  - CONVENTIONS.md" in out
    assert main(["--fix"]) == 1
    after = (repo / ".aider.conf.yml").read_bytes().decode("utf-8")
    assert after == before + "  - CONVENTIONS.md\r\n"
    assert (repo / ".aider.conf.yml").stat().st_mode & 0o777 == mode
    assert main([]) == 0


def test_file_that_cannot_be_edited_safely_is_reported_with_the_line(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    before = b"defaults: &d {model: x}\nprofile: *d\n"
    (repo / ".aider.conf.yml").write_bytes(before)
    assert main([]) == 1
    out = capsys.readouterr().out
    assert (
        ".aider.conf.yml: needs a hand edit: uses YAML anchors, aliases or tags, so airules does "
        "not edit it and Aider never reads CONVENTIONS.md; add it under `read:` by hand "
        "(`read: CONVENTIONS.md`)\n"
    ) in out
    for args in (["--fix"], ["--fix", "--force"]):
        assert main(args) == 1
        assert ".aider.conf.yml: needs a hand edit" in capsys.readouterr().out
        assert (repo / ".aider.conf.yml").read_bytes() == before
    assert (repo / "CONVENTIONS.md").is_file()


def test_a_clean_run_is_not_replayed_after_the_entry_goes(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    assert main(["--fix"]) == 1
    assert main([]) == 0  # stored in the cache, with .aider.conf.yml among its inputs
    (repo / ".aider.conf.yml").write_text("model: x\n")
    capsys.readouterr()
    assert main([]) == 1
    assert ".aider.conf.yml: missing: does not list CONVENTIONS.md" in capsys.readouterr().out


@pytest.mark.skipif(os.name == "nt", reason="symlinks need a privilege on Windows")
def test_settings_file_linking_outside_is_refused(repo, tmp_path, capsys):
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("model: x\n")
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    (repo / ".aider.conf.yml").symlink_to(outside)
    assert main(["--fix"]) == 2
    assert ".aider.conf.yml: resolves outside the repository" in capsys.readouterr().err
    assert outside.read_text() == "model: x\n"
    assert not (repo / "CONVENTIONS.md").exists()


def test_settings_file_that_is_a_folder_is_an_error(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    (repo / ".aider.conf.yml").mkdir()
    assert main(["--fix"]) == 2
    assert ".aider.conf.yml: is a directory" in capsys.readouterr().err
    assert not (repo / "CONVENTIONS.md").exists()


def test_no_settings_file_without_the_aider_target(repo):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    assert main(["--fix"]) == 1
    assert not Path(repo / ".aider.conf.yml").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_settings_file_that_is_a_fifo_is_an_error_not_a_hang(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [aider]\n")
    os.mkfifo(repo / ".aider.conf.yml")
    assert main(["--fix"]) == 2
    assert ".aider.conf.yml: is not a regular file" in capsys.readouterr().err
    assert not (repo / "CONVENTIONS.md").exists()
