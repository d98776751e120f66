"""The registry of editors: data only, one record per editor."""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("current", "legacy", "deprecated")


@dataclass(frozen=True)
class Limit:
    """The most of a file an editor reads; anything past it is dropped without a word."""

    size: int
    # "bytes" or "characters".
    unit: str
    # Who stops reading, and of what: "<size> <unit> {reader} reads {what}".
    reader: str
    what: str
    # Codex adds up the AGENTS.md files from the root down to the working folder.
    cumulative: bool = False


# What a scoped rule's front matter value is made from (see `Scope.front_matter`).
NAME = "<rule name>"
DESCRIPTION = "<description>"
# The description, saying which paths the rule is for: for editors that pick by description.
DESCRIPTION_WITH_PATHS = "<description naming the paths>"
GLOBS_LIST = "<globs as a YAML list>"
GLOBS_TEXT = "<globs as one comma-separated string>"


@dataclass(frozen=True)
class Scope:
    """One file per scoped rule, with front matter that makes the editor apply it by path."""

    # Where the rule's file goes; {name} is the rule's file name without `.md`.
    path: str
    # (key, value) in order; a value is NAME, DESCRIPTION, DESCRIPTION_WITH_PATHS, GLOBS_LIST,
    # GLOBS_TEXT, or a literal YAML scalar. A DESCRIPTION line is left out when the rule has none.
    front_matter: tuple[tuple[str, str], ...]
    # The page that documents this form.
    docs: str
    # "paths" (applied when a matching file is in play) or "description" (the agent decides).
    by: str = "paths"
    # Why this form, where the documentation left a choice.
    note: str = ""


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
    # "current"; "legacy" (still read, but `successor` is preferred now); or "deprecated"
    # (on its way out since `since`: move to `successor`).
    status: str = "current"
    since: str = ""
    # A registry id where there is one, else the name of what replaces it.
    successor: str = ""
    # Why, in a few words.
    note: str = ""
    # Follows `@path` imports, so `mode: import` can point it at the source.
    imports: bool = False
    # Also reads its file in sub-folders, so `nested: true` gives each package a copy.
    nested: bool = False
    limit: Limit | None = None
    # How the editor limits a rule to some paths (`ai-rules/NAME.md` with `paths:`); None when
    # it cannot, and scoped rules then become sections of its one file (`no_scope` says why).
    scope: Scope | None = None
    no_scope: str = ""


# Front-matter keys that decide whether an editor applies a rule file on every request
# (Cursor alwaysApply, Windsurf/Devin trigger, Augment type, Kiro inclusion, Copilot applyTo):
# a config's `front_matter:` may add keys to a known editor's, never change these.
APPLY_KEYS = frozenset({"alwaysApply", "trigger", "type", "inclusion", "applyTo"})

# Zed reads only the first of these that exists at the top of a worktree.
# https://zed.dev/docs/ai/rules
ZED_FIRST_MATCH = (
    ".rules",
    ".cursorrules",
    ".windsurfrules",
    ".clinerules",
    ".github/copilot-instructions.md",
    "AGENT.md",
    "AGENTS.md",
    "CLAUDE.md",
    "GEMINI.md",
)

# https://developers.openai.com/codex/guides/agents-md
_CODEX_LIMIT = Limit(
    32 * 1024,
    "bytes",
    "Codex",
    "of the AGENTS.md files from the root down (project_doc_max_bytes)",
    cumulative=True,
)
# Older Windsurf docs said 6,000; the current Windsurf and Devin docs say 12,000.
_WINDSURF_LIMIT = Limit(12_000, "characters", "Windsurf", "of one rule file")
_DEVIN_LIMIT = Limit(12_000, "characters", "Devin Desktop", "of one rule file")

