"""Plan what every target should contain, and apply the plan. The same loop serves the
check, `--fix`, and the pull-request engine: only the tree and whether to write differ."""

from __future__ import annotations

import enum
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from airules import scoped
from airules.advice import DUPLICATE_RULES, Advice, collect
from airules.blocks import find_block, split_lines
from airules.config import CONFIG_NAMES, MAX_CONFIG_BYTES, Config, TargetConfig, parse_config
from airules.conflicts import has_markers
from airules.errors import FatalError
from airules.planner import MANAGED_SETTINGS, arrange, duplicates
from airules.render import (
    FIX_COMMAND,
    STARTER_PLACEHOLDER_RE,
    digest,
    normalize,
    owned_recorded_hash,
    render_block,
    render_owned,
    rules_text,
)
from airules.settings import AIDER_HEADER, add_read_entry, line_to_add
from airules.targets import EDITORS
from airules.tree import Tree

# What apply says when a symlink target had to be written as a copy.
COPY_FALLBACK = (
    "symlinks are not available here (core.symlinks is false, or the system refuses them)"
)


class State(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    DRIFTED = "out of date"
    EDITED = "edited by hand"
    ERROR = "error"


@dataclass(frozen=True)
class TargetStatus:
    id: str
    path: str
    state: State
    # Both texts normalized (LF, no BOM), for diffs; `old` is None when the file is missing.
    old: str | None
    new: str
    # What --fix writes: `new` in the file's own line-ending and BOM style.
    data: bytes
    message: str = ""
    # The rules file it is made from.
    source: str = ""
    # mode: symlink: the link --fix makes (relative to the file's folder); `data` is the copy
    # written where symlinks cannot be made.
    link: str | None = None
    # An `ok` file whose text is what the rules render to but whose recorded hash is not
    # (the edit was moved into the source): --fix rewrites it to record the new hash.
    refresh: bool = False
    # A generated file whose rule is gone: --fix deletes it.
    delete: bool = False

    @property
    def needs_fix(self) -> bool:
        return self.state in (State.MISSING, State.DRIFTED, State.EDITED)


def decode(path: str, data: bytes) -> str:
    if b"\0" in data:
        raise FatalError(f"{path}: contains NUL bytes, so it is not a text file; replace it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FatalError(f"{path}: is not UTF-8 (byte {e.start}); save it as UTF-8") from None


def load_config(
    tree: Tree, path: str | None = None, parse: Callable[[str, str], Config] = parse_config
) -> Config | None:
    """The repository's config, or None when it has none (and `path` was not given)."""
    names = (path,) if path is not None else CONFIG_NAMES
    found = [(name, data) for name in names if (data := tree.read(name)) is not None]
    if not found:
        if path is not None:
            raise FatalError(f"{path}: config file not found; check the --config path")
        return None
    if len(found) > 1:
        raise FatalError(f"{found[1][0]}: both {CONFIG_NAMES[0]} and it exist; keep only one")
    name, data = found[0]
    if len(data) > MAX_CONFIG_BYTES:
        raise FatalError(
            f"{name}: is {len(data)} bytes, over the {MAX_CONFIG_BYTES} airules reads for a "
            "config; a config is a few lines, so shorten it"
        )
    return parse(decode(name, data), name)


def read_rules(tree: Tree, source: str) -> str:
    data = tree.read(source)
    if data is None:
        raise FatalError(
            f"{source}: source file not found; create it with your rules, "
            "or name another file with `source:` in .airules.yml"
        )
    text = decode(source, data)
    if not text.strip():
        raise FatalError(f"{source}: is empty; write your rules in it")
    if has_markers(text):
        from airules.conflicts import first_marker_line

        line = first_marker_line(text)
        if line is not None:
            raise FatalError(
                f"{source}:{line}: holds git merge conflict markers; resolve the conflict in "
                f"{source} first (every generated file is made from it), then run `{FIX_COMMAND}`"
            )
    return rules_text(text)


def root_rules(tree: Tree, config: Config) -> str:
    """The root source's rules with the config's `include:` rules before them."""
    rules = read_rules(tree, config.source)
    if not config.includes:
        return rules
    from airules.includes import with_includes

    return with_includes(tree, config, rules)


def _line_ending(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def _encode(text: str, like: str | None) -> bytes:
    if like is None:
        return text.encode("utf-8")
    if _line_ending(like) == "\r\n":
        text = text.replace("\n", "\r\n")
    bom = "\ufeff" if like.startswith("\ufeff") else ""
    return (bom + text).encode("utf-8")


_PROBE = "<!-- airules:begin -->\n<!-- airules:end -->\n"
_RISKY_RULES_RE = re.compile(r"```|~~~|airules\s*:", re.IGNORECASE)


def _plan_owned(target: TargetConfig, rules: str, source: str, current: str | None) -> TargetStatus:
    new = render_owned(rules, target.front_matter, source)
    if current is None:
        return TargetStatus(target.id, target.path, State.MISSING, None, new, _encode(new, None))
    old = normalize(current)
    data = _encode(new, current)
    if old == new:
        return TargetStatus(target.id, target.path, State.OK, old, new, data)
    if has_markers(old):
        merged = _plan_owned_conflict(target, source, old, new, data)
        if merged is not None:
            return merged
    if _BANNER_HASH_RE.sub(r"\1", old, count=1) == _BANNER_HASH_RE.sub(r"\1", new, count=1):
        # The same text under another recorded hash: the edit was moved into the source.
        return TargetStatus(target.id, target.path, State.OK, old, new, data, refresh=True)
    from airules.mdcompare import equivalent

    if equivalent(old, new):
        # Reformatted (Prettier, mdformat) but the same document: leave it as it is.
        return TargetStatus(target.id, target.path, State.OK, old, old, current.encode("utf-8"))
    recorded, actual = owned_recorded_hash(old)
    if recorded is None:
        state, message = State.EDITED, "was not generated by airules (it has no airules banner)"
    elif recorded != actual:
        state, message = State.EDITED, f"changed since airules generated it from {source}"
    else:
        state, message = State.DRIFTED, f"out of date with {source}"
    return TargetStatus(target.id, target.path, state, old, new, data, message)


_BANNER_HASH_RE = re.compile(r"^(<!-- Generated by airules from [^\n]* sha256:)[0-9a-f]{12}", re.M)
CONFLICT_MESSAGE = (
    "holds git merge conflict markers between two airules generations; --fix regenerates it "
    "from {source}"
)


def _conflict_error(path: str, text: str) -> FatalError:
    from airules.conflicts import first_marker_line

    return FatalError(
        f"{path}:{first_marker_line(text)}: holds git merge conflict markers around text "
        "airules did not generate; resolve them by hand, then rerun"
    )


def _plan_owned_conflict(
    target: TargetConfig, source: str, old: str, new: str, data: bytes
) -> TargetStatus | None:
    from airules.conflicts import sides_of

    sides = sides_of(old)
    if sides is None:
        return None
    if not all(owned_recorded_hash(side)[0] is not None for side in sides):
        raise _conflict_error(target.path, old)
    message = CONFLICT_MESSAGE.format(source=source)
    return TargetStatus(target.id, target.path, State.DRIFTED, old, new, data, message)


def _resolve_shared_conflict(path: str, body: str) -> str | None:
    """`body` with a conflict that lies only inside the airules block (between two
    generations) resolved to "ours"; None when it holds no conflict; FatalError otherwise."""
    from airules.conflicts import sides_of

    sides = sides_of(body)
    if sides is None:
        return None
    outside = []
    for side in sides:
        try:
            found = find_block(side, path)
        except FatalError:
            raise _conflict_error(path, body) from None
        if found is None:
            raise _conflict_error(path, body)
        lines = split_lines(side)
        outside.append(("".join(lines[: found.begin]), "".join(lines[found.end + 1 :])))
    if outside[0] != outside[1]:
        raise _conflict_error(path, body)
    return sides[0]


def _plan_shared(
    target: TargetConfig, rules: str, source: str, current: str | None
) -> TargetStatus:
    block = render_block(rules, source)
    if current is None:
        if _RISKY_RULES_RE.search(rules):
            _check_block_survives(block, rules, source, target.path)
        return TargetStatus(
            target.id, target.path, State.MISSING, None, block, _encode(block, None)
        )
    body = current.removeprefix("\ufeff")
    eol = _line_ending(body)
    new_block = block.replace("\n", eol)
    conflicted = has_markers(body)
    resolved = _resolve_shared_conflict(target.path, body) if conflicted else None
    found = find_block(body if resolved is None else resolved, target.path)
    if found is None:
        prefix = body
        if prefix and not prefix.endswith("\n"):
            prefix += eol
        if prefix.strip() and not prefix.endswith(("\n\n", "\n\r\n")):
            prefix += eol
        new_body = prefix + new_block
        # A fence left open at the end would turn the appended block into code: the next run
        # would not see it and append another, forever.
        if ("```" in prefix or "~~~" in prefix) and find_block(
            prefix + _PROBE, target.path
        ) is None:
            raise FatalError(
                f"{target.path}: ends inside a code fence that is never closed, so rules appended "
                "after it would be code; close the fence"
            )
        state, message = (
            State.MISSING,
            f"has no airules block; --fix appends the rules from {source}",
        )
    else:
        lines = split_lines(body if resolved is None else resolved)
        before = "".join(lines[: found.begin])
        after = "".join(lines[found.end + 1 :])
        new_body = before + new_block + after
        inner = normalize("".join(lines[found.begin + 1 : found.end]))
        same = resolved is None and normalize(body) != normalize(new_body)
        if same and inner == rules:
            # The same rules under another recorded hash: the edit was moved into the source.
            old, new = normalize(body), normalize(new_body)
            data = (("\ufeff" if current.startswith("\ufeff") else "") + new_body).encode()
            return TargetStatus(target.id, target.path, State.OK, old, new, data, refresh=True)
        if same and _equivalent(inner, rules):
            # Reformatted (Prettier, mdformat) but the same document: leave it as it is.
            old = normalize(body)
            return TargetStatus(target.id, target.path, State.OK, old, old, current.encode())
        if resolved is not None:
            state, message = State.DRIFTED, CONFLICT_MESSAGE.format(source=source)
        elif found.recorded == digest(inner) or (found.recorded is None and not inner.strip()):
            state, message = State.DRIFTED, f"out of date with {source}"
        else:
            state, message = (
                State.EDITED,
                f"its airules block changed since it was generated from {source}",
            )
    if _RISKY_RULES_RE.search(rules):
        _check_block_survives(new_body, rules, source, target.path)
    if ": (" in rules:
        _refuse_placeholders(new_body, rules, source, target.path)
    old, new = normalize(body), normalize(new_body)
    bom = "\ufeff" if current.startswith("\ufeff") else ""
    data = (bom + new_body).encode("utf-8")
    if old == new:
        return TargetStatus(target.id, target.path, State.OK, old, new, data)
    return TargetStatus(target.id, target.path, state, old, new, data, message)


def _refuse_placeholders(new_body: str, rules: str, source: str, path: str) -> None:
    """The starter's placeholders are for the source's author to fill in; a file with text
    people wrote must not get them."""
    found = STARTER_PLACEHOLDER_RE.search(rules)
    if found is None or not normalize(new_body).replace(render_block(rules, source), "").strip():
        return
    line = rules.count("\n", 0, found.start()) + 1
    raise FatalError(
        f"{source}:{line}: still holds the starter's placeholder `{found.group(0)[2:]}`; fill "
        f"it in (or delete the line) before airules writes the rules into {path}, which "
        "people also write in"
    )


def _equivalent(a: str, b: str) -> bool:
    from airules.mdcompare import equivalent

    return equivalent(a, b)


def _check_block_survives(new_body: str, rules: str, source: str, path: str) -> None:
    """Rules holding a marker or an unclosed code fence would break the block they go in."""
    try:
        found = find_block(new_body, path)
    except FatalError:
        found = None
    lines = split_lines(new_body)
    if found is None or normalize("".join(lines[found.begin + 1 : found.end])) != rules:
        raise FatalError(
            f"{source}: holds an airules marker or an unclosed code fence that would break the "
            f"managed block in {path}; remove the marker or close the fence"
        )


def relative_source(source: str, path: str) -> str:
    """`source` as seen from the folder of `path`: what an import or a symlink there names."""
    return posixpath.relpath(source, posixpath.dirname(path) or ".")


def _link_points_to(path: str, link: str, source: str) -> bool:
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), link)) == source


