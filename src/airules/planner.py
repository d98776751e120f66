"""Which files reach which editors, and how many times the rules do.

Pure: from the registry's read facts (`targets.Read`) and the configured targets, nothing here
touches the disk. `arrange` is what `dedupe: true` does: an editor that follows `@imports` gets
an import pointer to the AGENTS.md beside it, and an editor that already reads another file
airules writes is served through it instead of getting a file of its own. `reach` counts the
copies each editor then reads; `--explain` and the `duplicate-rules` warning are made from it.

Facts are written for the repository root; a nested source's folder is treated the same way,
its paths taken relative to that folder.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from airules.config import TargetConfig
from airules.targets import (
    ALWAYS,
    EDITORS,
    FALLBACK,
    FIRST,
    READERS,
    SETTING,
    Read,
)

# Settings files airules keeps (airules.settings), so a SETTING read through them happens.
MANAGED_SETTINGS = frozenset({".aider.conf.yml"})

# What a managed file holds: the rules; an `@import` of the source (the rules, for editors
# that follow imports); or a pointer, an `@import` of the AGENTS.md beside it.
RULES = "rules"
IMPORT = "import"
POINTER = "pointer"


@dataclass(frozen=True)
class Carrier:
    path: str
    kind: str
    # POINTER: the file it imports.
    points_to: str = ""


@dataclass(frozen=True)
class Seen:
    """One file an editor reads, and how many copies of the rules it brings."""

    path: str
    copies: int
    # The part of the editor that reads it, when not all of it.
    surface: str = ""
    points_to: str = ""


@dataclass(frozen=True)
class Reach:
    """What reaches one editor (or reader) in one folder."""

    id: str
    name: str
    # The editor's own target, "" for a reader without one.
    path: str
    seen: tuple[Seen, ...]
    served_by: str | None = None

    @property
    def copies(self) -> int:
        return sum(s.copies for s in self.seen)


def _matches(pattern: str, path: str) -> bool:
    return path.startswith(pattern) if pattern.endswith("/") else path == pattern


def files_read(
    reads: Iterable[Read], present: Collection[str], setting_files: Mapping[str, str] | None = None
) -> list[tuple[str, Read]]:
    """The files of `present` (paths of files that exist) an editor with these facts reads,
    in the order it reads them. A SETTING read happens when `setting_files` maps the setting's
    file to the path the setting names."""
    out: list[tuple[str, Read]] = []
    ordered = sorted(present)
    for read in reads:
        if read.when == ALWAYS:
            out += [(p, read) for p in ordered if _matches(read.paths[0], p)]
        elif read.when == FALLBACK:
            if read.unless not in present:
                out += [(p, read) for p in ordered if _matches(read.paths[0], p)]
        elif read.when == FIRST:
            for pattern in read.paths:
                found = [(p, read) for p in ordered if _matches(pattern, p)]
                if found:
                    out += found
                    break
        elif read.when == SETTING:
            assert read.setting is not None
            named = (setting_files or {}).get(read.setting.file)
            if named is not None and named in present:
                out.append((named, read))
    return out


def predict(
    id: str, present: Collection[str], setting_files: Mapping[str, str] | None = None
) -> list[str]:
    """The files an editor or reader (by id) reads when exactly `present` exist: what a
    conformance run of the agent should report as `files_read`, in the order it reads them."""
    reads = EDITORS[id].reads if id in EDITORS else READERS[id].reads
    return [path for path, _ in files_read(reads, present, setting_files)]


def _folder(target: TargetConfig) -> str:
    return posixpath.dirname(target.source) if target.source else ""


def _local(folder: str, path: str) -> str:
    return path[len(folder) + 1 :] if folder else path


def _carrier(target: TargetConfig, folder: str) -> Carrier | None:
    if target.served_by is not None:
        return None
    path = _local(folder, target.path)
    if target.mode == "import":
        if target.pointer is not None:
            return Carrier(path, POINTER, _local(folder, target.pointer))
        return Carrier(path, IMPORT)
    return Carrier(path, RULES)


def _carriers(group: Sequence[TargetConfig], folder: str) -> dict[str, Carrier]:
    return {c.path: c for t in group if (c := _carrier(t, folder)) is not None}


def _settings(group: Sequence[TargetConfig], folder: str) -> dict[str, str]:
    out = {}
    for target in group:
        editor = None if target.custom else EDITORS.get(target.id)
        if editor is None or folder:
            continue
        for read in editor.reads:
            if read.setting is not None and read.setting.file in MANAGED_SETTINGS:
                out[read.setting.file] = target.path
    return out


def _seen(
    reads: Sequence[Read],
    imports: bool,
    carriers: Mapping[str, Carrier],
    settings: Mapping[str, str],
) -> tuple[Seen, ...]:
    out = []
    for path, read in files_read(reads, carriers, settings):
        carrier = carriers[path]
        copies = 1 if carrier.kind == RULES or imports else 0
        out.append(Seen(path, copies, read.surface, carrier.points_to))
    return tuple(out)


def _groups(targets: Sequence[TargetConfig]) -> dict[str, list[TargetConfig]]:
    groups: dict[str, list[TargetConfig]] = {}
    for target in targets:
        groups.setdefault(_folder(target), []).append(target)
    return groups


def _arrange_group(group: list[TargetConfig], folder: str) -> list[TargetConfig]:
    settings = _settings(group, folder)
    hub = next((t for t in group if not t.custom and t.id == "agents" and t.mode != "import"), None)

    def count(i: int, candidate: TargetConfig | None, full_only: bool = False) -> int:
        trial = [*group[:i], *([] if candidate is None else [candidate]), *group[i + 1 :]]
        editor = EDITORS[group[i].id]
        reads = [r for r in editor.reads if not (full_only and r.surface)]
        return sum(
            s.copies for s in _seen(reads, editor.imports, _carriers(trial, folder), settings)
        )

    # Pointers first: an editor that follows imports reads AGENTS.md through `@AGENTS.md`, so
    # the agents that read its file without following imports get no second copy from it.
    if hub is not None:
        for i, target in enumerate(group):
            editor = None if target.custom else EDITORS.get(target.id)
            if editor is None or not editor.imports or target.mode != "copy" or target is hub:
                continue
            pointer = replace(target, mode="import", pointer=hub.path)
            if count(i, pointer) == 1:
                group[i] = pointer
    # Then serve editors through a file they already read, owned files (rule folders) before
    # shared root files. A file that serves an editor stays.
    pinned = {hub.path} if hub is not None else set()
    order = sorted(range(len(group)), key=lambda i: group[i].shared)
    for i in order:
        target = group[i]
        editor = None if target.custom else EDITORS.get(target.id)
        if editor is None or target.mode != "copy" or target.path in pinned:
            continue
        if count(i, None, full_only=True) < 1:
            continue
        trial = [*group[:i], *group[i + 1 :]]
        reads = [r for r in editor.reads if not r.surface]
        seen = _seen(reads, editor.imports, _carriers(trial, folder), settings)
        by = [s.path for s in seen if s.copies]
        by = [f"{folder}/{p}" if folder else p for p in by if p]
        group[i] = replace(target, served_by=", ".join(by))
        pinned.update(by)
    return group


def arrange(targets: Sequence[TargetConfig], dedupe: bool) -> list[TargetConfig]:
    """The targets as `dedupe: true` arranges them: import pointers, and targets served through
    files their editors already read (not written). Unchanged without `dedupe`."""
    if not dedupe:
        return list(targets)
    arranged: dict[int, TargetConfig] = {}
    index = {id(t): i for i, t in enumerate(targets)}
    for folder, group in _groups(targets).items():
        positions = [index[id(t)] for t in group]
        for i, target in zip(positions, _arrange_group(list(group), folder), strict=True):
            arranged[i] = target
    return [arranged[i] for i in range(len(targets))]


def reach(targets: Sequence[TargetConfig], *, readers: bool = True) -> list[Reach]:
    """What reaches every configured editor, in config order, then (with `readers`) every
    agent without a file of its own that reads one of these files, at the root."""
    out = []
    for folder, group in _groups(targets).items():
        carriers = _carriers(group, folder)
        settings = _settings(group, folder)
        for target in group:
            editor = None if target.custom else EDITORS.get(target.id)
            if editor is None:
                continue
            seen = _seen(editor.reads, editor.imports, carriers, settings)
            if folder:
                seen = tuple(
                    replace(
                        s,
                        path=f"{folder}/{s.path}",
                        points_to=s.points_to and f"{folder}/{s.points_to}",
                    )
                    for s in seen
                )
            out.append(Reach(editor.id, editor.name, target.path, seen, target.served_by))
        if readers and not folder:
            for reader in READERS.values():
                seen = _seen(reader.reads, False, carriers, settings)
                if seen:
                    out.append(Reach(reader.id, reader.name, "", seen))
    return out


def _file(seen: Seen) -> str:
    text = seen.path
    if seen.points_to:
        text += f" (@{posixpath.basename(seen.points_to)})"
    if seen.surface:
        text += f" ({seen.surface})"
    return text


def explain_line(item: Reach) -> str:
    files = ", ".join(_file(s) for s in item.seen) or "no file airules writes"
    n = item.copies
    line = f"{item.id}: {item.name} reads {files}: the rules {n} time{'s' if n != 1 else ''}"
    if item.served_by is not None:
        line += f" (served by {item.served_by}; {item.path} is not written)"
    return line


def duplicates(
    targets: Sequence[TargetConfig], *, dedupe: bool
) -> list[tuple[TargetConfig, str, bool]]:
    """Every configured editor the rules reach more than once, with a sentence saying why and
    what to do: turn on `dedupe`; or, where no arrangement avoids it, the reason, flagged
    True (unavoidable)."""
    by_path = {t.path: t for t in targets}
    better: dict[str, int] = {}
    if not dedupe:
        better = {r.path: r.copies for r in reach(arrange(targets, True), readers=False)}
    out = []
    reported: set[tuple[object, ...]] = set()
    for item in sorted(reach(targets, readers=False), key=lambda r: r.served_by is not None):
        if item.copies <= 1:
            continue
        # Two targets of one editor (Copilot's two files) read the same: say it once.
        facts = EDITORS[item.id].reads
        if facts in reported:
            continue
        reported.add(facts)
        files = ", ".join(_file(s) for s in item.seen if s.copies)
        message = f"{item.name} reads the rules {item.copies} times ({files})"
        unavoidable = dedupe or better.get(item.path, item.copies) >= item.copies
        if not unavoidable:
            message += "; add `dedupe: true` to the config so airules serves it once"
        else:
            extra = [s for s in item.seen if s.copies and s.surface]
            why = (
                f"{extra[0].surface} also reads {extra[0].path}"
                if extra
                else "it reads each of these files whatever else exists"
            )
            message += f"; no arrangement of these targets avoids it: {why}"
        out.append((by_path[item.path], message, unavoidable))
    return out