# Scoped rules, per editor. Each URL is the page that documents the form.
_WINDSURF_GLOB = (("trigger", "glob"), ("description", DESCRIPTION), ("globs", GLOBS_LIST))
_SCOPES = {
    "augment": Scope(
        ".augment/rules/{name}.md",
        (("type", "agent_requested"), ("description", DESCRIPTION_WITH_PATHS)),
        "https://docs.augmentcode.com/setup-augment/guidelines",
        by="description",
        note="Augment has no path globs: an agent_requested rule is attached when its "
        "description matches the task, so the description names the paths",
    ),
    "claude": Scope(
        ".claude/rules/{name}.md",
        (("paths", GLOBS_LIST),),
        "https://code.claude.com/docs/en/memory",
        note="`paths:` as a YAML list, the documented form; Claude documents no description key",
    ),
    "cline": Scope(
        ".clinerules/{name}.md",
        (("paths", GLOBS_LIST),),
        "https://docs.cline.bot/features/cline-rules/conditional-rules",
        note="`paths` is the one conditional Cline documents",
    ),
    "continue": Scope(
        ".continue/rules/{name}.md",
        (
            ("name", NAME),
            ("description", DESCRIPTION),
            ("globs", GLOBS_LIST),
            ("alwaysApply", "false"),
        ),
        "https://docs.continue.dev/customize/deep-dives/rules",
        note="`name` is required; alwaysApply false: applied when the globs match",
    ),
    "copilot": Scope(
        ".github/instructions/{name}.instructions.md",
        (("description", DESCRIPTION), ("applyTo", GLOBS_TEXT)),
        "https://docs.github.com/en/copilot/how-tos/configure-custom-instructions/add-repository-instructions",
        note="`applyTo` takes one string of comma-separated globs",
    ),
    "cursor": Scope(
        ".cursor/rules/{name}.mdc",
        (("description", DESCRIPTION), ("globs", GLOBS_TEXT), ("alwaysApply", "false")),
        "https://cursor.com/docs/context/rules",
        note="`globs` as one comma-separated string, the form Cursor's own rule editor writes",
    ),
    "devin": Scope(
        ".devin/rules/{name}.md",
        _WINDSURF_GLOB,
        "https://docs.devin.ai/desktop/cascade/memories",
        note="`globs` as a YAML list: Devin Desktop also takes one string, the Devin CLI only "
        "a list",
    ),
    "kiro": Scope(
        ".kiro/steering/{name}.md",
        (("inclusion", "fileMatch"), ("fileMatchPattern", GLOBS_LIST)),
        "https://kiro.dev/docs/steering/",
        note="`fileMatchPattern` as a list, the form for several globs",
    ),
    "qwen": Scope(
        ".qwen/rules/{name}.md",
        (("description", DESCRIPTION), ("paths", GLOBS_LIST)),
        "https://qwenlm.github.io/qwen-code-docs/en/users/features/rules/",
    ),
    "windsurf": Scope(
        ".windsurf/rules/{name}.md",
        _WINDSURF_GLOB,
        "https://docs.windsurf.com/windsurf/cascade/memories",
        note="`trigger: glob`; `globs` as a YAML list, like Devin",
    ),
}
_SCOPES["copilot-path"] = _SCOPES["copilot"]


