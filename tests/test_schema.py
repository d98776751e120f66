"""The JSON Schema of `.airules.yml` against the parser: they must reach the same verdict on
every config the tests use, and describe the same keys.

The configs come from a table here (one or more per rule of the schema) and from every string in
the other test modules and the README that reads as a config, so a key or a rule another change
teaches the parser shows up here the day its tests are written.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from airules import schema
from airules.cli import main
from airules.config import MODES, TARGET_KEYS, TOP_KEYS, check_relpath, parse_config
from airules.errors import FatalError
from airules.targets import EDITORS

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = schema.build()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
REGENERATE = "python -m airules.schema schema/airules.schema.json src/airules/airules.schema.json"

# What the parser refuses and the schema cannot see, each for a reason JSON Schema cannot
# express: matched against the parser's message.
BEYOND_THE_SCHEMA = {
    # Uniqueness of a value across array items, after normalising the paths.
    "is already used by the entry on line": "two targets on one path",
    "names the same file as the entry on line": "two includes vendored to one path",
    # A comparison between two fields (a target's path and `source`, or the file's own name).
    "is the source file itself": "a target on the source",
    "is a config file": "a target on a config file under another spelling (./.airules.yml)",
    "is the source, the config, the lock": "a local include on a file airules reads or writes",
    "use mode: copy": "includes beside a target in import or symlink mode",
    # Below the data model the schema sees: YAML itself.
    "YAML anchors and aliases are not supported": "aliases vanish once YAML is loaded",
    "appears twice in": "a loaded mapping keeps only the last of two equal keys",
    "have no stable order or form": "a YAML tag (!!set) is gone once YAML is loaded as JSON",
}


def case(text: str, name: str):
    return pytest.param(text, id=name)


# Each rule of the schema, on both sides of it.
TABLE = [
    case("targets: [claude]\n", "minimal"),
    case("source: docs/rules.md\nnested: true\ntargets: [claude, agents]\n", "all-top"),
    case("targets: []\n", "targets-empty"),
    case("targets: claude\n", "targets-scalar"),
    case("source: docs/rules.md\n", "no-targets"),
    case("- claude\n", "top-level-list"),
    case("", "empty"),
    case("targets: [claude]\ncolour: blue\n", "unknown-top-key"),
    case("targets: [claude]\n1: x\n", "integer-top-key"),
    case("targets: [claude]\nnested: 'yes'\n", "nested-a-string"),
    case("targets: [claude]\nnested: yes\n", "nested-yaml11-bool"),
    case("targets: [emacs]\n", "unknown-editor"),
    case("targets: [3]\n", "editor-a-number"),
    case("targets: [null]\n", "editor-null"),
    case("source: 3\ntargets: [claude]\n", "source-a-number"),
    case("source: 2024-01-01\ntargets: [claude]\n", "source-a-date"),
    case("source: ../rules.md\ntargets: [claude]\n", "source-dotdot"),
    case("source: /etc/rules.md\ntargets: [claude]\n", "source-absolute"),
    case("source: 'C:rules.md'\ntargets: [claude]\n", "source-drive"),
    case("source: docs\\rules.md\ntargets: [claude]\n", "source-backslash"),
    case('source: "a\\tb.md"\ntargets: [claude]\n', "source-tab"),
    case("source: '  '\ntargets: [claude]\n", "source-blank"),
    case("source: ./.\ntargets: [claude]\n", "source-dot"),
    case("source: .Git/rules.md\ntargets: [claude]\n", "source-in-git"),
    case("source: a/.gitx/rules.md\ntargets: [claude]\n", "source-gitx-is-fine"),
    case("targets:\n  - {id: cursor, path: .cursor/rules/team.mdc}\n", "id-and-path"),
    case("targets:\n  - {id: cursor}\n", "id-only"),
    case("targets:\n  - {id: emacs}\n", "unknown-id-only"),
    case("targets:\n  - {path: NEW.md}\n", "custom-path-only"),
    case("targets:\n  - {path: NEW.md, id: newtool}\n", "custom-named"),
    case("targets:\n  - {path: NEW.md, id: 3}\n", "custom-id-a-number"),
    case("targets:\n  - {shared: true}\n", "neither-id-nor-path"),
    case("targets:\n  - {id: claude, pth: x}\n", "unknown-target-key"),
    case("targets:\n  - {id: claude, path: [a]}\n", "path-a-list"),
    case("targets:\n  - {id: claude, path: .airules.yml}\n", "path-the-config"),
    case("targets:\n  - {id: claude, path: a/../b.md}\n", "path-dotdot"),
    case("targets:\n  - {id: claude, mode: import}\n", "import-for-claude"),
    case("targets:\n  - {id: cursor, mode: import}\n", "import-for-cursor"),
    case("targets:\n  - {id: agents, mode: symlink}\n", "symlink-for-agents"),
    case("targets:\n  - {id: cursor, mode: symlink}\n", "symlink-needs-front-matter"),
    case("targets:\n  - {id: claude, mode: hardlink}\n", "unknown-mode"),
    case("targets:\n  - {id: claude, shared: false}\n", "shared-on-known-editor"),
    case("targets:\n  - {id: cursor, front_matter: {x: 1}}\n", "front-matter-on-known-editor"),
    case("targets:\n  - {path: X.md, shared: true}\n", "custom-shared"),
    case("targets:\n  - {path: X.md, shared: 'true'}\n", "custom-shared-a-string"),
    case("targets:\n  - {path: X.md, mode: import}\n", "custom-import"),
    case(
        "targets:\n  - {path: X.mdc, front_matter: {alwaysApply: true, globs: ['*']}}\n",
        "custom-front-matter",
    ),
    case("targets:\n  - {path: X.md, front_matter: [a]}\n", "front-matter-a-list"),
    case("targets:\n  - {path: X.md, front_matter: {1: a}}\n", "front-matter-int-key"),
    case(
        "targets:\n  - {path: X.md, shared: true, front_matter: {a: 1}}\n",
        "front-matter-on-shared",
    ),
    case(
        "targets:\n  - {path: X.md, shared: true, front_matter: {}}\n", "empty-front-matter-shared"
    ),
    case(
        "targets:\n  - {path: X.md, mode: symlink, front_matter: {a: 1}}\n",
        "front-matter-on-symlink",
    ),
    case("targets:\n  - {path: X.md, mode: symlink}\n", "custom-symlink"),
]


def string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def harvested() -> list[str]:
    """Every config the other tests and the README use: strings that load as a mapping with
    `targets:` (or with only keys the parser knows), whatever the parser makes of them."""
    texts: list[str] = []
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if path.name != Path(__file__).name:
            texts += string_constants(path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    texts += re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    found = {}
    for text in texts:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and "targets" in data:
            found[text] = None
    return list(found)


HARVESTED = harvested()


def parser_verdict(text: str) -> str | None:
    """None when the parser accepts `text`, else its message."""
    try:
        parse_config(text, ".airules.yml")
    except FatalError as e:
        return str(e)
    return None


def schema_errors(text: str) -> list[str]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return [f"not YAML: {e}"]
    return [e.message for e in VALIDATOR.iter_errors(data)]


def assert_agree(text: str) -> None:
    refused = parser_verdict(text)
    errors = schema_errors(text)
    if refused is None:
        assert not errors, f"the parser accepts this config, the schema refuses it: {errors}"
    elif not errors:
        beyond = [why for part, why in BEYOND_THE_SCHEMA.items() if part in refused]
        assert beyond, (
            f"the parser refuses this config ({refused}) but the schema accepts it: teach "
            "airules/schema.py the rule, or list it in BEYOND_THE_SCHEMA with the reason "
            f"JSON Schema cannot express it; then {REGENERATE}"
        )


@pytest.mark.parametrize("text", TABLE)
def test_schema_and_parser_agree_on_the_table(text):
    assert_agree(text)


def test_the_table_has_both_verdicts():
    verdicts = [parser_verdict(p.values[0]) is None for p in TABLE]
    assert verdicts.count(True) >= 10 and verdicts.count(False) >= 20


@pytest.mark.parametrize("text", HARVESTED)
def test_schema_and_parser_agree_on_every_config_the_tests_use(text):
    assert_agree(text)


def test_configs_are_harvested_from_the_other_tests():
    # If this drops, the harvest stopped finding the configs (renamed files, f-strings).
    assert len(HARVESTED) >= 40
    assert any(parser_verdict(t) is not None for t in HARVESTED)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("targets:\n  - {id: claude, path: CLAUDE.md}\n  - claude\n", id="dup-path"),
        pytest.param("targets:\n  - {path: ai-rules.md}\n", id="on-the-source"),
        pytest.param("targets:\n  - {path: ./.airules.yml}\n", id="on-the-config"),
        pytest.param("targets:\n  - {path: &p X.md}\n  - {path: Y.md, id: *p}\n", id="alias"),
        pytest.param("targets: [claude]\ntargets: [agents]\n", id="duplicate-key"),
    ],
)
def test_what_only_the_parser_can_refuse_is_listed_with_its_reason(text):
    refused = parser_verdict(text)
    assert refused is not None
    assert schema_errors(text) == []
    assert any(part in refused for part in BEYOND_THE_SCHEMA)


def test_schema_describes_exactly_the_keys_the_parser_accepts():
    target = SCHEMA["definitions"]["target"]
    assert list(SCHEMA["properties"]) == list(TOP_KEYS)
    assert list(target["properties"]) == list(TARGET_KEYS)
    assert SCHEMA["additionalProperties"] is False and target["additionalProperties"] is False
    assert target["properties"]["mode"]["enum"] == list(MODES)
    editors = [c["const"] for c in SCHEMA["definitions"]["editor"]["anyOf"]]
    assert editors == list(EDITORS)


def test_every_key_the_parser_accepts_is_refused_by_name_when_unknown():
    # The parser's own message lists the keys it accepts; the schema must know each of them.
    message = parser_verdict("targets: [claude]\nzzz: 1\n") or ""
    accepted = message.split("valid keys: ", 1)[1].split(", ")
    assert set(accepted) == set(SCHEMA["properties"])
    message = parser_verdict("targets:\n  - {id: claude, zzz: 1}\n") or ""
    accepted = message.split("valid keys: ", 1)[1].split(", ")
    assert set(accepted) == set(SCHEMA["definitions"]["target"]["properties"])


def test_a_key_missing_from_the_schema_stops_the_build(monkeypatch):
    import airules.schema

    monkeypatch.setattr(airules.schema, "TOP_KEYS", (*TOP_KEYS, "future_key"))
    with pytest.raises(LookupError, match=r"the parser alone accepts \['future_key'\]"):
        airules.schema.build()


def test_schema_is_valid_draft_07():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(ROOT / schema.SCHEMA_PATH, id="repository"),
        pytest.param(ROOT / "src/airules" / schema.PACKAGE_FILE, id="package-source"),
    ],
)
def test_checked_in_schema_is_current(path):
    assert path.read_text(encoding="utf-8") == schema.render(), f"regenerate: {REGENERATE}"


def test_installed_package_carries_the_schema():
    shipped = files("airules").joinpath(schema.PACKAGE_FILE).read_text(encoding="utf-8")
    assert json.loads(shipped) == SCHEMA


# The path rules, as check_relpath applies them, against the schema's pattern: both must accept
# and refuse the same strings, including the awkward ones.
PATH_ALPHABET = st.sampled_from(
    ["a", ".", "/", "\\", ":", "g", "G", "i", "I", "t", "T", " ", "\n", "\t", "\x00", "\x7f", "é"]
)


@given(st.lists(PATH_ALPHABET, max_size=10).map("".join))
def test_path_pattern_matches_check_relpath(value):
    try:
        check_relpath(value)
        accepted = True
    except ValueError:
        accepted = False
    assert bool(re.search(schema.RELPATH_PATTERN, value)) == accepted


@pytest.mark.parametrize(
    "value",
    [
        "CLAUDE.md",
        ".cursor/rules/x.mdc",
        "a//b",
        "./a",
        "...",
        "..a",
        "a\n",
        ".git",
        "x/.GIT/y",
        ".gitignore",
        "/",
        ".",
        "./",
        "C:x",
        "",
    ],
)
def test_path_pattern_on_known_strings(value):
    try:
        check_relpath(value)
        accepted = True
    except ValueError:
        accepted = False
    assert bool(re.search(schema.RELPATH_PATTERN, value)) == accepted


def test_init_writes_the_schema_line_first(repo, capsys):
    assert main(["--init", "--claude"]) == 1
    first = (repo / ".airules.yml").read_text().splitlines()[0]
    assert first == f"# yaml-language-server: $schema={SCHEMA['$id']}"
    assert SCHEMA["$id"].endswith(f"/v{schema.__version__}/{schema.SCHEMA_PATH}")


def test_schemastore_catalog_entry_points_at_the_schema():
    entry = json.loads((ROOT / "schema/schemastore-catalog-entry.json").read_text())
    assert set(entry) == {"name", "description", "fileMatch", "url"}
    assert entry["fileMatch"] == [".airules.yml", ".airules.yaml"]
    assert entry["url"] == schema.LATEST_URL
    readme = (ROOT / "README.md").read_text()
    assert schema.LATEST_URL in readme and "schemastore-catalog-entry.json" in readme


def test_the_check_path_imports_neither_the_schema_nor_jsonschema(repo):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    code = (
        "import sys\n"
        "from airules.cli import main\n"
        "main(['--fix', '--quiet'])\n"
        "main(['--quiet'])\n"
        "assert 'jsonschema' not in sys.modules and 'airules.schema' not in sys.modules, 'x'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=repo, check=True)


def test_schema_keeps_ajv_strict_rules():
    """SchemaStore compiles schemas with Ajv in strict mode, which refuses a `required` name that
    the same schema object's `properties` does not define (checked here with Ajv 8 by hand, not
    in CI, which has no Node.js)."""

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for name in node.get("required", []):
                assert name in node.get("properties", {}), f"{where}: required {name!r}"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(SCHEMA, "#")