def _only_block(text: str, path: str) -> bool:
    """Whether a shared file holds nothing but its airules block."""
    found = find_block(text, path)
    if found is None:
        return False
    lines = split_lines(text)
    return not "".join(lines[: found.begin] + lines[found.end + 1 :]).strip()


def _plan_copy(
    target: TargetConfig, content: str, source: str, current: str | None
) -> TargetStatus:
    render = _plan_shared if target.shared else _plan_owned
    return render(target, content, source, current)


def _plan_symlink(tree: Tree, target: TargetConfig, rules: str, source: str) -> TargetStatus:
    link = relative_source(source, target.path)
    pointer = f"symlink to {link}\n"
    # Where a link cannot be made, --fix writes what mode: copy would.
    fresh = _plan_copy(target, rules, source, None)
    current_link = tree.readlink(target.path)
    if current_link is not None:
        if _link_points_to(target.path, current_link, source):
            return TargetStatus(target.id, target.path, State.OK, pointer, pointer, b"", link=link)
        return TargetStatus(
            target.id,
            target.path,
            State.DRIFTED,
            f"symlink to {current_link}\n",
            pointer,
            fresh.data,
            f"links to {current_link}, not to {source}",
            link=link,
        )
    raw = tree.read(target.path)
    if raw is None:
        return replace(fresh, new=pointer, link=link)
    current = decode(target.path, raw)
    old = normalize(current)
    if current == link:
        # Git writes a symlink as a file holding the link text where core.symlinks is off.
        return TargetStatus(
            target.id,
            target.path,
            State.DRIFTED,
            old,
            pointer,
            fresh.data,
            "is a symlink checked out as a plain file (symlinks are off in this checkout)",
            link=link,
        )
    copy = _plan_copy(target, rules, source, current)
    generated_only = not target.shared or _only_block(current, target.path)
    if copy.state is State.OK and generated_only:
        # A generated copy is what --fix leaves where symlinks are unavailable: accept it, so
        # a checkout with symlinks and one without do not undo each other's work.
        return replace(copy, message=f"a generated copy standing in for the symlink to {source}")
    if copy.state is State.DRIFTED and generated_only:
        return TargetStatus(
            target.id, target.path, State.DRIFTED, old, pointer, fresh.data, copy.message, link=link
        )
    return TargetStatus(
        target.id,
        target.path,
        State.EDITED,
        old,
        pointer,
        fresh.data,
        f"holds text airules did not generate, which a symlink to {source} would drop",
        link=link,
    )


