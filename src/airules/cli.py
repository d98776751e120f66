"""`airules-check`'s entry point: a clean run whose inputs have not changed is answered from
the replay cache; anything else goes to `airules.command`.

Only `os`, `sys` and the cache are imported here, and none of these modules imports
`__future__` or `typing`: a replayed run costs little more than the interpreter's own start,
and each module loaded on the way is a measurable part of it.
"""

import os
import sys

from airules import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run `airules-check` on `argv` and return its exit code. Without `argv` this is the
    process itself (the console script, `python -m airules`): a replayed run then ends it at
    once (see _leave)."""
    # Started with stdout or stderr closed (`>&-`): Python gives None; write into nothing.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    try:
        args = list(sys.argv[1:] if argv is None else argv)
        if cache.replay(args):
            if argv is None:
                _leave()
            return 0
        from airules.command import run_command

        return run_command(args)
    except OSError as e:
        # `airules-check | head -1`: the reader left. End quietly, as `cat` does, and keep
        # the interpreter's own last flush from printing a traceback.
        if e.errno not in (32, 9):  # EPIPE, EBADF (errno costs an import)
            raise
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1


def _leave() -> None:
    """End a replayed run's process now, exit status 0.

    The interpreter's own teardown (garbage collection, module cleanup) costs about a sixth of
    what `python -c pass` takes, and a replay leaves it nothing to do: the cache file is
    written, every descriptor closed, and the output is flushed here (a failed flush raises, so
    `main` reports it as it reports any other). Exit hooks do not run either: to profile or
    measure coverage of a whole process, turn the cache off (AIRULES_CACHE=0)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
