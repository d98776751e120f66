#!/bin/sh
# airules pre-commit hook: stops a commit when an editor's rules file (CLAUDE.md,
# .cursor/rules/..., ...) is missing or out of date with ai-rules.md.
# Installed by `airules-check --install-hook`; see "Plain git hook" in airules' README.
# Git runs it from the top of the working tree. It checks the files as they are on disk, so
# stage what you fixed before committing. Skip it once with `git commit --no-verify`.

if command -v airules-check >/dev/null 2>&1; then
    exec airules-check "$@"
fi

# Installed into a Python whose scripts folder is not on PATH (pip install --user, a venv that
# is not activated): the module still runs.
for python in python3 python; do
    if command -v "$python" >/dev/null 2>&1 && "$python" -c 'import airules' >/dev/null 2>&1; then
        exec "$python" -m airules "$@"
    fi
done

{
    echo 'airules: the pre-commit hook needs airules-check, which is not installed here.'
    echo '  Install it:                  pipx install airules   (or: python3 -m pip install airules)'
    echo '  or remove the hook:          rm "$(git rev-parse --git-path hooks)/pre-commit"'
    echo '  or commit without it once:   git commit --no-verify'
} >&2
exit 1
