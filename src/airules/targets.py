"""The registry of editors: data only, one record per editor.

What each editor reads is data too. An `Editor` (or a `Reader`: an agent with no file of its own,
served by the files of others) lists its `reads`: one `Read` per file or folder, each saying
*when* the editor reads it and *how we know*:

- `ALWAYS`: whenever the file exists (for a path ending in `/`: every file below that folder);
- `FALLBACK`: only when the file named by `unless` is missing (Claude Code reads `AGENTS.md`
  only without a `CLAUDE.md`);
- `FIRST`: `paths` is a list, and only the first of them that exists is read (Zed, Junie);
- `SETTING`: only when a setting names it (`setting`: the settings file and key, such as
  Aider's `read:` in `.aider.conf.yml`).

`evidence` holds a documentation URL or `conformance:<agent>@<version>`: the run of the agent's
own CLI that showed it (the conformance harness's results). `surface`, when set, says the fact
holds for one part of the editor only (Copilot CLI, not Copilot in the IDE or code review): it
counts towards duplicates but is never relied on to serve the editor. `airules.planner` derives
from these facts how many times the rules reach each editor.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("current", "legacy", "deprecated")

ALWAYS = "always"
FALLBACK = "fallback"
FIRST = "first"
SETTING = "setting"
WHENS = (ALWAYS, FALLBACK, FIRST, SETTING)


@dataclass(frozen=True)
class Setting:
    """A settings file, and the key in it that must name a file for the editor to read it."""

    file: str
    # Dotted for nested keys: `context.fileName`.
    key: str


@dataclass(frozen=True)
class Read:
    """One file, or folder of rule files, that an editor reads, when, and how we know."""

    # Repository-relative; a folder ends with `/`. For FIRST, the candidates in order.
    paths: tuple[str, ...]
    when: str = ALWAYS
    # FALLBACK: read only when this file is missing.
    unless: str = ""
    # SETTING: the setting that has to name the file.
    setting: Setting | None = None
    # Documentation URLs or `conformance:<agent>@<version>` references; at least one.
    evidence: tuple[str, ...] = ()
    # The part of the editor this holds for, when not all of it (e.g. "Copilot CLI").
    surface: str = ""


def always(path: str, *evidence: str, surface: str = "") -> Read:
    return Read((path,), ALWAYS, evidence=evidence, surface=surface)


def fallback(path: str, unless: str, *evidence: str) -> Read:
    return Read((path,), FALLBACK, unless=unless, evidence=evidence)


def first(paths: tuple[str, ...], *evidence: str) -> Read:
    return Read(paths, FIRST, evidence=evidence)


def via_setting(path: str, setting: Setting, *evidence: str) -> Read:
    return Read((path,), SETTING, setting=setting, evidence=evidence)


@dataclass(frozen=True)
class Reader:
    """An agent that has no file of its own and reads the files of others (OpenCode reads
    AGENTS.md): not a target, but the planner counts what reaches it."""

    id: str
    name: str
    docs: str
    reads: tuple[Read, ...]


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
    # What the editor reads, in which order, and the evidence (see the module docstring).
    reads: tuple[Read, ...] = ()
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


# Evidence. `conformance:<agent>@<version>` names a run of the agent's own CLI in
# conformance/results.json (its agent key and pinned version); tests/test_planner.py holds every
# such fact to that file.
_CLAUDE_RUN = "conformance:claude@2.1.332"
_CODEX_RUN = "conformance:codex@0.171.0"
_GEMINI_RUN = "conformance:gemini@0.61.0"
_COPILOT_RUN = "conformance:copilot@1.0.102"
_OPENCODE_RUN = "conformance:opencode@1.18.33"
_QWEN_RUN = "conformance:qwen@0.24.4"
_KILO_RUN = "conformance:kilo@7.7.7"
_CLINE_RUN = "conformance:cline@3.0.65"
_AUGGIE_RUN = "conformance:auggie@0.36.0"
_CONTINUE_RUN = "conformance:continue@1.5.47"
_DROID_RUN = "conformance:droid@0.225.2"
_AIDER_RUN = "conformance:aider@0.86.2"
_OPENHANDS_RUN = "conformance:openhands@1.16.0"

_COPILOT_DOCS = "https://docs.github.com/en/copilot/how-tos/configure-custom-instructions/add-repository-instructions"
# Copilot CLI also reads these; Copilot in the IDE and code review were not shown to.
_COPILOT_CLI_READS = (
    always("AGENTS.md", _COPILOT_RUN, surface="Copilot CLI"),
    always("CLAUDE.md", _COPILOT_RUN, surface="Copilot CLI"),
    always("GEMINI.md", _COPILOT_RUN, surface="Copilot CLI"),
)
_COPILOT_READS = (
    always(".github/copilot-instructions.md", _COPILOT_DOCS, _COPILOT_RUN),
    always(".github/instructions/", _COPILOT_DOCS, _COPILOT_RUN),
    *_COPILOT_CLI_READS,
)
_HERMES_DOCS = "https://hermes-agent.nousresearch.com/docs/user-guide/features/context-files"
_GROK_DOCS = "https://docs.x.ai/build/features/project-rules"

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
            reads=(
                always(
                    "AGENTS.md", "https://developers.openai.com/codex/guides/agents-md", _CODEX_RUN
                ),
            ),
            no_scope="one file (AGENTS.md has no front matter)",
        ),
        Editor(
            id="aider",
            name="Aider",
            path="CONVENTIONS.md",
            shared=True,
            # Aider reads it only when .aider.conf.yml lists it under `read:`, which airules
            # manages (airules.settings).
            docs="https://aider.chat/docs/usage/conventions.html",
            reads=(
                via_setting(
                    "CONVENTIONS.md",
                    Setting(".aider.conf.yml", "read"),
                    "https://aider.chat/docs/config/aider_conf.html",
                    _AIDER_RUN,
                ),
            ),
            no_scope="one file, read through `read:`",
        ),
        Editor(
            id="amazonq",
            name="Amazon Q Developer",
            path=".amazonq/rules/ai-rules.md",
            shared=False,
            docs="https://docs.aws.amazon.com/amazonq/latest/qdeveloper-ug/context-project-rules.html",
            status="deprecated",
            since="2025-11",
            successor="kiro",
            note="its CLI became Kiro CLI and its IDE plugins end support on 2027-04-30",
            reads=(
                always(
                    ".amazonq/rules/",
                    "https://docs.aws.amazon.com/amazonq/latest/qdeveloper-ug/context-project-rules.html",
                ),
            ),
            no_scope="every file in .amazonq/rules is always applied; no front matter",
        ),
        Editor(
            id="antigravity",
            name="Antigravity",
            path=".agents/rules/ai-rules.md",
            shared=False,
            # Rule types as in Windsurf; without a trigger a rule is not always on.
            front_matter="trigger: always_on\n",
            docs="https://discuss.ai.google.dev/t/new-folder-for-rules/126165",
            reads=(
                always(
                    ".agents/rules/", "https://discuss.ai.google.dev/t/new-folder-for-rules/126165"
                ),
                always("GEMINI.md", "https://antigravity.codes/blog/user-rules"),
                always("AGENTS.md", "https://antigravity.codes/blog/user-rules"),
            ),
            no_scope="one always-on rule file; a glob trigger for Antigravity is not documented "
            "where airules could check it",
        ),
        Editor(
            id="augment",
            name="Augment / Auggie",
            path=".augment/rules/ai-rules.md",
            shared=False,
            # Workspace rules without a type are manual: attached only when picked by hand.
            front_matter="type: always_apply\n",
            docs="https://docs.augmentcode.com/cli/rules",
            reads=(
                always(".augment/rules/", "https://docs.augmentcode.com/cli/rules", _AUGGIE_RUN),
                always("AGENTS.md", _AUGGIE_RUN),
                always("CLAUDE.md", _AUGGIE_RUN),
            ),
            scope=_SCOPES["augment"],
        ),
        Editor(
            id="bob",
            name="IBM Bob",
            path=".bob/rules/ai-rules.md",
            shared=False,
            docs="https://bob.ibm.com/docs/ide/configuration/rules",
            reads=(
                always(
                    ".bob/rules/",
                    "https://bob.ibm.com/docs/shell/configuration/bobshell-custom-rules",
                ),
            ),
            no_scope="every rules file applies to every conversation; no path scoping documented",
        ),
        Editor(
            id="claude",
            name="Claude Code",
            path="CLAUDE.md",
            shared=True,
            docs="https://code.claude.com/docs/en/memory",
            imports=True,
            nested=True,
            reads=(
                always("CLAUDE.md", "https://code.claude.com/docs/en/memory", _CLAUDE_RUN),
                always(".claude/rules/", "https://code.claude.com/docs/en/memory"),
                fallback("AGENTS.md", "CLAUDE.md", _CLAUDE_RUN),
            ),
            scope=_SCOPES["claude"],
        ),
        Editor(
            id="cline",
            name="Cline",
            path=".clinerules/ai-rules.md",
            shared=False,
            # A rule without `paths:` front matter applies everywhere.
            docs="https://docs.cline.bot/customization/cline-rules",
            reads=(
                always(
                    ".clinerules/", "https://docs.cline.bot/customization/cline-rules", _CLINE_RUN
                ),
                always("AGENTS.md", _CLINE_RUN),
            ),
            scope=_SCOPES["cline"],
        ),
        Editor(
            id="codebuddy",
            name="CodeBuddy Code",
            path="CODEBUDDY.md",
            shared=True,
            docs="https://cloud.tencent.com/document/product/1831/137011",
            imports=True,
            reads=(
                always("CODEBUDDY.md", "https://cloud.tencent.com/document/product/1831/137011"),
                always(
                    ".codebuddy/rules/", "https://cloud.tencent.com/document/product/1831/137011"
                ),
            ),
            no_scope="one file",
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
            reads=(
                always(
                    ".continue/rules/",
                    "https://docs.continue.dev/customize/deep-dives/rules",
                    _CONTINUE_RUN,
                ),
                always("AGENTS.md", _CONTINUE_RUN),
                fallback("CLAUDE.md", "AGENTS.md", _CONTINUE_RUN),
            ),
            scope=_SCOPES["continue"],
        ),
        Editor(
            id="copilot",
            name="GitHub Copilot",
            path=".github/copilot-instructions.md",
            shared=True,
            docs=_COPILOT_DOCS,
            reads=_COPILOT_READS,
            scope=_SCOPES["copilot"],
        ),
        Editor(
            id="copilot-path",
            name="GitHub Copilot (path-specific)",
            path=".github/instructions/ai-rules.instructions.md",
            shared=False,
            front_matter='applyTo: "**"\n',
            docs=_COPILOT_DOCS,
            reads=_COPILOT_READS,
            scope=_SCOPES["copilot-path"],
        ),
        Editor(
            id="crush",
            name="Crush",
            path="CRUSH.md",
            shared=True,
            docs="https://github.com/charmbracelet/crush",
            reads=(always("CRUSH.md", "https://github.com/charmbracelet/crush"),),
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
            reads=(
                always(".cursor/rules/", "https://cursor.com/docs/context/rules"),
                always("AGENTS.md", "https://cursor.com/docs/context/rules"),
            ),
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
            reads=(always(".devin/rules/", "https://docs.devin.ai/desktop/cascade/memories"),),
            scope=_SCOPES["devin"],
        ),
        Editor(
            id="firebase",
            name="Firebase Studio",
            path=".idx/airules.md",
            shared=False,
            docs="https://firebase.google.com/docs/studio",
            reads=(always(".idx/airules.md", "https://firebase.google.com/docs/studio"),),
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
            reads=(
                always("GEMINI.md", "https://geminicli.com/docs/cli/gemini-md", _GEMINI_RUN),
                # No AGENTS.md fallback: only when settings name it.
                via_setting(
                    "AGENTS.md",
                    Setting(".gemini/settings.json", "context.fileName"),
                    "https://geminicli.com/docs/cli/gemini-md",
                    _GEMINI_RUN,
                ),
            ),
            no_scope="one file; no path scoping in GEMINI.md",
        ),
        Editor(
            id="goose",
            name="Goose",
            path=".goosehints",
            shared=True,
            docs="https://block.github.io/goose/docs/guides/using-goosehints",
            reads=(
                always(".goosehints", "https://block.github.io/goose/docs/guides/using-goosehints"),
            ),
            no_scope="one file",
        ),
        Editor(
            id="grok",
            name="Grok Build CLI",
            path=".grok/rules/ai-rules.md",
            shared=False,
            docs=_GROK_DOCS,
            reads=(
                always(".grok/rules/", _GROK_DOCS),
                always("AGENTS.md", _GROK_DOCS),
                always("CLAUDE.md", _GROK_DOCS),
                always(".claude/rules/", _GROK_DOCS),
                always(".cursor/rules/", _GROK_DOCS),
            ),
            no_scope="every .md in .grok/rules is loaded; no path scoping documented",
        ),
        Editor(
            id="hermes",
            name="Hermes Agent",
            path=".hermes.md",
            shared=True,
            docs=_HERMES_DOCS,
            reads=(
                first(
                    (
                        ".hermes.md",
                        "HERMES.md",
                        "AGENTS.override.md",
                        "AGENTS.md",
                        "CLAUDE.md",
                        ".cursorrules",
                    ),
                    _HERMES_DOCS,
                ),
            ),
            no_scope="one file",
        ),
        Editor(
            id="jetbrains",
            name="JetBrains AI Assistant",
            path=".aiassistant/rules/ai-rules.md",
            shared=False,
            # The rule type chosen in the IDE is stored as `apply:`; `always` adds the rule to
            # every chat.
            front_matter="apply: always\n",
            docs="https://www.jetbrains.com/help/ai-assistant/configure-project-rules.html",
            reads=(
                always(
                    ".aiassistant/rules/",
                    "https://www.jetbrains.com/help/ai-assistant/configure-project-rules.html",
                ),
            ),
            no_scope="the rule type (By file patterns) is an IDE setting, not in the file",
        ),
        Editor(
            id="junie",
            name="JetBrains Junie",
            path=".junie/AGENTS.md",
            shared=False,
            docs="https://junie.jetbrains.com/docs/guidelines-and-memory.html",
            reads=(
                first(
                    (".junie/AGENTS.md", "AGENTS.md", ".junie/guidelines.md"),
                    "https://junie.jetbrains.com/docs/guidelines-and-memory.html",
                ),
            ),
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
            note="Kilo Code 7 loads the root AGENTS.md, and .kilo/rules/ besides .kilocode/rules/",
            reads=(
                always(
                    ".kilocode/rules/", "https://kilo.ai/docs/customize/custom-rules", _KILO_RUN
                ),
                always(".kilo/rules/", _KILO_RUN),
                always("AGENTS.md", "https://kilo.ai/docs/customize/agents-md", _KILO_RUN),
                fallback("CLAUDE.md", "AGENTS.md", _KILO_RUN),
            ),
            no_scope="rules are plain Markdown, applied always (only per mode, not per path)",
        ),
        Editor(
            id="kimi",
            name="Kimi Code CLI",
            path=".kimi-code/AGENTS.md",
            shared=False,
            docs="https://github.com/MoonshotAI/kimi-code/blob/main/docs/en/customization/agents.md",
            reads=(
                always(
                    ".kimi-code/AGENTS.md",
                    "https://github.com/MoonshotAI/kimi-code/blob/main/docs/en/customization/agents.md",
                ),
                # Both, one after the other, in every folder from the git root down.
                always("AGENTS.md", "https://www.ultracite.ai/agents/kimi-code"),
            ),
            no_scope="one file",
        ),
        Editor(
            id="kiro",
            name="Kiro",
            path=".kiro/steering/ai-rules.md",
            shared=False,
            front_matter="inclusion: always\n",
            docs="https://kiro.dev/docs/steering/",
            reads=(
                always(".kiro/steering/", "https://kiro.dev/docs/steering/"),
                always("AGENTS.md", "https://kiro.dev/docs/steering/"),
            ),
            scope=_SCOPES["kiro"],
        ),
        Editor(
            id="openhands",
            name="OpenHands",
            path=".openhands/microagents/repo.md",
            shared=False,
            docs="https://docs.openhands.dev/overview/skills",
            status="legacy",
            successor="agents",
            note="its SDK calls .openhands/microagents/ deprecated; its docs put always-on "
            "instructions in AGENTS.md (.agents/skills/ holds on-demand skills)",
            reads=(
                always(".openhands/microagents/", _OPENHANDS_RUN),
                always("AGENTS.md", "https://docs.openhands.dev/overview/skills", _OPENHANDS_RUN),
                always("CLAUDE.md", "https://docs.openhands.dev/overview/skills", _OPENHANDS_RUN),
                always("GEMINI.md", "https://docs.openhands.dev/overview/skills", _OPENHANDS_RUN),
            ),
            no_scope="microagents trigger on keywords, not paths",
        ),
        Editor(
            id="qwen",
            name="Qwen Code",
            path="QWEN.md",
            shared=True,
            docs="https://qwenlm.github.io/qwen-code-docs/",
            imports=True,
            reads=(
                always("QWEN.md", "https://qwenlm.github.io/qwen-code-docs/", _QWEN_RUN),
                always("AGENTS.md", _QWEN_RUN),
            ),
            scope=_SCOPES["qwen"],
        ),
        Editor(
            id="replit",
            name="Replit Agent",
            path="replit.md",
            shared=True,
            docs="https://docs.replit.com/features/project-setup/replit-dot-md",
            reads=(
                always("replit.md", "https://docs.replit.com/features/project-setup/replit-dot-md"),
            ),
            no_scope="one file",
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
            reads=(always(".roo/rules/", "https://docs.roocode.com/features/custom-instructions"),),
            no_scope="rules are plain Markdown, applied always (only per mode, not per path)",
        ),
        Editor(
            id="tabnine",
            name="Tabnine Agent",
            path=".tabnine/guidelines/ai-rules.md",
            shared=False,
            docs="https://docs.tabnine.com/main/getting-started/tabnine-agent/guidelines",
            reads=(
                always(
                    ".tabnine/guidelines/",
                    "https://docs.tabnine.com/main/getting-started/tabnine-agent/guidelines",
                ),
            ),
            no_scope="guidelines apply always; no path scoping documented",
        ),
        Editor(
            id="trae",
            name="Trae",
            path=".trae/rules/project_rules.md",
            shared=False,
            docs="https://docs.trae.ai/ide/rules-for-ai",
            reads=(
                always(".trae/rules/project_rules.md", "https://docs.trae.ai/ide/rules-for-ai"),
            ),
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
            reads=(
                first(
                    ("AGENTS.md", "WARP.md"),
                    "https://docs.warp.dev/knowledge-and-collaboration/rules",
                ),
            ),
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
            reads=(
                always(".windsurf/rules/", "https://docs.windsurf.com/windsurf/cascade/memories"),
            ),
            scope=_SCOPES["windsurf"],
        ),
        Editor(
            id="zed",
            name="Zed",
            path=".rules",
            shared=True,
            docs="https://zed.dev/docs/ai/rules",
            reads=(first(ZED_FIRST_MATCH, "https://zed.dev/docs/ai/rules"),),
            no_scope="one file",
        ),
    )
}

# Agents with no file of their own: they read the files above, so the planner counts them too.
READERS: dict[str, Reader] = {
    r.id: r
    for r in (
        Reader(
            id="opencode",
            name="OpenCode",
            docs="https://opencode.ai/docs/rules/",
            reads=(
                always("AGENTS.md", "https://opencode.ai/docs/rules/", _OPENCODE_RUN),
                fallback("CLAUDE.md", "AGENTS.md", _OPENCODE_RUN),
            ),
        ),
        Reader(
            id="factory",
            name="Factory Droid",
            docs="https://docs.factory.ai/harness/agents-md",
            reads=(
                always("AGENTS.md", "https://docs.factory.ai/harness/agents-md", _DROID_RUN),
                always("CLAUDE.md", _DROID_RUN),
            ),
        ),
        Reader(
            id="rovodev",
            name="Rovo Dev CLI",
            docs="https://support.atlassian.com/rovo/docs/use-memory-in-rovo-dev-cli",
            reads=(
                always(
                    "AGENTS.md",
                    "https://support.atlassian.com/rovo/docs/use-memory-in-rovo-dev-cli",
                ),
            ),
        ),
    )
}
