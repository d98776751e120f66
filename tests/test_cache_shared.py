"""The stored replay entry writes what its inputs share once: equal trails are one object."""

from __future__ import annotations

from airules import cache
from airules.cli import main


def test_inputs_in_one_folder_share_one_trail_and_still_replay(repo):
    (repo / "ai-rules.md").write_text("# Rules\n\n- Be kind.\n")
    (repo / ".airules.yml").write_text(
        "targets:\n"
        "  - id: claude\n    path: docs/deep/CLAUDE.md\n"
        "  - id: agents\n    path: docs/deep/AGENTS.md\n"
    )
    assert main(["--fix"]) == 1
    assert main([]) == 0
    path = cache.cache_file(str(repo))
    entries = cache.stored(path)
    (run,) = [v for v in entries.values() if v[0] != "memo"]
    trails = [
        value[1] if kind == "l" else value[0]
        for kind, name, value in run[0]
        if name.startswith("docs/deep/") and kind in "lf"
    ]
    assert len(trails) >= 4
    # Two folders deep, and every observation below them carries that very trail object.
    assert len(trails[0]) == 2
    assert all(trail is trails[0] for trail in trails)
    # Shared or not, the entry replays, and a change under the shared folder is still seen.
    assert main([]) == 0
    (repo / "docs" / "deep" / "AGENTS.md").write_text("edited by hand\n")
    assert main([]) == 1
