"""Read `.airules.yml` into a `Config`, with errors that name the file and the line."""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# Defined in the cache module, which the hot path imports without this one.
from airules.cache import CONFIG_NAMES as CONFIG_NAMES
from airules.errors import FatalError
from airules.targets import APPLY_KEYS, EDITORS, Editor

if TYPE_CHECKING:
    import yaml

    from airules.includes import Include

DEFAULT_SOURCE = "ai-rules.md"
# A config is a few lines; anything this large is a mistake (or an attack on the parser).
MAX_CONFIG_BYTES = 256 * 1024

TOP_KEYS = (
    "source",
    "nested",
    "targets",
    "include",
    "rules_dir",
    "rules_in_folders",
    "dedupe",
    "warnings",
)
# The optional folder of scoped and extra rules (`ai-rules/NAME.md`), next to the source.
DEFAULT_RULES_DIR = "ai-rules"
# The tags of plain YAML values (what front matter is), which render the same bytes every run.
_STABLE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
TARGET_KEYS = ("id", "path", "mode", "shared", "front_matter")
# copy: the rules are written into the file; import: the file holds `@<source>` for editors
# that follow imports; symlink: the file is a relative symlink to the source.
MODES = ("copy", "import", "symlink")


@dataclass(frozen=True)
class TargetConfig:
    id: str
    path: str
    shared: bool
    front_matter: str
    # Where the entry stands in the config, for messages; 0 when it came from a flag.
    line: int = 0
    mode: str = "copy"
    # An editor airules does not know: `id` names it only in reports (it defaults to the path).
    custom: bool = False
    # The rules file this target is made from, when it is not the config's `source`
    # (a nested ai-rules.md).
    source: str | None = None
    # Set by the planner under `dedupe: true`: an import-mode target imports this file (the
    # AGENTS.md beside it) instead of the source, and a target served through another file its
    # editor already reads is not written (`served_by` names that file).
    pointer: str | None = None
    served_by: str | None = None


@dataclass(frozen=True)
class Config:
    source: str
    targets: tuple[TargetConfig, ...]
    # The config file relative to the root, or None when the targets came from flags.
    path: str | None = None
    # Give every ai-rules.md below the root its own copies of the directory-level targets.
    nested: bool = False
    # Rules kept elsewhere, rendered before the source's own (includes.py).
    includes: tuple[Include, ...] = ()
    rules_dir: str = DEFAULT_RULES_DIR
    # A scoped rule for plain folders (`packages/api/**`) goes into that folder's own file for
    # one-file editors that read nested files (AGENTS.md, GEMINI.md), not the root one.
    rules_in_folders: bool = False
    # Let the planner arrange the targets so each editor gets the rules once (airules.planner).
    dedupe: bool = False
    # Warning kinds (advice.WARNING_KINDS) the config turned off with `warnings: {kind: false}`.
    warnings_off: tuple[str, ...] = ()


def config_to_data(config: Config) -> tuple[object, ...]:
    """`config` as plain tuples, which `config_from_data` turns back into an equal Config."""
    return dataclasses.astuple(config)


