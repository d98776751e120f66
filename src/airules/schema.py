"""The JSON Schema of `.airules.yml`, built from the parser's own tables so the two agree.

Editors use it (through the `# yaml-language-server: $schema=...` line `--init` writes, or
SchemaStore's catalog) to complete and check the config as it is typed. It is a copy shipped in
the package (`airules.schema.json`) and one at a stable path in the repository
(`schema/airules.schema.json`); tests/test_schema.py keeps both equal to `render()` and holds the
schema to the parser's verdict on every config the tests use. Nothing on the check path imports
this module.

Adding a config key is one edit here: a `properties` entry in `_top_properties` or
`_target_properties`, named as in `config.TOP_KEYS` / `config.TARGET_KEYS` (`build` refuses to run
while the two lists differ). Then regenerate both copies:

    python -m airules.schema schema/airules.schema.json src/airules/airules.schema.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from airules import __version__
from airules.advice import WARNING_KINDS
from airules.cache import CONFIG_NAMES
from airules.config import DEFAULT_RULES_DIR, DEFAULT_SOURCE, MODES, TARGET_KEYS, TOP_KEYS
from airules.targets import APPLY_KEYS, EDITORS

# The GitHub repository airules is published from: the one place its owner is written, for the
# schema's URL. README.md and the SchemaStore entry spell the same URL (tests check it).
REPOSITORY = "OWNER/airules"
SCHEMA_PATH = "schema/airules.schema.json"
PACKAGE_FILE = "airules.schema.json"
# The schema of the installed version: a tag's file never changes, so a config made by this
# version keeps validating against the rules this version applies.
SCHEMA_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/v{__version__}/{SCHEMA_PATH}"
# The newest schema, for SchemaStore's catalog, which follows the default branch.
LATEST_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/main/{SCHEMA_PATH}"
MODELINE = f"# yaml-language-server: $schema={SCHEMA_URL}"

Schema = dict[str, Any]

# config.check_relpath as a regular expression, in the dialect JSON Schema patterns share
# (ECMA-262, which Python's `re` also reads the same way here). Each lookahead is one of its
# refusals: a control character or backslash anywhere, nothing but spaces, absolute (`/x`, `C:`),
# nothing but `.` and `/`, a `..` part, a `.git` part in any case. Control characters are refused
# first, so the `$`s after it only ever meet the true end.
RELPATH_PATTERN = (
    r"^(?![\s\S]*[\x00-\x1f\x7f\\])"
    r"(?=[\s\S]*\S)"
    r"(?!/)"
    r"(?![\s\S]:)"
    r"(?!(?:\.?/)*\.?$)"
    r"(?!(?:[\s\S]*/)?\.\.(?:/|$))"
    r"(?!(?:[\s\S]*/)?\.[gG][iI][tT](?:/|$))"
)


def _relpath(description: str) -> Schema:
    return {
        "type": "string",
        "pattern": RELPATH_PATTERN,
        "description": description
        + " Relative to the repository root, with forward slashes; no `..`, no `.git` folder.",
    }


def _editor_choices() -> list[Schema]:
    return [
        {"const": e.id, "description": f"{e.name}: {e.path}" + _status(e.status, e.successor)}
        for e in EDITORS.values()
    ]


def _status(status: str, successor: str) -> str:
    if status == "current":
        return ""
    return f" ({status}" + (f"; use {successor}" if successor else "") + ")"


def _top_properties() -> dict[str, Schema]:
    return {
        "source": {
            **_relpath("The canonical rules file every target is made from."),
            "default": DEFAULT_SOURCE,
        },
        "nested": {
            "type": "boolean",
            "default": False,
            "description": "Also serve every ai-rules.md below the root, with copies of the "
            "directory-level targets beside each.",
        },
        "dedupe": {
            "type": "boolean",
            "default": False,
            "description": "Serve each editor the rules once: skip a file its editor already "
            "reads elsewhere, and point files of editors that follow @imports at AGENTS.md "
            "(`airules-check --explain` shows the plan).",
        },
        "targets": {
            "type": "array",
            "minItems": 1,
            "description": "The editors to keep in sync: an editor id, or a mapping with options.",
            "items": {
                "anyOf": [
                    {"$ref": "#/definitions/editor"},
                    {"$ref": "#/definitions/target"},
                ]
            },
        },
        "include": {
            "type": "array",
            "uniqueItems": True,
            "description": "Rules kept elsewhere, rendered before the source, pinned in "
            ".airules.lock and vendored under .airules/include by `airules-check --update`: "
            "OWNER/REPO/PATH@REF on GitHub, https://HOST/REPO.git//PATH@REF on a git server, "
            "or a path in this repository.",
            "items": {"type": "string", "minLength": 1, "pattern": r"^[^\s]+$"},
        },
        "rules_dir": {
            **_relpath(
                "The folder of more rules, one NAME.md each, with optional front matter "
                "(`paths:`, `description:`, `editors:`): always-on rules follow the source, "
                "scoped ones go into each editor's own scoping form."
            ),
            "default": DEFAULT_RULES_DIR,
        },
        "rules_in_folders": {
            "type": "boolean",
            "default": False,
            "description": "A scoped rule whose globs are all plain folders (`packages/api/**`) "
            "goes into that folder's own AGENTS.md / GEMINI.md instead of a section of the root "
            "one.",
        },
        "warnings": {
            "type": "object",
            "description": "Warning kinds to turn off (`kind: false`), by the names of the JSON "
            "report.",
            "propertyNames": {"enum": list(WARNING_KINDS)},
            "additionalProperties": {"type": "boolean"},
        },
    }


def _target_properties() -> dict[str, Schema]:
    return {
        "id": {
            "type": "string",
            "description": "An editor id (`airules-check --list`). With a `path:` and an id "
            "airules does not know, it only names a custom target in reports.",
        },
        "path": {
            **_relpath(
                "Where the file goes: another path for a known editor, or the file of "
                "an editor airules does not know (a custom target)."
            ),
            "not": {"enum": list(CONFIG_NAMES)},
        },
        "mode": {
            "enum": list(MODES),
            "default": "copy",
            "description": "copy: the rules are written into the file; import: the file holds "
            "`@<source>` (editors that follow imports); symlink: a relative symlink to the source.",
        },
        "shared": {
            "type": "boolean",
            "default": False,
            "description": "Custom targets: true manages a marked block in a file people also "
            "write in; false generates the whole file.",
        },
        "front_matter": {
            "type": "object",
            "propertyNames": {"type": "string"},
            "description": "YAML written between --- lines at the top of the file: a custom "
            "target's, or keys added over a known editor's own (never changing the keys that make "
            "it apply the file).",
        },
    }


def _apply_keys() -> dict[str, dict[str, object]]:
    """Per editor, the registry's front-matter keys a config may not change (APPLY_KEYS)."""
    import yaml

    out = {}
    for editor in EDITORS.values():
        data = yaml.safe_load(editor.front_matter) if editor.front_matter else None
        keys = {k: v for k, v in (data or {}).items() if k in APPLY_KEYS}
        if keys:
            out[editor.id] = keys
    return out