def _plan_target(
    tree: Tree, target: TargetConfig, rules: str, source: str, extra: str = ""
) -> TargetStatus:
    if target.mode == "symlink":
        if extra:
            raise FatalError(
                f"{target.path}: is a symlink to {source}, which cannot also carry the rules "
                "from the rules folder meant for it; use mode: copy or mode: import"
            )
        return _plan_symlink(tree, target, rules, source)
    link = tree.readlink(target.path)
    if link is not None and _link_points_to(target.path, link, source):
        raise FatalError(
            f"{target.path}: is a symlink to {source}, so writing it would change {source} "
            f"itself; add `mode: symlink` to this target, or delete the link"
        )
    content = rules + extra
    if target.mode == "import":
        if target.pointer is not None:
            # Under dedupe, a pointer imports the AGENTS.md beside it, which carries the rules
            # and everything the rules folder adds.
            content = f"@{relative_source(target.pointer, target.path)}\n"
        else:
            content = f"@{relative_source(source, target.path)}\n{extra}"
    current = _held(tree, target, content, source)
    if current is None:
        raw = tree.read(target.path)
        current = None if raw is None else decode(target.path, raw)
    return _plan_copy(target, content, source, current)


def _held(tree: Tree, target: TargetConfig, content: str, source: str) -> str | None:
    """The generated text, when a tree that compares git blob ids (GitHub's) says the owned
    file holds exactly it: a file in sync is then never downloaded."""
    holds = getattr(tree, "holds", None)
    if holds is None or target.shared:
        return None
    new = render_owned(content, target.front_matter, source)
    return new if holds(target.path, new.encode("utf-8")) else None


