"""Properties over generated input: the text people write survives, --fix converges, and no input
makes the parsers raise anything but FatalError.

The engine runs on an in-memory tree that implements the `Tree` protocol, which keeps hundreds of
examples fast; a few examples go through `main()` on a real repository.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from conftest import MemoryTree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from airules.blocks import find_block
from airules.cli import main
from airules.config import TargetConfig, parse_config
from airules.engine import State, apply, load_config, plan
from airules.errors import FatalError
from airules.render import render_block, rules_text
from airules.targets import EDITORS

SOURCE = "ai-rules.md"
SHARED = TargetConfig("claude", "CLAUDE.md", True, "")
OWNED = TargetConfig("cursor", ".cursor/rules/ai-rules.mdc", False, EDITORS["cursor"].front_matter)


def config_for(*targets: TargetConfig):
    from airules.config import Config

    return Config(SOURCE, targets, ".airules.yml")


# Text without NUL or lone surrogates (which cannot be UTF-8), built from Markdown-looking lines
# and free text, so that headings, lists, quotes, HTML, indents and Unicode all turn up.
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")
_SAFE_LINES = [
    "# Heading",
    "Some *notes* people wrote.",
    "- a list item",
    "  - nested item",
    "> a quote",
    "    indented code",
    "\tcode after a tab",
    "<!-- a comment people wrote -->",
    "<!-- an unclosed comment",
    "<details>",
    "===",
    "",
    "   ",
    "Zoë 🚀 \u202e\u05e9\u05dc",
]
_RISKY_LINES = [
    "```",
    "```python",
    "~~~",
    "    ```",
    "<!-- airules:begin -->",
    "<!-- airules:end -->",
    "  <!-- airules:end -->",
    "<!-- AIRULES:BEGIN -->",
    "<!-- airules:begin source=ai-rules.md sha256=0123456789ab -->",
]


def _text(lines: list[str]) -> st.SearchStrategy[str]:
    line = st.one_of(st.sampled_from(lines), st.text(_CHARS, max_size=20))
    eol = st.sampled_from(["\n", "\n", "\r\n"])
    return st.lists(st.tuples(line, eol), max_size=8).map(
        lambda pairs: "".join(a + b for a, b in pairs)
    )


def _no_markers(text: str) -> bool:
    return "airules" not in text.lower() and "```" not in text and "~~~" not in text


safe_text = _text(_SAFE_LINES).filter(_no_markers)
any_text = _text(_SAFE_LINES + _RISKY_LINES)
safe_rules = safe_text.filter(lambda t: t.strip() != "")
any_rules = any_text.filter(lambda t: t.strip() != "")


def _fix_twice(tree: MemoryTree, *targets: TargetConfig, force: bool = False) -> None:
    """--fix, then a check is clean and a second --fix writes nothing."""
    config = config_for(*targets)
    apply(tree, plan(tree, config), force=force)
    again = plan(tree, config)
    assert [s.state for s in again] == [State.OK] * len(targets), again
    writes = tree.writes
    apply(tree, again)
    assert tree.writes == writes


@settings(max_examples=200, deadline=None)
@given(before=safe_text, after=safe_text, old=safe_rules, new=safe_rules, crlf=st.booleans())
def test_fix_keeps_text_around_the_block_byte_for_byte(before, after, old, new, crlf):
    block = render_block(rules_text(old), SOURCE)
    if crlf:
        block = block.replace("\n", "\r\n")
    if before and not before.endswith("\n"):
        before += "\n"
    original = before + block + after
    tree = MemoryTree({SOURCE: new.encode(), "CLAUDE.md": original.encode()})
    _fix_twice(tree, SHARED)
    fixed = tree.files["CLAUDE.md"].decode()
    assert fixed.startswith(before)
    assert fixed.endswith(after)


@settings(max_examples=200, deadline=None)
@given(text=safe_text, rules=safe_rules)
# Found by this test: "\r\r\n" normalized to a CRLF that the next run normalized again.
@example(text="", rules="0\r\r\n")
def test_fix_appends_after_text_without_a_block_and_keeps_it(text, rules):
    tree = MemoryTree({SOURCE: rules.encode(), "CLAUDE.md": text.encode()})
    _fix_twice(tree, SHARED, OWNED)
    assert tree.files["CLAUDE.md"].decode().startswith(text)


@settings(max_examples=300, deadline=None)
@given(text=any_text, rules=any_rules, owned=st.booleans())
def test_fix_converges_or_refuses_on_any_text_and_rules(text, rules, owned):
    target = OWNED if owned else SHARED
    tree = MemoryTree({SOURCE: rules.encode(), target.path: text.encode()})
    statuses = plan(tree, config_for(target))
    if statuses[0].state is State.ERROR:
        assert statuses[0].message.startswith((f"{target.path}:", f"{SOURCE}:"))
        return
    # Forced, because an owned file airules did not write is otherwise left alone on purpose.
    _fix_twice(tree, target, force=True)
    if statuses[0].state is State.MISSING:
        # No block was there: everything the person wrote is kept, in front.
        assert tree.files[target.path].decode().startswith(text.removeprefix("\ufeff"))


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(any_text, st.text()))
def test_find_block_raises_only_fatal_error(text):
    try:
        find_block(text, "CLAUDE.md")
    except FatalError as e:
        assert str(e).startswith("CLAUDE.md:")


_YAML_TOKENS = [
    "source: ai-rules.md",
    "source:",
    "targets:",
    "targets: [claude]",
    "  - claude",
    "  - id: cursor",
    "    path: x.md",
    "    path: ../x.md",
    "  - {id: agents, path: A.md}",
    "&a",
    "*a",
    "!!python/object:os.system",
    "!!binary",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ":",
    "- ",
    "---",
    "...",
    "%YAML 1.1",
    "'",
    '"',
    "|",
    ">",
    "\t",
    "#",
]
yaml_text = st.lists(
    st.one_of(st.sampled_from(_YAML_TOKENS), st.text(max_size=8)), max_size=12
).map(lambda parts: "".join(p + ("\n" if i % 2 else " ") for i, p in enumerate(parts)))


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(yaml_text, st.text()))
def test_parse_config_raises_only_fatal_error(text):
    try:
        parse_config(text, ".airules.yml")
    except FatalError as e:
        assert str(e).startswith(".airules.yml")


@settings(max_examples=300, deadline=None)
@given(config=st.binary(max_size=200), source=st.binary(max_size=200), target=st.binary())
def test_engine_raises_only_fatal_error_on_arbitrary_bytes(config, source, target):
    tree = MemoryTree({".airules.yml": config, SOURCE: source, "CLAUDE.md": target})
    with contextlib.suppress(FatalError):
        load_config(tree)
    try:
        statuses = plan(tree, config_for(SHARED, OWNED))
    except FatalError as e:
        assert str(e).startswith(f"{SOURCE}:")
    else:
        for status in statuses:
            assert status.state is not State.ERROR or status.message.startswith(status.path)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(before=safe_text, after=safe_text, rules=safe_rules)
def test_fix_through_main_keeps_the_persons_text(repo: Path, capsys, before, after, rules):
    if before and not before.endswith("\n"):
        before += "\n"
    (repo / SOURCE).write_bytes(b"# Old rules\n")
    (repo / "CLAUDE.md").write_bytes(before.encode())
    assert main(["--claude", "--fix"]) == 1
    with (repo / "CLAUDE.md").open("ab") as f:
        f.write(after.encode())
    (repo / SOURCE).write_bytes(rules.encode())
    assert main(["--claude", "--fix"]) in (0, 1)
    fixed = (repo / "CLAUDE.md").read_bytes()
    assert main(["--claude"]) == 0
    assert main(["--claude", "--fix"]) == 0
    assert (repo / "CLAUDE.md").read_bytes() == fixed
    assert fixed.decode().startswith(before) and fixed.decode().endswith(after)
    capsys.readouterr()
