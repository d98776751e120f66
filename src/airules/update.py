"""`airules-check --update`: move the pins of `include:` to the commits their refs name now,
and write the vendored copies and `.airules.lock`. The only step of airules-check that touches
the network; the editor files are then written from the copies as `--fix` writes them."""

from __future__ import annotations

from collections.abc import Mapping

from airules.config import Config
from airules.errors import FatalError
from airules.includes import LOCK_PATH, IncludeUpdate, plan_update, write_update
from airules.tree import Tree


def update_includes(
    tree: Tree, config: Config | None, environ: Mapping[str, str]
) -> tuple[str, list[str]]:
    """Update the pins; return the report's lines and the paths written."""
    from airules.fetch import resolvers_from_env

    if config is None or config.path is None or not config.includes:
        where = config.path if config is not None and config.path else ".airules.yml"
        raise FatalError(
            f"{where}: has no `include:` list, so --update has nothing to fetch; list the "
            "central rules under `include:` or drop --update"
        )
    update = plan_update(tree, config, resolvers_from_env(environ))
    written = write_update(tree, update)
    return report(update), written


def report(update: IncludeUpdate) -> str:
    lines = []
    by_spec = {p.include: p for p in update.pins}
    for pin in update.added:
        lines.append(f"{pin.vendored}: pinned {pin.include} at {pin.commit[:12]}")
    for moved in update.moved:
        pin = by_spec[moved.include]
        lines.append(
            f"{pin.vendored}: {moved.include} moved from {moved.old[:12]} to {moved.new[:12]}"
        )
    for path in update.restored:
        lines.append(f"{path}: restored to the content its pin records")
    for pin in update.dropped:
        lines.append(f"{pin.vendored}: no longer included, and no longer read; delete it (git rm)")
    if update.lock is not None:
        lines.append(f"{LOCK_PATH}: written ({len(update.pins)} pinned)")
    if not lines:
        lines.append(f"{LOCK_PATH}: every include is at the commit its ref names")
    return "".join(f"{line}\n" for line in lines)