def _formatted_generation(
    tree: Tree, target: TargetConfig, status: TargetStatus, source: str
) -> bool:
    """Whether a file that looks edited by hand is the generation airules recorded, only
    reformatted (mdformat, Prettier): then it is merely out of date. The recorded generation is
    found from the source as the last commit has it."""
    committed = getattr(tree, "committed", None)
    if committed is None or status.old is None or target.mode != "copy" or status.link:
        return False
    data = committed(source)
    if data is None:
        return False
    try:
        previous = rules_text(decode(source, data))
    except FatalError:
        return False
    if target.shared:
        try:
            found = find_block(status.old, target.path)
        except FatalError:
            return False
        if found is None or found.recorded != digest(previous):
            return False
        lines = split_lines(status.old)
        return _equivalent("".join(lines[found.begin + 1 : found.end]), previous)
    expected = render_owned(previous, target.front_matter, source)
    recorded = owned_recorded_hash(status.old)[0]
    return recorded == owned_recorded_hash(expected)[0] and _equivalent(status.old, expected)


def expand(tree: Tree, config: Config) -> list[TargetConfig]:
    """The configured targets and, with `nested: true`, each nested source's own targets."""
    targets = list(config.targets)
    if not config.nested:
        return arrange(targets, config.dedupe)
    nestable = [t for t in config.targets if not t.custom and EDITORS[t.id].nested]
    # A file of that name at the top belongs to the root, which the source already serves.
    found = [
        s
        for s in tree.find_files(posixpath.basename(config.source))
        # Vendored includes (.airules/include/...) are rules of the root, not of a folder.
        if s != config.source and posixpath.dirname(s) and not s.startswith(".airules/")
    ]
    # Some targets are themselves called ai-rules.md (.windsurf/rules/ai-rules.md): what
    # airules writes is never a source.
    generated = {t.path for t in targets} | {
        f"{posixpath.dirname(s)}/{t.path}" for s in found for t in nestable
    }
    taken = {t.path: t for t in targets}
    for source in found:
        if source in generated:
            continue
        for target in nestable:
            path = f"{posixpath.dirname(source)}/{target.path}"
            if path in taken:
                first = taken[path]
                where = f"the entry on line {first.line}" if first.source is None else first.source
                raise FatalError(
                    f"{path}: both {where} and {source} (nested) would write it; give the "
                    "configured target another `path:` or move the nested source"
                )
            taken[path] = nested = replace(target, path=path, source=source)
            targets.append(nested)
    return arrange(targets, config.dedupe)


