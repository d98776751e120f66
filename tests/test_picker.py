from __future__ import annotations

import re

import pytest

from airules.picker import EMPTY_HINT, Choice, Outcome, Picker, decode_keys, press, render

CHOICES = [Choice(i, f"Editor {i.upper()}", f"{i}/rules.md") for i in "abcde"]
UP, DOWN, HOME, END = "\x1b[A", "\x1b[B", "\x1b[H", "\x1b[F"


def run_keys(typed: str, preselected: tuple[str, ...] = ()) -> Picker:
    state = Picker.start(CHOICES, preselected)
    keys, rest = decode_keys(typed.encode())
    assert rest == b""
    for key in keys:
        state = press(state, key)
    return state


@pytest.mark.parametrize(
    ("typed", "preselected", "chosen", "cursor", "outcome"),
    [
        pytest.param("", ("b", "d"), ("b", "d"), 0, Outcome.ACTIVE, id="preselected-kept"),
        pytest.param(DOWN + " ", (), ("b",), 1, Outcome.ACTIVE, id="arrow-down-and-space"),
        pytest.param("jjk ", (), ("b",), 1, Outcome.ACTIVE, id="j-and-k-move"),
        pytest.param(UP + " ", (), ("e",), 4, Outcome.ACTIVE, id="up-from-top-wraps"),
        pytest.param(END + DOWN + " ", (), ("a",), 0, Outcome.ACTIVE, id="down-from-end-wraps"),
        pytest.param(END + HOME + " ", (), ("a",), 0, Outcome.ACTIVE, id="home-and-end"),
        pytest.param("  ", ("a",), ("a",), 0, Outcome.ACTIVE, id="space-toggles-twice"),
        pytest.param(" ", ("a",), (), 0, Outcome.ACTIVE, id="space-deselects"),
        pytest.param("a", ("c",), tuple("abcde"), 0, Outcome.ACTIVE, id="a-selects-all"),
        pytest.param("aa", ("c",), (), 0, Outcome.ACTIVE, id="a-twice-clears"),
        pytest.param(" \r", (), ("a",), 0, Outcome.ACCEPTED, id="enter-accepts"),
        pytest.param("\n", ("e",), ("e",), 0, Outcome.ACCEPTED, id="newline-accepts"),
        pytest.param("\r", (), (), 0, Outcome.ACTIVE, id="enter-with-nothing-selected-waits"),
        pytest.param(" q", (), ("a",), 0, Outcome.CANCELLED, id="q-cancels"),
        pytest.param(" \x1b", (), ("a",), 0, Outcome.CANCELLED, id="esc-cancels"),
        pytest.param("\x04", (), (), 0, Outcome.CANCELLED, id="ctrl-d-cancels"),
        pytest.param(" \x03", (), ("a",), 0, Outcome.INTERRUPTED, id="ctrl-c-interrupts"),
        pytest.param(
            " \r" + DOWN + " ", (), ("a",), 0, Outcome.ACCEPTED, id="keys-after-accept-ignored"
        ),
        pytest.param("xz\x1b[1;5C\t" + DOWN, (), (), 1, Outcome.ACTIVE, id="unknown-keys-ignored"),
    ],
)
def test_keys_drive_selection_cursor_and_outcome(typed, preselected, chosen, cursor, outcome):
    state = run_keys(typed, preselected)
    assert state.chosen_ids == chosen
    assert state.cursor == cursor
    assert state.outcome is outcome


def test_enter_with_nothing_selected_explains_and_the_next_key_clears_the_hint():
    state = run_keys("\r")
    assert state.hint == EMPTY_HINT
    assert press(state, "down").hint == ""


def test_chosen_ids_follow_list_order_not_selection_order():
    assert run_keys(END + " " + HOME + " ").chosen_ids == ("a", "e")


def test_a_picker_needs_choices():
    with pytest.raises(ValueError, match="at least one choice"):
        Picker.start([], ())


@pytest.mark.parametrize(
    ("data", "final", "keys", "rest"),
    [
        pytest.param(b"\x1b[A\x1b[B", True, ["up", "down"], b"", id="csi-arrows"),
        pytest.param(b"\x1bOA\x1bOB", True, ["up", "down"], b"", id="ss3-arrows"),
        pytest.param(b"\x1b[1~\x1b[4~", True, ["home", "end"], b"", id="vt-home-end"),
        pytest.param(b"kj \r", True, ["up", "down", "space", "enter"], b"", id="plain-keys"),
        pytest.param(b"\x1b", True, ["esc"], b"", id="lone-esc-final"),
        pytest.param(b"\x1b", False, [], b"\x1b", id="lone-esc-may-continue"),
        pytest.param(b" \x1b[", False, ["space"], b"\x1b[", id="csi-cut-short"),
        pytest.param(b"\x1bO", False, [], b"\x1bO", id="ss3-cut-short"),
        pytest.param(b"\x1b[", True, ["esc", "other"], b"", id="csi-cut-short-final"),
        pytest.param(b"\x1bq", True, ["esc", "cancel"], b"", id="esc-then-key"),
        pytest.param(b"\x1b[1;5A", True, ["other"], b"", id="modified-arrow-is-other"),
        pytest.param(b"\x03", True, ["interrupt"], b"", id="ctrl-c"),
        pytest.param("é".encode(), True, ["other", "other"], b"", id="non-ascii-is-other"),
    ],
)
def test_decode_keys(data, final, keys, rest):
    assert decode_keys(data, final=final) == (keys, rest)


_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MANY = [
    Choice(f"e{i}", f"Editor number {i} with a long name", f".e{i}/rules.md") for i in range(30)
]


@pytest.mark.parametrize(
    ("width", "height", "moves"),
    [
        pytest.param(100, 40, 0, id="all-fit"),
        pytest.param(100, 12, 0, id="top-of-long-list"),
        pytest.param(100, 12, 15, id="middle-of-long-list"),
        pytest.param(100, 12, 29, id="end-of-long-list"),
        pytest.param(30, 12, 7, id="narrow"),
        pytest.param(80, 3, 5, id="tiny"),
    ],
)
def test_render_fits_the_terminal_and_shows_the_cursor_row(width, height, moves):
    state = Picker.start(MANY, ("e3",))
    for _ in range(moves):
        state = press(state, "down")
    lines = render(state, title="Pick", width=width, height=height)
    assert 1 <= len(lines) <= height
    assert all(len(_ANSI_RE.sub("", line)) < width for line in lines)
    marked = [line for line in lines if line.startswith("\x1b[7m")]
    assert len(marked) == 1
    # The cursor row is the one in reverse video, and it is the row of the cursor's choice.
    assert _ANSI_RE.sub("", marked[0]).startswith(">")
    if width >= 60:
        assert f"Editor number {moves} " in marked[0]


def test_render_says_how_many_are_selected_and_hidden():
    state = Picker.start(MANY, ("e0", "e1"))
    foot = _ANSI_RE.sub("", render(state, title="Pick", width=100, height=10)[-1])
    assert foot.startswith("2 of 30 selected")
    assert "23 below" in foot
