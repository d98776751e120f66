"""A multi-select list on a POSIX terminal: a pure state machine, and a thin shell that draws it.

`press` and `decode_keys` are pure, so the behaviour is tested without a terminal; only `pick`
touches one, and it always restores the terminal's settings before returning.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

HELP = "up/down or j/k: move   space: toggle   a: all   enter: accept   q or esc: cancel"
EMPTY_HINT = "Nothing is selected: press space to select an editor, or q to cancel."

# Escape sequences for the keys the picker knows: CSI (`ESC [`) and, in the terminal's
# "application cursor" mode, SS3 (`ESC O`).
_SEQUENCES = {
    b"\x1b[A": "up",
    b"\x1b[B": "down",
    b"\x1bOA": "up",
    b"\x1bOB": "down",
    b"\x1b[H": "home",
    b"\x1b[F": "end",
    b"\x1bOH": "home",
    b"\x1bOF": "end",
    b"\x1b[1~": "home",
    b"\x1b[4~": "end",
    b"\x1b[7~": "home",
    b"\x1b[8~": "end",
}
_BYTES = {
    b"k": "up",
    b"j": "down",
    b" ": "space",
    b"\r": "enter",
    b"\n": "enter",
    b"a": "all",
    b"A": "all",
    b"q": "cancel",
    b"Q": "cancel",
    b"\x04": "cancel",
    b"\x03": "interrupt",
}
# Longer editor names are cut so that the paths beside them stay in view.
LABEL_WIDTH = 40
# How long a lone ESC waits for the rest of an escape sequence before it counts as the Esc key.
ESC_WAIT = 0.05


class Outcome(enum.Enum):
    ACTIVE = "active"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Picker:
    choices: tuple[Choice, ...]
    selected: frozenset[int]
    cursor: int = 0
    outcome: Outcome = Outcome.ACTIVE
    hint: str = ""

    @classmethod
    def start(cls, choices: Sequence[Choice], preselected: Sequence[str]) -> Picker:
        if not choices:
            raise ValueError("a picker needs at least one choice")
        chosen = set(preselected)
        return cls(tuple(choices), frozenset(i for i, c in enumerate(choices) if c.id in chosen))

    @property
    def chosen_ids(self) -> tuple[str, ...]:
        """The selected ids in list order."""
        return tuple(c.id for i, c in enumerate(self.choices) if i in self.selected)


def press(state: Picker, key: str) -> Picker:
    """The picker after one key; keys after the picker has finished change nothing."""
    if state.outcome is not Outcome.ACTIVE:
        return state
    n = len(state.choices)
    state = replace(state, hint="")
    if key == "up":
        return replace(state, cursor=(state.cursor - 1) % n)
    if key == "down":
        return replace(state, cursor=(state.cursor + 1) % n)
    if key == "home":
        return replace(state, cursor=0)
    if key == "end":
        return replace(state, cursor=n - 1)
    if key == "space":
        return replace(state, selected=state.selected ^ {state.cursor})
    if key == "all":
        everything = frozenset(range(n))
        return replace(state, selected=frozenset() if state.selected == everything else everything)
    if key == "enter":
        if not state.selected:
            return replace(state, hint=EMPTY_HINT)
        return replace(state, outcome=Outcome.ACCEPTED)
    if key in ("cancel", "esc"):
        return replace(state, outcome=Outcome.CANCELLED)
    if key == "interrupt":
        return replace(state, outcome=Outcome.INTERRUPTED)
    return state


def decode_keys(data: bytes, *, final: bool = True) -> tuple[list[str], bytes]:
    """Key names for the bytes a terminal sent, and any incomplete escape sequence at the end.

    With `final`, nothing is left over: a trailing lone ESC is the Esc key. Bytes that are no key
    the picker knows decode to "other", so a stray sequence never moves the selection.
    """
    keys: list[str] = []
    i = 0
    while i < len(data):
        if data[i : i + 1] != b"\x1b":
            keys.append(_BYTES.get(data[i : i + 1], "other"))
            i += 1
            continue
        end = _sequence_end(data, i)
        if end is None:
            if not final:
                return keys, data[i:]
            keys.append("esc")
            i += 1
            continue
        if end == i + 1:
            keys.append("esc")
        else:
            keys.append(_SEQUENCES.get(data[i:end], "other"))
        i = end
    return keys, b""


def _sequence_end(data: bytes, start: int) -> int | None:
    """Where the escape sequence at `start` ends; None when the data stops inside it."""
    if start + 1 >= len(data):
        return None
    kind = data[start + 1 : start + 2]
    if kind == b"O":
        return start + 3 if start + 2 < len(data) else None
    if kind != b"[":
        # ESC followed by an ordinary key: the Esc key on its own, then that key.
        return start + 1
    # CSI: parameter and intermediate bytes up to a final byte in 0x40-0x7e.
    for j in range(start + 2, len(data)):
        if 0x40 <= data[j] <= 0x7E:
            return j + 1
    return None


def render(state: Picker, *, title: str, width: int, height: int) -> list[str]:
    """The screen lines for `state`, none wider than `width`, at most `height` of them.

    Lines are never wider than the terminal, so none wraps and the redraw, which moves up by the
    number of lines drawn, always lands at the top of the picker.
    """
    n = len(state.choices)
    head = [title, HELP]
    rows = max(1, min(n, height - len(head) - 1))
    top = min(max(0, state.cursor - rows // 2), n - rows)
    label_width = min(LABEL_WIDTH, max(len(c.label) for c in state.choices))
    body = []
    for i in range(top, top + rows):
        choice = state.choices[i]
        pointer = ">" if i == state.cursor else " "
        mark = "[x]" if i in state.selected else "[ ]"
        label = _fit(choice.label, label_width + 1)
        body.append(f"{pointer} {mark} {label:<{label_width}}  {choice.detail}".rstrip())
    foot = state.hint or f"{len(state.selected)} of {n} selected"
    hidden = [f"{top} above" if top else "", f"{n - top - rows} below" if top + rows < n else ""]
    if any(hidden) and not state.hint:
        foot += f" ({', '.join(h for h in hidden if h)}; move to see them)"
    lines = [_fit(line, width) for line in (*head, *body, foot)]
    cursor_line = len(head) + state.cursor - top
    # Reverse video marks the row under the cursor, which is all the colour the picker uses.
    lines[cursor_line] = f"\x1b[7m{lines[cursor_line]}\x1b[0m"
    return lines[-max(1, height) :]


def _fit(line: str, width: int) -> str:
    # One column is kept free: writing the last column makes some terminals wrap early.
    limit = max(1, width - 1)
    return line if len(line) <= limit else line[: max(0, limit - 3)] + "..."


def pick(
    choices: Sequence[Choice], preselected: Sequence[str], *, title: str, fd_in: int, fd_out: int
) -> Picker:
    """Run the picker on a terminal until it is accepted or cancelled; the final state.

    The terminal's settings are restored whatever happens, including an exception.
    """
    import select
    import termios

    state = Picker.start(choices, preselected)
    saved = termios.tcgetattr(fd_in)
    raw = termios.tcgetattr(fd_in)
    # Keys arrive one by one, unechoed, and Ctrl-C arrives as a byte instead of a signal, so the
    # settings are restored here rather than by an interrupt at an arbitrary point. Output
    # processing stays on, so "\n" still returns the carriage.
    raw[0] &= ~(termios.ICRNL | termios.IXON)
    raw[3] &= ~(termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
    raw[6][termios.VMIN] = 1
    raw[6][termios.VTIME] = 0
    drawn = 0
    try:
        termios.tcsetattr(fd_in, termios.TCSADRAIN, raw)
        _write(fd_out, "\x1b[?25l")
        pending = b""
        while state.outcome is Outcome.ACTIVE:
            drawn = _draw(fd_out, _frame(state, title, fd_out), drawn)
            chunk = os.read(fd_in, 64)
            if not chunk:
                # The terminal went away: nobody is there to answer.
                state = replace(state, outcome=Outcome.CANCELLED)
                break
            keys, pending = decode_keys(pending + chunk, final=False)
            if pending and not select.select([fd_in], [], [], ESC_WAIT)[0]:
                more, pending = decode_keys(pending)
                keys += more
            for key in keys:
                state = press(state, key)
        _draw(fd_out, [], drawn)
    finally:
        termios.tcsetattr(fd_in, termios.TCSADRAIN, saved)
        _write(fd_out, "\x1b[?25h")
    return state


def _frame(state: Picker, title: str, fd: int) -> list[str]:
    try:
        size = os.get_terminal_size(fd)
        width, height = size.columns, size.lines
    except OSError:
        width, height = 80, 24
    # A zero size is what some pseudo-terminals report before anyone sets one.
    return render(state, title=title, width=width or 80, height=height or 24)


def _draw(fd: int, lines: list[str], drawn: int) -> int:
    """Replace the `drawn` lines written last time with `lines`; the number now on screen."""
    up = f"\x1b[{drawn - 1}A" if drawn > 1 else ""
    _write(fd, f"\r{up}\x1b[J" + "\n".join(lines))
    return len(lines)


def _write(fd: int, text: str) -> None:
    data = text.encode("utf-8", "replace")
    while data:
        data = data[os.write(fd, data) :]