def plan(
    tree: Tree, config: Config, targets: Sequence[TargetConfig] | None = None
) -> list[TargetStatus]:
    """The status of every target; a target that cannot be read gets State.ERROR."""
    rules: dict[str, str | None] = {config.source: root_rules(tree, config)}
    if targets is None:
        targets = expand(tree, config)
    # Targets dedupe serves through AGENTS.md, or points at it, get what the rules folder adds
    # from AGENTS.md too, so not a second time here.
    extra = scoped.plan_rules(
        tree, config, [t for t in targets if t.served_by is None and t.pointer is None], decode
    )
    statuses = []
    for target in targets:
        source = target.source or config.source
        if target.served_by is not None:
            # dedupe: its editor reads the rules in another file airules writes.
            served = f"served by {target.served_by}"
            statuses.append(TargetStatus(target.id, target.path, State.OK, None, "", b"", served))
            continue
        try:
            if source not in rules:
                # A nested source listed by git but deleted since serves nothing.
                rules[source] = read_rules(tree, source) if tree.read(source) is not None else None
            text = rules[source]
            if text is None:
                continue
            status = _plan_target(tree, target, text, source, extra.extra.get(target.path, ""))
            if status.state is State.EDITED and _formatted_generation(tree, target, status, source):
                status = replace(status, state=State.DRIFTED, message=f"out of date with {source}")
        except FatalError as e:
            status = TargetStatus(target.id, target.path, State.ERROR, None, "", b"", str(e))
        statuses.append(replace(status, source=source))
    statuses.extend(_plan_settings(tree, targets))
    statuses.extend(_plan_scoped(tree, extra))
    return statuses