def _keyed(kind: str, properties: dict[str, Schema], keys: Sequence[str]) -> dict[str, Schema]:
    """`properties` in the parser's order; an error naming the keys the two disagree on."""
    missing = [k for k in keys if k not in properties]
    unknown = [k for k in properties if k not in keys]
    if missing or unknown:
        raise LookupError(
            f"the {kind} keys of the parser and the schema differ: the parser alone accepts "
            f"{missing}, the schema alone describes {unknown}; edit airules/schema.py"
        )
    return {k: properties[k] for k in keys}


def _target_rules() -> list[Schema]:
    """What the parser decides from several fields of one target, as if/then rules."""
    known = list(EDITORS)
    no_imports = [e.id for e in EDITORS.values() if not e.imports]
    with_front_matter = [e.id for e in EDITORS.values() if e.front_matter]
    shared = [e.id for e in EDITORS.values() if e.shared]

    def editor_in(ids: list[str]) -> Schema:
        return {"required": ["id"], "properties": {"id": {"enum": ids}}}

    return [
        # Without a path, the id must name an editor airules knows.
        {
            "if": {"required": ["path"], "properties": {"path": True}},
            "else": {"required": ["id"], "properties": {"id": {"enum": known}}},
        },
        # A known editor fixes whether its file is shared; a shared one takes no front matter,
        # and an owned one's front matter keeps the keys that make the editor apply the file.
        {
            "if": editor_in(known),
            "then": {"properties": {"shared": False}},
        },
        {
            "if": editor_in(shared),
            "then": {"properties": {"front_matter": False}},
        },
        *(
            {
                "if": editor_in([editor_id]),
                "then": {
                    "properties": {
                        "front_matter": {"properties": {k: {"const": v} for k, v in keys.items()}}
                    }
                },
            }
            for editor_id, keys in _apply_keys().items()
        ),
        {
            "if": editor_in(no_imports),
            "then": {"properties": {"mode": {"not": {"const": "import"}}}},
        },
        # A symlink cannot carry the front matter an editor needs.
        {
            "if": editor_in(with_front_matter),
            "then": {"properties": {"mode": {"not": {"const": "symlink"}}}},
        },
        {
            "if": {
                "required": ["front_matter"],
                "properties": {"front_matter": {"type": "object", "minProperties": 1}},
            },
            "then": {
                "properties": {
                    "shared": {"const": False},
                    "mode": {"not": {"const": "symlink"}},
                }
            },
        },
    ]


def build() -> Schema:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_URL,
        "title": "airules configuration (.airules.yml)",
        "description": "Which AI editors' rules files airules keeps in sync with ai-rules.md. "
        f"airules {__version__}.",
        "type": "object",
        "additionalProperties": False,
        "required": ["targets"],
        "properties": _keyed("top-level", _top_properties(), TOP_KEYS),
        "definitions": {
            "editor": {
                "type": "string",
                "description": "An editor airules knows, at its default path.",
                "anyOf": _editor_choices(),
            },
            "target": {
                "type": "object",
                "description": "A target with options: `id:` for a known editor, or `path:` "
                "for a file airules does not know yet.",
                "additionalProperties": False,
                "properties": _keyed("target", _target_properties(), TARGET_KEYS),
                "allOf": _target_rules(),
            },
        },
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the schema, or write it to each path given."""
    paths = list(sys.argv[1:] if argv is None else argv)
    text = render()
    if not paths:
        sys.stdout.write(text)
    for path in paths:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