def config_from_data(data: tuple[object, ...]) -> Config:
    source, targets, path, nested, includes, rules_dir, rules_in_folders, dedupe, warnings_off = (
        data
    )
    if includes:
        from airules.includes import Include

        includes = tuple(Include(*i) for i in includes)  # type: ignore[attr-defined]
    return Config(
        source,  # type: ignore[arg-type]
        tuple(TargetConfig(*t) for t in targets),  # type: ignore[attr-defined]
        path,  # type: ignore[arg-type]
        nested,  # type: ignore[arg-type]
        includes,  # type: ignore[arg-type]
        rules_dir,  # type: ignore[arg-type]
        rules_in_folders,  # type: ignore[arg-type]
        dedupe,  # type: ignore[arg-type]
        tuple(warnings_off),  # type: ignore[arg-type]
    )


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest of `choices`, or "" when none is close."""
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_relpath(value: str) -> str:
    """Return `value` as a clean relative POSIX path, or raise ValueError saying why not."""
    if not value or not value.strip():
        raise ValueError("is empty")
    if "\\" in value:
        raise ValueError("uses backslashes; write it with forward slashes")
    if "\0" in value:
        raise ValueError("contains a NUL byte")
    # A newline in a path would split the one-line reports (and forge CI annotations).
    if any(c < " " or c == "\x7f" for c in value):
        raise ValueError("contains a control character such as a newline; rename it")
    if value.startswith("/") or (len(value) > 1 and value[1] == ":"):
        raise ValueError("is absolute; write it relative to the repository root")
    parts = value.split("/")
    if ".." in parts:
        raise ValueError("contains '..'; it must stay inside the repository")
    norm = posixpath.normpath(value)
    # Any .git folder, a nested repository's too, in any case for case-insensitive disks.
    if norm in (".", "") or ".git" in norm.lower().split("/"):
        raise ValueError("does not name a file in the working tree")
    return norm


def from_editor_ids(ids: Iterable[str], source: str = DEFAULT_SOURCE) -> Config:
    targets = []
    for editor_id in dict.fromkeys(ids):
        editor = EDITORS[editor_id]
        targets.append(
            TargetConfig(
                id=editor.id,
                path=editor.path,
                shared=editor.shared,
                front_matter=editor.front_matter,
            )
        )
    return Config(source=source, targets=tuple(targets), path=None)


def parse_config(text: str, filename: str) -> Config:
    import yaml

    # libyaml's loader when PyYAML was built with it: same result, a fraction of the time.
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark is not None else filename
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise FatalError(f"{where}: not valid YAML ({problem}); fix the syntax") from None
    return _Reader(filename).config(root)


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.seen: set[int] = set()

    def fail(self, node: yaml.Node | None, message: str) -> FatalError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return FatalError(f"{self.filename}{line}: {message}")

    def visit(self, node: yaml.Node) -> None:
        # An alias makes the same node appear twice; refusing them keeps a crafted file
        # from expanding into gigabytes (the "billion laughs" attack).
        if id(node) in self.seen:
            raise self.fail(node, "YAML anchors and aliases are not supported; write values out")
        self.seen.add(id(node))

    def mapping(
        self, node: yaml.Node, what: str, allowed: Sequence[str]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        import yaml

        self.visit(node)
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            self.visit(key)
            if not isinstance(key, yaml.ScalarNode) or key.value not in allowed:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                raise self.fail(
                    key,
                    f"unknown key {name!r} in {what}; valid keys: {', '.join(allowed)}"
                    f"{did_you_mean(str(name), allowed)}",
                )
            if key.value in out:
                raise self.fail(key, f"key {key.value!r} appears twice in {what}")
            out[key.value] = (key, value)
        return out

    def string(self, node: yaml.Node, what: str) -> str:
        import yaml

        self.visit(node)
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, f"{what} must be a string")
        return str(node.value)

    def path(self, node: yaml.Node, what: str) -> str:
        value = self.string(node, what)
        try:
            return check_relpath(value)
        except ValueError as e:
            raise self.fail(node, f"{what} {value!r} {e}") from None

    def boolean(self, node: yaml.Node, what: str) -> bool:
        import yaml

        self.visit(node)
        if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:bool":
            raise self.fail(node, f"{what} must be true or false")
        return str(node.value).lower() in ("true", "yes", "on", "y")

    def front_matter(self, node: yaml.Node) -> str:
        import yaml

        def walk(item: yaml.Node) -> None:
            self.visit(item)
            # A !!set comes back as a Python set, which YAML's dumper writes in hash order:
            # a different file on every run. Only plain values render the same bytes each time.
            if item.tag not in _STABLE_TAGS:
                tag = item.tag.replace("tag:yaml.org,2002:", "!!")
                raise self.fail(
                    item,
                    f"`front_matter` values tagged {tag} have no stable order or form; write "
                    "a plain list, mapping or value",
                )
            if isinstance(item, yaml.MappingNode):
                for key, value in item.value:
                    walk(key)
                    walk(value)
            elif isinstance(item, yaml.SequenceNode):
                for value in item.value:
                    walk(value)

        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, "`front_matter` must be a mapping, e.g. front_matter: {x: 1}")
        walk(node)
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
                raise self.fail(key, "`front_matter` keys must be strings")
        data = yaml.SafeLoader("").construct_document(node)
        if not data:
            return ""
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)

    def editor_front_matter(self, editor: Editor, key: yaml.Node, node: yaml.Node) -> str:
        """The registry's front matter with the config's keys over it; the keys that make the
        editor apply the file keep their value."""
        import yaml

        if editor.shared:
            raise self.fail(
                key,
                f"`front_matter`: {editor.id}'s file is shared (people write in it too), so "
                "airules adds a block at its end and never a beginning; remove `front_matter`",
            )
        extra = self.front_matter(node)
        base = yaml.safe_load(editor.front_matter) or {}
        merged = dict(base)
        for name, value in (yaml.safe_load(extra) or {}).items():
            if name in APPLY_KEYS and name in base and value != base[name]:
                raise self.fail(
                    node,
                    f"`front_matter: {name}` must stay {base[name]!r} for {editor.id}: it is what "
                    f"makes {editor.name} apply the file ({editor.docs}); remove that key",
                )
            merged[name] = value
        return yaml.safe_dump(merged, sort_keys=False, allow_unicode=True, width=1000)

    def config(self, root: yaml.Node | None) -> Config:
        import yaml

        if root is None:
            raise self.fail(
                None, "is empty; list the editors under `targets:`, e.g. targets: [claude]"
            )
        top = self.mapping(root, "the configuration", TOP_KEYS)
        source = DEFAULT_SOURCE
        if "source" in top:
            source = self.path(top["source"][1], "source")
        nested = self.boolean(top["nested"][1], "`nested`") if "nested" in top else False
        dedupe = self.boolean(top["dedupe"][1], "`dedupe`") if "dedupe" in top else False
        rules_dir = DEFAULT_RULES_DIR
        if "rules_dir" in top:
            rules_dir = self.path(top["rules_dir"][1], "rules_dir")
            if rules_dir == source:
                raise self.fail(top["rules_dir"][1], "`rules_dir` is the source file itself")
        in_folders = False
        if "rules_in_folders" in top:
            in_folders = self.boolean(top["rules_in_folders"][1], "`rules_in_folders`")
        if "targets" not in top:
            raise self.fail(root, "has no `targets:`; list the editors, e.g. targets: [claude]")
        items = top["targets"][1]
        self.visit(items)
        if not isinstance(items, yaml.SequenceNode) or not items.value:
            raise self.fail(items, "`targets` must be a non-empty list of editor ids or mappings")
        targets: list[TargetConfig] = []
        by_path: dict[str, TargetConfig] = {}
        for item in items.value:
            target = self.target(item)
            if target.path == source:
                raise self.fail(item, f"target path {target.path!r} is the source file itself")
            if target.path == self.filename or target.path in CONFIG_NAMES:
                raise self.fail(
                    item, f"target path {target.path!r} is a config file; choose another `path:`"
                )
            if target.path in by_path:
                first = by_path[target.path]
                raise self.fail(
                    item,
                    f"target path {target.path!r} is already used by the entry on line "
                    f"{first.line}; give one of them another `path:`",
                )
            by_path[target.path] = target
            targets.append(target)
        includes = self.includes(top["include"][1], source, by_path) if "include" in top else ()
        off = self.warnings(top["warnings"][1]) if "warnings" in top else ()
        return Config(
            source=source,
            targets=tuple(targets),
            path=self.filename,
            nested=nested,
            includes=includes,
            rules_dir=rules_dir,
            rules_in_folders=in_folders,
            dedupe=dedupe,
            warnings_off=off,
        )

    def warnings(self, node: yaml.Node) -> tuple[str, ...]:
        # advice.py imports this module; the names are only needed here, at parse time.
        from airules.advice import WARNING_KINDS

        fields = self.mapping(node, "`warnings`", WARNING_KINDS)
        return tuple(
            kind
            for kind, (_, value) in fields.items()
            if not self.boolean(value, f"`warnings: {kind}`")
        )

    def includes(
        self, node: yaml.Node, source: str, targets: dict[str, TargetConfig]
    ) -> tuple[Include, ...]:
        import yaml

        from airules.includes import INCLUDE_DIR, LOCK_PATH, parse_include

        self.visit(node)
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, "`include` must be a list, e.g. include: [acme/rules/all.md@v1]")
        found: dict[str, Include] = {}
        for item in node.value:
            text = self.string(item, "an include")
            try:
                include = parse_include(text, item.start_mark.line + 1)
                check_relpath(include.path)
                check_relpath(include.vendored)
            except ValueError as e:
                raise self.fail(item, f"include {text!r} {e}") from None
            if include.kind == "local" and (
                include.path in (source, self.filename, LOCK_PATH, *CONFIG_NAMES)
                or include.path in targets
                or include.path.startswith(f"{INCLUDE_DIR}/")
            ):
                raise self.fail(
                    item,
                    f"include {text!r} is the source, the config, the lock or a file airules "
                    "writes; include a rules file of its own",
                )
            first = found.get(include.vendored)
            if first is not None:
                raise self.fail(
                    item,
                    f"include {text!r} names the same file as the entry on line {first.line}; "
                    "keep one of them",
                )
            found[include.vendored] = include
        for target in targets.values():
            if found and target.mode != "copy":
                # The editor would read only the source, through the import or the link.
                raise FatalError(
                    f"{self.filename}:{target.line}: mode {target.mode}: {target.path} would "
                    "give the editor the source without the `include:` rules; use mode: copy"
                )
            if target.path == LOCK_PATH or target.path.startswith(f"{INCLUDE_DIR}/"):
                raise FatalError(
                    f"{self.filename}:{target.line}: target path {target.path!r} is where "
                    "airules keeps included rules; choose another `path:`"
                )
        return tuple(found.values())

    def editor(self, node: yaml.Node, custom_hint: bool = False) -> str:
        editor_id = self.string(node, "an editor id")
        if editor_id not in EDITORS:
            hint = (
                "; to add an editor airules does not know, give the entry a `path:`"
                if custom_hint
                else ""
            )
            raise self.fail(
                node,
                f"unknown editor {editor_id!r}; valid editors: {', '.join(sorted(EDITORS))}"
                f"{did_you_mean(editor_id, EDITORS)}{hint}",
            )
        return editor_id

    def mode(self, node: yaml.Node, name: str, imports: bool, front_matter: str) -> str:
        mode = self.string(node, "`mode`")
        if mode not in MODES:
            raise self.fail(
                node,
                f"unknown mode {mode!r}; valid modes: {', '.join(MODES)}"
                f"{did_you_mean(mode, MODES)}",
            )
        if mode == "import" and not imports:
            readers = ", ".join(e.id for e in EDITORS.values() if e.imports)
            raise self.fail(
                node,
                f"mode import: {name} does not follow @path imports, so it would read only the "
                f"reference; use mode: copy (editors that follow imports: {readers})",
            )
        if mode == "symlink" and front_matter:
            first = front_matter.splitlines()[0]
            raise self.fail(
                node,
                f"mode symlink: {name} needs front matter ({first}, ...) to apply the rules, "
                "and a symlink to the source cannot carry it; use mode: copy",
            )
        return mode

    def target(self, node: yaml.Node) -> TargetConfig:
        import yaml

        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            editor = EDITORS[self.editor(node)]
            return TargetConfig(editor.id, editor.path, editor.shared, editor.front_matter, line)
        fields = self.mapping(node, "a target", TARGET_KEYS)
        if "id" not in fields and "path" not in fields:
            raise self.fail(
                node,
                "a target mapping needs an `id:` naming the editor, or a `path:` for an editor "
                "airules does not know",
            )
        path = self.path(fields["path"][1], "path") if "path" in fields else None
        editor_id = None
        if "id" in fields:
            id_node = fields["id"][1]
            if path is None:
                editor_id = self.editor(id_node, custom_hint=True)
            else:
                editor_id = self.string(id_node, "`id`")
        if editor_id is not None and editor_id in EDITORS:
            editor = EDITORS[editor_id]
            if "shared" in fields:
                raise self.fail(
                    fields["shared"][0],
                    f"`shared` is fixed by the editor for `{editor.id}`; only a custom target "
                    "(a `path:` with an id airules does not know, or none) takes it",
                )
            front_matter = editor.front_matter
            if "front_matter" in fields:
                front_matter = self.editor_front_matter(editor, *fields["front_matter"])
            mode = "copy"
            if "mode" in fields:
                mode = self.mode(fields["mode"][1], editor.name, editor.imports, front_matter)
            return TargetConfig(
                editor.id, path or editor.path, editor.shared, front_matter, line, mode
            )
        assert path is not None
        shared = self.boolean(fields["shared"][1], "`shared`") if "shared" in fields else False
        front_matter = (
            self.front_matter(fields["front_matter"][1]) if "front_matter" in fields else ""
        )
        if shared and front_matter:
            raise self.fail(
                fields["front_matter"][0],
                "`front_matter` needs `shared: false`: a shared file keeps its own beginning, so "
                "airules can only add a block at its end",
            )
        mode = "copy"
        if "mode" in fields:
            # The team declared this editor, so trust it to follow imports when they say so.
            mode = self.mode(fields["mode"][1], f"the target {path}", True, front_matter)
        return TargetConfig(editor_id or path, path, shared, front_matter, line, mode, custom=True)
