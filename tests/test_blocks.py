"""The quick fence scan must never disagree with markdown-it about a marker line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airules.blocks import _BEGIN_RE, _END_RE, _code_lines, fenced_lines, split_lines

MARKERS = [
    "<!-- airules:begin -->",
    "<!-- airules:end -->",
    "<!-- airules:begin source=ai-rules.md sha256=0123456789ab -->",
]
# Lines chosen to hit every way CommonMark opens, closes or hides a fence.
VOCABULARY = [
    *MARKERS,
    "```",
    "```sh",
    "````",
    "~~~",
    "~~~ `x`",
    "``` a`b",
    "``` ",
    "```\t",
    " ```",
    "  ```",
    "   ```",
    "    ```",
    "\t```",
    "~~~~",
    "   ~~~",
    "- item",
    "- ```",
    "-   ```",
    "  code",
    "   code",
    "> quote",
    "> ```",
    ">```",
    "1. one",
    "1) ```",
    "   - nested",
    "<div>",
    "  <div>",
    "</div>",
    "<pre>",
    "</pre>",
    "<!-- a comment",
    "-->",
    "<?php",
    "",
    "   ",
    "text",
    "# heading",
    "    indented code",
    "***",
    "---",
    "a ``` b",
    "[x]: /url",
    "para\rmore",
]


def marker_lines(lines: list[str]) -> list[int]:
    return [
        i
        for i, raw in enumerate(lines)
        if _BEGIN_RE.fullmatch(line := raw.rstrip("\n").removesuffix("\r"))
        or _END_RE.fullmatch(line)
    ]


def assert_agrees(text: str) -> bool:
    lines = split_lines(text)
    quick = fenced_lines(lines)
    if quick is None:
        return False
    slow = _code_lines(text)
    for i in marker_lines(lines):
        assert (i in quick) == (i in slow), (i, text)
    return True


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(VOCABULARY), max_size=30),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_quick_scan_agrees_with_markdown_it_whenever_it_answers(lines, eol, final):
    assert_agrees(eol.join(lines) + (eol if final else ""))


# Mostly lines the quick scan is sure of, so that it answers, and is checked, most of the time.
COMMON = [
    *MARKERS,
    "```",
    "```sh",
    "````",
    "~~~",
    "~~~~",
    "``` ",
    "   ```",
    "text",
    "",
    "- item",
    "> quote",
    "  code",
    "    indented code",
    "# heading",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(COMMON), max_size=30))
def test_quick_scan_agrees_on_common_rules_files(lines):
    assert_agrees("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("- item\n  ```\n```\n<!-- airules:begin -->\n", id="fence-after-list-fence"),
        pytest.param("<div>\n```\n<!-- airules:begin -->\n", id="fence-in-html-block"),
        pytest.param("  <div>\n```\n<!-- airules:end -->\n", id="fence-in-indented-html"),
        pytest.param("``` a`b\n<!-- airules:end -->\n```\n", id="backtick-info-not-a-fence"),
        pytest.param("   ```\n<!-- airules:end -->\n", id="indented-opener"),
        pytest.param("> ```\n<!-- airules:end -->\n", id="fence-in-quote"),
        pytest.param("- ```\n<!-- airules:end -->\n", id="fence-in-list"),
    ],
)
def test_shapes_the_quick_scan_cannot_be_sure_of_go_to_markdown_it(text):
    assert fenced_lines(split_lines(text)) is None


@pytest.mark.parametrize(
    ("text", "inside"),
    [
        pytest.param("```\n<!-- airules:end -->\n```\n", True, id="inside"),
        pytest.param("```\nx\n```\n<!-- airules:end -->\n", False, id="after-closed"),
        pytest.param("````\n```\n<!-- airules:end -->\n", True, id="short-closer"),
        pytest.param("~~~\n```\n<!-- airules:end -->\n~~~\n", True, id="other-char"),
        pytest.param("```\n   ```  \n<!-- airules:end -->\n", False, id="indented-closer"),
        pytest.param("```\n    ```\n<!-- airules:end -->\n", True, id="too-indented-closer"),
        pytest.param("```\n``` x\n<!-- airules:end -->\n", True, id="closer-with-info"),
    ],
)
def test_quick_scan_answers_the_common_shapes(text, inside):
    assert assert_agrees(text)
    quick = fenced_lines(split_lines(text))
    assert quick is not None
    end = marker_lines(split_lines(text))[-1]
    assert (end in quick) is inside
