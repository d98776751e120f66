"""The registry of editors: data only, one record per editor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Editor:
    id: str
    name: str
    # Default path relative to the repository root.
    path: str
    # Shared files also hold text people write; airules manages only a marked block there.
    # Owned files are generated whole.
    shared: bool
    # YAML front matter (without the --- lines) that makes the editor always apply the file.
    front_matter: str = ""
    docs: str = ""
    status: str = "current"


EDITORS: dict[str, Editor] = {
    e.id: e
    for e in (
        Editor(
            id="agents",
            name="AGENTS.md (Codex, Jules, Amp, OpenCode, Zed, ...)",
            path="AGENTS.md",
            shared=True,
            docs="https://agents.md",
        ),
        Editor(
            id="claude",
            name="Claude Code",
            path="CLAUDE.md",
            shared=True,
            docs="https://code.claude.com/docs/en/memory",
        ),
        Editor(
            id="copilot",
            name="GitHub Copilot",
            path=".github/copilot-instructions.md",
            shared=True,
            docs="https://docs.github.com/en/copilot/how-tos/configure-custom-instructions/add-repository-instructions",
        ),
        Editor(
            id="cursor",
            name="Cursor",
            path=".cursor/rules/ai-rules.mdc",
            shared=False,
            # Without alwaysApply Cursor treats the rule as manual and never applies it.
            front_matter="description: Project rules from ai-rules.md\nalwaysApply: true\n",
            docs="https://cursor.com/docs/context/rules",
        ),
        Editor(
            id="windsurf",
            name="Windsurf",
            path=".windsurf/rules/ai-rules.md",
            shared=False,
            front_matter="trigger: always_on\n",
            docs="https://docs.windsurf.com/windsurf/cascade/memories",
        ),
    )
}