def _plan_scoped(tree: Tree, rules: scoped.RulesPlan) -> list[TargetStatus]:
    """The owned file of each scoped rule, and the stale ones --fix deletes."""
    statuses = []
    for target, body in rules.files:
        assert target.source is not None
        try:
            status = _plan_target(tree, target, body, target.source)
        except FatalError as e:
            status = TargetStatus(target.id, target.path, State.ERROR, None, "", b"", str(e))
        statuses.append(replace(status, source=target.source))
    for gone in rules.stale:
        why = f"was generated from {gone.source}, which no longer makes it"
        statuses.append(
            TargetStatus(
                gone.id,
                gone.path,
                State.EDITED if gone.edited else State.DRIFTED,
                gone.text,
                "",
                b"",
                f"{why}, and was edited by hand since; --fix --force deletes it"
                if gone.edited
                else f"{why}; --fix deletes it",
                source=gone.source,
                delete=True,
            )
        )
    return statuses


def _plan_settings(tree: Tree, targets: Sequence[TargetConfig]) -> list[TargetStatus]:
    """The settings files that make an editor read its file (Aider's `read:`)."""
    out = []
    for target in targets:
        editor = None if target.custom else EDITORS.get(target.id)
        if editor is None or target.served_by is not None or target.source is not None:
            continue
        for read in editor.reads:
            if read.setting is None or read.setting.file not in MANAGED_SETTINGS:
                continue
            path = read.setting.file
            try:
                out.append(_plan_read_entry(tree, target, path))
            except FatalError as e:
                out.append(TargetStatus(target.id, path, State.ERROR, None, "", b"", str(e)))
    return out


def _plan_read_entry(tree: Tree, target: TargetConfig, path: str) -> TargetStatus:
    raw = tree.read(path)
    name = EDITORS[target.id].name
    if raw is None:
        new = AIDER_HEADER + line_to_add(target.path) + "\n"
        return TargetStatus(
            target.id,
            path,
            State.MISSING,
            None,
            new,
            new.encode("utf-8"),
            f"{name} reads {target.path} only when this file lists it under `read:`",
        )
    current = decode(path, raw)
    old = normalize(current)
    edit = add_read_entry(old, target.path)
    if edit.text is None:
        # Nothing is written; --force cannot help either (new == old).
        return TargetStatus(
            target.id,
            path,
            State.EDITED,
            old,
            old,
            raw,
            f"{edit.problem}, so airules does not edit it and {name} never reads "
            f"{target.path}; add it under `read:` by hand (`{line_to_add(target.path)}`)",
        )
    if edit.text == old:
        return TargetStatus(target.id, path, State.OK, old, old, raw)
    return TargetStatus(
        target.id,
        path,
        State.MISSING,
        old,
        edit.text,
        _encode(edit.text, current),
        f"does not list {target.path} under `read:`, so {name} never reads it; --fix adds it",
    )


