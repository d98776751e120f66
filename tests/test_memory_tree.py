"""The engine works on any `Tree`, not only the working copy: here a tree held in memory,
without symlinks, as a branch read through an API would be."""

from __future__ import annotations

from conftest import MemoryTree

from airules.config import parse_config
from airules.engine import COPY_FALLBACK, State, advise, apply, expand, plan


def test_symlink_mode_on_a_tree_without_symlinks_is_a_copy():
    tree = MemoryTree({"ai-rules.md": "- one\n"})
    config = parse_config("targets:\n  - {id: claude, mode: symlink}\n", ".airules.yml")
    (status,) = plan(tree, config)
    assert status.state is State.MISSING
    (written,) = apply(tree, [status])
    assert written.link is None and written.message == COPY_FALLBACK
    assert b"- one\n" in tree.files["CLAUDE.md"]
    (again,) = plan(tree, config)
    assert again.state is State.OK


def test_nested_sources_come_from_the_tree_listing():
    tree = MemoryTree(
        {
            "ai-rules.md": "- root\n",
            "svc/a/ai-rules.md": "- a\n",
            "svc/b/ai-rules.md": "- b\n",
        }
    )
    config = parse_config("nested: true\ntargets: [agents, copilot]\n", ".airules.yml")
    targets = expand(tree, config)
    assert [(t.path, t.source) for t in targets] == [
        ("AGENTS.md", None),
        (".github/copilot-instructions.md", None),
        ("svc/a/AGENTS.md", "svc/a/ai-rules.md"),
        ("svc/b/AGENTS.md", "svc/b/ai-rules.md"),
    ]
    statuses = plan(tree, config, targets)
    apply(tree, statuses)
    assert b"- a\n" in tree.files["svc/a/AGENTS.md"]
    assert b"- root" not in tree.files["svc/a/AGENTS.md"]
    assert all(s.state is State.OK for s in plan(tree, config, targets))
    # Only the note that Copilot CLI also reads AGENTS.md, which no arrangement avoids.
    advice = advise(tree, config, targets, plan(tree, config, targets))
    assert [(a.kind, a.path, a.note) for a in advice] == [
        ("duplicate-rules", ".github/copilot-instructions.md", True)
    ]