EDITORS: dict[str, Editor] = {
    e.id: e
    for e in (
        Editor(
            id="agents",
            name="AGENTS.md (Codex, Jules, Amp, OpenCode, Zed, ...)",
            path="AGENTS.md",
            shared=True,
            docs="https://agents.md",
            nested=True,
            limit=_CODEX_LIMIT,
            no_scope="one file (AGENTS.md has no front matter)",
        ),
        Editor(
            id="aider",
            name="Aider",
            path="CONVENTIONS.md",
            shared=True,
            # Aider reads it only when .aider.conf.yml lists it under `read:`.
            docs="https://aider.chat/docs/usage/conventions.html",
            no_scope="one file, read through `read:`",
        ),
        Editor(
            id="amazonq",
            name="Amazon Q Developer",
            path=".amazonq/rules/ai-rules.md",
            shared=False,
            docs="https://docs.aws.amazon.com/amazonq/latest/qdeveloper-ug/context-project-rules.html",
            no_scope="every file in .amazonq/rules is always applied; no front matter",
        ),
        Editor(
            id="augment",
            name="Augment / Auggie",
            path=".augment/rules/ai-rules.md",
            shared=False,
            # Workspace rules without a type are manual: attached only when picked by hand.
            front_matter="type: always_apply\n",
            docs="https://docs.augmentcode.com/cli/rules",
            scope=_SCOPES["augment"],
        ),
        Editor(
            id="claude",
            name="Claude Code",
            path="CLAUDE.md",
            shared=True,
            docs="https://code.claude.com/docs/en/memory",
            imports=True,
            nested=True,
            scope=_SCOPES["claude"],
        ),
        Editor(
            id="cline",
            name="Cline",
            path=".clinerules/ai-rules.md",
            shared=False,
            # A rule without `paths:` front matter applies everywhere.
            docs="https://docs.cline.bot/customization/cline-rules",
            scope=_SCOPES["cline"],
        ),
        Editor(
            id="continue",
            name="Continue",
            path=".continue/rules/ai-rules.md",
            shared=False,
            # Continue requires `name`; alwaysApply keeps it out of glob matching.
            front_matter="name: Project rules\nalwaysApply: true\n",
            docs="https://docs.continue.dev/customize/deep-dives/rules",
            status="deprecated",
            since="2026-06",
            successor="cursor",
            note="the project joined Cursor and its repository is read-only",
            scope=_SCOPES["continue"],
        ),
        Editor(
            id="copilot",
            name="GitHub Copilot",
            path=".github/copilot-instructions.md",
            shared=True,
            docs="https://docs.github.com/en/copilot/how-tos/configure-custom-instructions/add-repository-instructions",
            scope=_SCOPES["copilot"],
        ),
        Editor(
            id="copilot-path",
            name="GitHub Copilot (path-specific)",
            path=".github/instructions/ai-rules.instructions.md",
            shared=False,
            front_matter='applyTo: "**"\n',
            docs="https://docs.github.com/en/copilot/how-tos/configure-custom-instructions/add-repository-instructions",
            scope=_SCOPES["copilot-path"],
        ),
        Editor(
            id="crush",
            name="Crush",
            path="CRUSH.md",
            shared=True,
            docs="https://github.com/charmbracelet/crush",
            no_scope="one file",
        ),
        Editor(
            id="cursor",
            name="Cursor",
            path=".cursor/rules/ai-rules.mdc",
            shared=False,
            # Without alwaysApply Cursor treats the rule as manual and never applies it.
            front_matter="description: Project rules from ai-rules.md\nalwaysApply: true\n",
            docs="https://cursor.com/docs/context/rules",
            nested=True,
            scope=_SCOPES["cursor"],
        ),
        Editor(
            id="devin",
            name="Devin Desktop (formerly Windsurf)",
            path=".devin/rules/ai-rules.md",
            shared=False,
            front_matter="trigger: always_on\n",
            docs="https://docs.devin.ai/desktop/cascade/memories",
            nested=True,
            limit=_DEVIN_LIMIT,
            scope=_SCOPES["devin"],
        ),
        Editor(
            id="firebase",
            name="Firebase Studio",
            path=".idx/airules.md",
            shared=False,
            docs="https://firebase.google.com/docs/studio",
            no_scope="one file",
        ),
        Editor(
            id="gemini",
            name="Gemini CLI",
            path="GEMINI.md",
            shared=True,
            docs="https://geminicli.com/docs/cli/gemini-md",
            status="legacy",
            successor="Antigravity CLI",
            note="Antigravity CLI succeeds Gemini CLI and reads AGENTS.md first (`agents`)",
            imports=True,
            nested=True,
            no_scope="one file; no path scoping in GEMINI.md",
        ),
        Editor(
            id="goose",
            name="Goose",
            path=".goosehints",
            shared=True,
            docs="https://block.github.io/goose/docs/guides/using-goosehints",
            no_scope="one file",
        ),
        Editor(
            id="jetbrains",
            name="JetBrains AI Assistant",
            path=".aiassistant/rules/ai-rules.md",
            shared=False,
            docs="https://www.jetbrains.com/help/ai-assistant/configure-project-rules.html",
            no_scope="the rule type (By file patterns) is an IDE setting, not in the file",
        ),
        Editor(
            id="junie",
            name="JetBrains Junie",
            path=".junie/AGENTS.md",
            shared=False,
            docs="https://junie.jetbrains.com/docs/guidelines-and-memory.html",
            no_scope="one file",
        ),
        Editor(
            id="kilo",
            name="Kilo Code",
            path=".kilocode/rules/ai-rules.md",
            shared=False,
            docs="https://kilo.ai/docs/customize/custom-rules",
            status="legacy",
            successor="agents",
            note="Kilo Code 7 loads the root AGENTS.md",
            no_scope="rules are plain Markdown, applied always (only per mode, not per path)",
        ),
        Editor(
            id="kiro",
            name="Kiro",
            path=".kiro/steering/ai-rules.md",
            shared=False,
            front_matter="inclusion: always\n",
            docs="https://kiro.dev/docs/steering/",
            scope=_SCOPES["kiro"],
        ),
        Editor(
            id="openhands",
            name="OpenHands",
            path=".openhands/microagents/repo.md",
            shared=False,
            docs="https://docs.all-hands.dev/usage/prompting/microagents-repo",
            no_scope="microagents trigger on keywords, not paths",
        ),
        Editor(
            id="qwen",
            name="Qwen Code",
            path="QWEN.md",
            shared=True,
            docs="https://qwenlm.github.io/qwen-code-docs/",
            imports=True,
            scope=_SCOPES["qwen"],
        ),
        Editor(
            id="roo",
            name="Roo Code",
            path=".roo/rules/ai-rules.md",
            shared=False,
            docs="https://docs.roocode.com/features/custom-instructions",
            status="deprecated",
            since="2026-05",
            successor="Zoo Code",
            note="Roo Code reached end of life; Zoo Code reads the same .roo/rules/ folder",
            no_scope="rules are plain Markdown, applied always (only per mode, not per path)",
        ),
        Editor(
            id="trae",
            name="Trae",
            path=".trae/rules/project_rules.md",
            shared=False,
            docs="https://docs.trae.ai/ide/rules-for-ai",
            no_scope="no path scoping documented for project_rules.md",
        ),
        Editor(
            id="warp",
            name="Warp",
            path="WARP.md",
            shared=True,
            docs="https://docs.warp.dev/knowledge-and-collaboration/rules",
            status="legacy",
            successor="agents",
            note="Warp now reads AGENTS.md first",
            no_scope="one file",
        ),
        Editor(
            id="windsurf",
            name="Windsurf",
            path=".windsurf/rules/ai-rules.md",
            shared=False,
            front_matter="trigger: always_on\n",
            docs="https://docs.windsurf.com/windsurf/cascade/memories",
            status="legacy",
            since="2026-06-02",
            successor="devin",
            note="Windsurf was renamed Devin Desktop, which prefers .devin/rules/",
            nested=True,
            limit=_WINDSURF_LIMIT,
            scope=_SCOPES["windsurf"],
        ),
        Editor(
            id="zed",
            name="Zed",
            path=".rules",
            shared=True,
            docs="https://zed.dev/docs/ai/rules",
            no_scope="one file",
        ),
    )
}