def apply(
    tree: Tree, statuses: Sequence[TargetStatus], *, force: bool = False
) -> list[TargetStatus]:
    """Write every target that needs it; hand-edited ones only with `force`. Returns the written;
    a symlink that had to be written as a copy comes back with `link=None` and a message."""
    written = []
    for status in statuses:
        if status.old is not None and status.new == status.old and status.link is None:
            # A file that needs a hand edit airules cannot make safely (Aider's settings).
            continue
        if (
            status.state in (State.MISSING, State.DRIFTED)
            or (force and status.state is State.EDITED)
            or status.refresh
        ):
            if status.delete:
                tree.remove(status.path)  # type: ignore[attr-defined]
                written.append(status)
                continue
            if status.link is not None:
                if tree.symlink(status.path, status.link):
                    written.append(status)
                    continue
                if tree.readlink(status.path) is not None:
                    raise FatalError(
                        f"{status.path}: is a symlink that cannot be replaced here, because this "
                        "system refuses new symlinks; delete it and rerun --fix"
                    )
                status = replace(status, link=None, message=COPY_FALLBACK)
            tree.write(status.path, new_file_data(tree, status.path, status.data, status.old))
            written.append(status)
    return written


def new_file_data(tree: Tree, path: str, data: bytes, old: str | None) -> bytes:
    """`data` with the repository's line endings when it makes a new file (an existing file
    keeps its own, which `data` already has)."""
    eol = getattr(tree, "new_file_eol", None)
    if old is not None or eol is None or b"\r\n" in data or eol(path) != "\r\n":
        return data
    return data.replace(b"\n", b"\r\n")


def advise(
    tree: Tree,
    config: Config,
    targets: Sequence[TargetConfig],
    statuses: Sequence[TargetStatus],
) -> list[Advice]:
    """Warnings about files editors will ignore or never see, once every target is in sync."""
    by_path = {t.path: t for t in targets}
    sources: dict[str, str] = {}
    final: list[tuple[TargetConfig, str]] = []
    for status in statuses:
        target = by_path.get(status.path)
        if target is None or status.state is State.ERROR or target.served_by is not None:
            continue
        text = status.new
        if status.link is not None:
            # The editor reads the source through the link.
            if status.source not in sources:
                sources[status.source] = read_rules(tree, status.source)
            text = sources[status.source]
        final.append((target, text))

    def read(path: str) -> str | None:
        try:
            data = tree.read(path)
            return None if data is None else normalize(decode(path, data))
        except FatalError:
            # Unreadable (a folder, a broken link): editors cannot read it either.
            return None

    def list_dir(folder: str) -> list[str]:
        try:
            return tree.list_dir(folder)
        except FatalError:
            # A rules folder that links outside the root is none of our business to list.
            return []

    out = collect(final, config_path=config.path, read=read, list_dir=list_dir)
    for target, message, unavoidable in duplicates(targets, dedupe=config.dedupe):
        out.append(Advice(DUPLICATE_RULES, target.path, message, note=unavoidable))
    for target in targets:
        if target.served_by is not None and read(target.path) is not None:
            out.append(
                Advice(
                    DUPLICATE_RULES,
                    target.path,
                    f"{EDITORS[target.id].name} reads the rules in {target.served_by} "
                    "(dedupe: true), so this file is a second copy; delete it",
                )
            )
    return [a for a in out if a.kind not in config.warnings_off]
