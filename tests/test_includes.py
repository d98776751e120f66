"""Included rules: pinned with `airules-check --update` from GitHub's API (a fake on 127.0.0.1)
or a git repository (a local bare one, by file:// URL), vendored into the repository, and
checked offline against `.airules.lock`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MemoryTree, git
from fake_contents import FakeContents

from airules.cli import main
from airules.config import parse_config
from airules.engine import State, apply, plan
from airules.errors import FatalError
from airules.fetch import GitHubResolver, Resolvers, resolvers_from_env
from airules.includes import (
    LOCK_PATH,
    Include,
    parse_include,
    plan_update,
    update_body,
    update_summary,
    write_update,
)

SECURITY = "# Security\n\n- Never log secrets.\n"
SECURITY_V2 = "# Security\n\n- Never log secrets.\n- Pin actions by commit SHA.\n"
STYLE = "# Commits\n\n- Write commit messages in the imperative.\n"
VENDORED = ".airules/include/github/acme/rules/org/security.md"


@pytest.fixture
def github(monkeypatch):
    fake = FakeContents(token="s3cr3t-token")
    fake.start()
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example.com")
    monkeypatch.setenv("GITHUB_TOKEN", "s3cr3t-token")
    monkeypatch.delenv("GH_TOKEN", raising=False)
    yield fake
    fake.stop()


def write_config(root: Path, *includes: str, targets: str = "[claude, cursor]") -> None:
    lines = "".join(f"  - {i}\n" for i in includes)
    (root / ".airules.yml").write_text(f"targets: {targets}\ninclude:\n{lines}")


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- the config ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "repo", "path", "ref", "vendored"),
    [
        pytest.param(
            "acme/rules/org/security.md@v1",
            "github",
            "acme/rules",
            "org/security.md",
            "v1",
            ".airules/include/github/acme/rules/org/security.md",
            id="github",
        ),
        pytest.param(
            "https://git.example.com/team/rules.git//security.md@release/2",
            "git",
            "https://git.example.com/team/rules.git",
            "security.md",
            "release/2",
            ".airules/include/git/git.example.com/team/rules/security.md",
            id="git-https",
        ),
        pytest.param(
            "file:///srv/git/central.git//docs/style.md@main",
            "git",
            "file:///srv/git/central.git",
            "docs/style.md",
            "main",
            ".airules/include/git/file/central/docs/style.md",
            id="git-file",
        ),
        pytest.param(
            "shared/rules.md", "local", "", "shared/rules.md", "", "shared/rules.md", id="local"
        ),
    ],
)
def test_parse_include(text, kind, repo, path, ref, vendored):
    include = parse_include(text, 3)
    assert (include.kind, include.repo, include.path, include.ref) == (kind, repo, path, ref)
    assert include.vendored == vendored and include.line == 3


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        pytest.param("acme/security.md@v1", "is not OWNER/REPO/PATH@REF", id="no-path"),
        pytest.param("acme/rules/x.md@", "not a branch, tag or commit", id="empty-ref"),
        pytest.param("acme/rules/x.md@-u", "not a branch, tag or commit", id="option-ref"),
        pytest.param("acme/rules/x.md@a..b", "not a branch, tag or commit", id="dots-ref"),
        pytest.param("-x/rules/x.md@v1", "not a GitHub owner", id="bad-owner"),
        pytest.param("acme/rules/../x.md@v1", "contains '..'", id="escaping-path"),
        pytest.param("acme/rules//etc/passwd@v1", "is absolute", id="absolute-path"),
        pytest.param("http://git.example.com/r.git//x.md@v1", "https:// only", id="http"),
        pytest.param("ssh://git.example.com/r.git//x.md@v1", "https:// only", id="ssh"),
        pytest.param(
            "https://me:pw@git.example.com/r.git//x.md@v1", "credentials", id="credentials"
        ),
        pytest.param("https://git.example.com/r.git@v1", "is not URL//PATH@REF", id="no-path-sep"),
        pytest.param("https://git.example.com/r.git//x.md", "has no @REF", id="git-no-ref"),
        pytest.param("https://git.example.com/a/../..//x.md@v1", "contains '..'", id="url-dots"),
        pytest.param("ai-rules.md", "is the source", id="local-source"),
        pytest.param("CLAUDE.md", "a file airules writes", id="local-target"),
        pytest.param(".airules.lock", "the lock", id="local-lock"),
    ],
)
def test_bad_include_names_the_file_and_line(entry, fragment):
    text = f'targets: [claude]\ninclude:\n  - "{entry}"\n'
    with pytest.raises(FatalError) as e:
        parse_config(text, ".airules.yml")
    assert str(e.value).startswith(".airules.yml:3: include ")
    assert fragment in str(e.value)


def test_the_same_file_included_twice_is_an_error():
    text = "targets: [claude]\ninclude:\n  - acme/rules/a.md@v1\n  - acme/rules/a.md@v2\n"
    with pytest.raises(FatalError, match=r"^\.airules\.yml:4: .*same file as the entry on line 3"):
        parse_config(text, ".airules.yml")


@pytest.mark.parametrize("mode", ["import", "symlink"])
def test_import_and_symlink_modes_would_drop_the_includes(mode):
    text = f"targets:\n  - {{id: claude, mode: {mode}}}\ninclude: [acme/rules/a.md@v1]\n"
    with pytest.raises(FatalError, match=rf"^\.airules\.yml:2: mode {mode}: .*use mode: copy"):
        parse_config(text, ".airules.yml")


def test_include_must_be_a_list():
    with pytest.raises(FatalError, match=r"^\.airules\.yml:2: `include` must be a list"):
        parse_config("targets: [claude]\ninclude: acme/rules/a.md@v1\n", ".airules.yml")


def test_parsed_config_round_trips_through_the_memo():
    from airules.config import config_from_data, config_to_data

    config = parse_config(
        "targets: [claude]\ninclude: [acme/rules/a.md@v1, docs/b.md]\n", ".airules.yml"
    )
    assert config_from_data(config_to_data(config)) == config
    assert all(isinstance(i, Include) for i in config.includes)


# -- GitHub: --update, then the check offline ------------------------------------------------


def test_update_from_github_vendors_pins_and_renders_includes_first(github, repo, capsys):
    sha = github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")

    code, out, err = check(capsys, "--update")

    assert code == 1, err
    assert f"{VENDORED}: pinned acme/rules/org/security.md@v1 at {sha[:12]}" in out
    assert ".airules.lock: written (1 pinned)" in out
    vendored = (repo / VENDORED).read_text()
    assert vendored.startswith(
        f"<!-- airules include acme/rules/org/security.md@v1: org/security.md at commit {sha} "
        "of https://github.example.com/acme/rules."
    )
    assert vendored.endswith("\n\n" + SECURITY)
    lock = json.loads((repo / LOCK_PATH).read_text())
    (entry,) = lock["includes"]
    assert entry == {
        "include": "acme/rules/org/security.md@v1",
        "url": "https://github.example.com/acme/rules",
        "ref": "v1",
        "commit": sha,
        "files": [
            {
                "path": "org/security.md",
                "vendored": VENDORED,
                "sha256": __import__("hashlib").sha256(SECURITY.encode()).hexdigest(),
            }
        ],
    }
    claude = (repo / "CLAUDE.md").read_text()
    # The includes first, in order, then the repository's own rules.
    assert claude.index("Never log secrets") < claude.index("Write tests first")
    assert (repo / ".cursor/rules/ai-rules.mdc").read_text().count("Never log secrets") == 1
    # The token went to the API as a bearer token, and nowhere else.
    assert all(r[2].get("Authorization") == "Bearer s3cr3t-token" for r in github.requests)
    assert "s3cr3t-token" not in out + err + claude + vendored
    assert check(capsys)[0] == 0
    # Nothing moved: a second update fetches only the ref, and writes nothing.
    before = len(github.requests)
    code, out, _ = check(capsys, "--update")
    assert code == 0
    assert "every include is at the commit its ref names" in out
    assert [r[1].split("/")[4] for r in github.requests[before:]] == ["commits"]
    # A clean --update is never replayed from the cache: the next one asks again.
    new = github.commit("acme/rules", {"org/security.md": SECURITY_V2}, "v1")
    code, out, _ = check(capsys, "--update")
    assert code == 1 and f"moved from {sha[:12]} to {new[:12]}" in out


def test_update_with_json_output_keeps_stdout_json(github, repo, capsys):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    code, out, err = check(capsys, "--update", "--format", "json")
    assert code == 1
    assert json.loads(out)["mode"] == "fix"
    assert f"{VENDORED}: pinned" in err


def test_update_moves_a_pin_when_the_ref_moves(github, repo, capsys):
    old = github.commit("acme/rules", {"org/security.md": SECURITY}, "main")
    write_config(repo, "acme/rules/org/security.md@main")
    assert check(capsys, "--update")[0] == 1
    new = github.commit("acme/rules", {"org/security.md": SECURITY_V2}, "main")

    code, out, _ = check(capsys, "--update")

    assert code == 1
    assert f"moved from {old[:12]} to {new[:12]}" in out
    assert "Pin actions by commit SHA" in (repo / "CLAUDE.md").read_text()
    assert json.loads((repo / LOCK_PATH).read_text())["includes"][0]["commit"] == new
    assert check(capsys)[0] == 0


def test_check_runs_with_the_network_unreachable_and_never_loads_the_fetchers(
    github, repo, capsys, monkeypatch
):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    git(repo, "add", "-A")
    assert check(capsys, "--update")[0] == 1
    github.stop()
    env = dict(
        os.environ,
        AIRULES_CACHE="0",
        GITHUB_API_URL="https://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        https_proxy="http://127.0.0.1:9",
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "airules"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "CLAUDE.md: ok" in result.stdout
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "airules.includes" in imported
    for module in ("airules.fetch", "urllib.request", "http.client", "socket", "subprocess"):
        assert module not in imported


def test_unknown_repository_and_private_repository_without_token(github, repo, capsys, monkeypatch):
    github.repos.setdefault("acme/private", __import__("fake_contents").Repo(private=True))
    github.commit("acme/private", {"a.md": "- private\n"}, "v1")
    write_config(repo, "acme/private/a.md@v1")
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = check(capsys, "--update")
    assert code == 2
    assert err.startswith("airules: acme/private/a.md@v1: not found on GitHub")
    assert "set $GITHUB_TOKEN or $GH_TOKEN" in err
    assert not (repo / LOCK_PATH).exists()
    monkeypatch.setenv("GH_TOKEN", "s3cr3t-token")
    assert check(capsys, "--update")[0] == 1


def test_a_bad_token_is_never_printed(github, repo, capsys, monkeypatch):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    monkeypatch.setenv("GITHUB_TOKEN", "wrong-token-123")
    code, out, err = check(capsys, "--update")
    assert code == 2
    assert "GitHub refused the token" in err
    assert "wrong-token-123" not in out + err
    assert "Bearer ***" in err  # the fake echoed it; airules hid it


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        pytest.param({"org/security.md": b"x" * (1024 * 1024 + 1)}, "over the", id="huge"),
        pytest.param({"org/security.md/a.md": "- a\n"}, "is a folder", id="folder"),
        pytest.param({"org/security.md": b"\xff\xfe rules"}, "is not UTF-8", id="not-utf8"),
        pytest.param({"org/security.md": b"a\0b"}, "NUL bytes", id="binary"),
    ],
)
def test_unusable_remote_files_are_refused_and_nothing_is_written(
    github, repo, capsys, files, fragment
):
    github.commit("acme/rules", files, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    code, _, err = check(capsys, "--update")
    assert code == 2
    assert fragment in err and err.count("\n") == 1
    assert not (repo / LOCK_PATH).exists() and not (repo / ".airules").exists()


def test_api_url_must_be_https_and_redirects_may_not_leave_https(github, repo, capsys, monkeypatch):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    monkeypatch.setenv("GITHUB_API_URL", "http://api.example.com")
    code, _, err = check(capsys, "--update")
    assert code == 2 and "https:// only" in err
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    github.redirects["/repos/acme/rules/commits/v1"] = "http://example.com/steal"
    code, _, err = check(capsys, "--update")
    assert code == 2 and "a redirect to 'http://example.com/steal'" in err


def test_a_same_host_redirect_keeps_the_token(github, monkeypatch):
    # GitHub answers a renamed repository with a redirect on the API's own host.
    sha = github.commit("acme/rules", {"a.md": "- a\n"}, "v1")
    github.redirects["/repos/acme/old-name/commits/v1"] = (
        f"{github.url}/repos/acme/rules/commits/v1"
    )
    resolver = GitHubResolver(api_url=github.url, token="s3cr3t-token")
    assert resolver.resolve(parse_include("acme/old-name/a.md@v1")) == sha
    assert github.requests[-1][2].get("Authorization") == "Bearer s3cr3t-token"


# -- the check against the lock --------------------------------------------------------------


@pytest.fixture
def pinned(github, repo, capsys):
    """A repository with one GitHub include pinned and vendored, committed, checked clean."""
    github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    assert check(capsys, "--update")[0] == 1
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pin")
    # A clean check, so the next one would be replayed if its inputs were not watched.
    assert check(capsys)[0] == 0
    return repo


def test_a_tampered_vendored_copy_is_an_error_and_update_restores_it(pinned, capsys):
    path = pinned / VENDORED
    path.write_text(path.read_text() + "- Secrets may be logged in debug builds.\n")

    code, out, err = check(capsys)

    assert code == 2
    assert err == (
        f"airules: {VENDORED}: differs from what .airules.lock pins for "
        "acme/rules/org/security.md@v1 (commit "
        f"{json.loads((pinned / LOCK_PATH).read_text())['includes'][0]['commit'][:12]}); edit "
        "the rules at their origin, then run `airules-check --update`\n"
    )
    assert check(capsys, "--fix")[0] == 2  # --fix does not take the edit for the truth
    code, out, _ = check(capsys, "--update")
    assert f"{VENDORED}: restored to the content its pin records" in out
    assert git(pinned, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        pytest.param(
            lambda root: write_config(root, "acme/rules/org/security.md@v2"),
            ".airules.yml:3: include acme/rules/org/security.md@v2 is not in .airules.lock; "
            "run `airules-check --update`",
            id="ref-changed-in-config",
        ),
        pytest.param(
            lambda root: (root / LOCK_PATH).unlink(),
            ".airules.lock: not found, but .airules.yml includes acme/rules/org/security.md@v1",
            id="lock-deleted",
        ),
        pytest.param(
            lambda root: (root / VENDORED).unlink(),
            f"{VENDORED}: missing (the copy of acme/rules/org/security.md@v1)",
            id="copy-deleted",
        ),
        pytest.param(
            lambda root: (root / LOCK_PATH).write_text(
                (root / LOCK_PATH).read_text().replace('"sha256": "', '"sha256": "0', 1)[:-1]
            ),
            ".airules.lock: has an entry airules did not write",
            id="lock-digest-edited",
        ),
        pytest.param(
            lambda root: (root / LOCK_PATH).write_text("{not json"),
            ".airules.lock:1: is not valid JSON",
            id="lock-broken",
        ),
        pytest.param(
            lambda root: (
                write_config(root, "docs/more.md")
                or (root / "docs").mkdir()
                or (root / "docs/more.md").write_text("- more\n")
            ),
            ".airules.lock: pins acme/rules/org/security.md@v1, which .airules.yml no longer "
            "includes",
            id="stale-pin",
        ),
    ],
)
def test_a_stale_or_broken_lock_is_an_error_that_says_to_update(pinned, capsys, change, fragment):
    change(pinned)
    code, out, err = check(capsys)
    assert code == 2, out
    assert err.startswith(f"airules: {fragment}")
    assert "--update" in err and err.count("\n") == 1


def test_a_lock_entry_changes_only_with_update(pinned, capsys):
    lock = (pinned / LOCK_PATH).read_bytes()
    (pinned / "ai-rules.md").write_text("# Rules\n\n- Something new.\n")
    assert check(capsys, "--fix")[0] == 1
    assert check(capsys)[0] == 0
    assert (pinned / LOCK_PATH).read_bytes() == lock


def test_a_local_include_is_read_in_place_without_a_lock(repo, capsys):
    (repo / "shared").mkdir()
    (repo / "shared/house.md").write_text("- Run `make test` before pushing.\n")
    write_config(repo, "shared/house.md")
    assert check(capsys, "--fix")[0] == 1
    assert "make test" in (repo / "CLAUDE.md").read_text()
    assert not (repo / LOCK_PATH).exists()
    (repo / "shared/house.md").unlink()
    code, _, err = check(capsys)
    assert code == 2
    assert err.startswith("airules: .airules.yml:3: include 'shared/house.md' is not a file")


def test_a_vendored_ai_rules_md_is_not_a_nested_source(github, repo, capsys):
    github.commit("acme/rules", {"ai-rules.md": SECURITY}, "v1")
    (repo / ".airules.yml").write_text(
        "nested: true\ntargets: [claude, agents]\ninclude: [acme/rules/ai-rules.md@v1]\n"
    )
    git(repo, "add", "-A")
    assert check(capsys, "--update")[0] == 1
    assert not (repo / ".airules/include/github/acme/rules/CLAUDE.md").exists()
    assert check(capsys)[0] == 0


def test_update_without_includes_is_a_usage_error(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    code, _, err = check(capsys, "--update")
    assert code == 2 and "has no `include:` list" in err


# -- a git repository by file:// URL ---------------------------------------------------------


@pytest.fixture
def central(tmp_path):
    """The platform team's rules repository, and a bare clone of it to include from."""
    work = tmp_path / "central-work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / "rules").mkdir()
    (work / "rules/security.md").write_text(SECURITY)
    (work / "rules/commits.md").write_text(STYLE)
    git(work, "add", "-A")
    git(work, "commit", "-qm", "rules")
    git(work, "tag", "-a", "v1", "-m", "v1")
    bare = tmp_path / "central.git"
    git(tmp_path, "clone", "-q", "--bare", str(work), str(bare))
    return work, bare


def test_update_from_a_bare_git_repository_by_file_url(central, repo, capsys):
    work, bare = central
    url = bare.as_uri()
    tag_commit = git(work, "rev-parse", "v1^{commit}").strip()
    write_config(repo, f"{url}//rules/security.md@v1", f"{url}//rules/commits.md@main")

    code, out, err = check(capsys, "--update")

    assert code == 1, err
    vendored = ".airules/include/git/file/central/rules/security.md"
    # The tag's commit, not the annotated tag object.
    assert f"{vendored}: pinned {url}//rules/security.md@v1 at {tag_commit[:12]}" in out
    claude = (repo / "CLAUDE.md").read_text()
    assert claude.index("Never log secrets") < claude.index("imperative") < claude.index("tests")
    lock = json.loads((repo / LOCK_PATH).read_text())
    assert [e["commit"] for e in lock["includes"]] == [tag_commit, tag_commit]
    assert str(bare) not in (repo / vendored).read_text().split("\n")[-2]  # only the header
    assert check(capsys)[0] == 0

    # The branch moves on; the tag does not.
    (work / "rules/commits.md").write_text(STYLE + "- Reference the issue.\n")
    git(work, "commit", "-qam", "more")
    git(work, "push", "-q", str(bare), "main")
    new = git(work, "rev-parse", "HEAD").strip()
    code, out, _ = check(capsys, "--update")
    assert code == 1
    assert f"commits.md@main moved from {tag_commit[:12]} to {new[:12]}" in out
    assert "security.md@v1 moved" not in out
    assert "Reference the issue" in (repo / "CLAUDE.md").read_text()


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        pytest.param("rules/security.md@nope", "has no branch or tag 'nope'", id="no-ref"),
        pytest.param("rules/missing.md@v1", "no such file", id="no-file"),
        pytest.param("rules@v1", "is a folder", id="folder"),
    ],
)
def test_git_include_errors(central, repo, capsys, spec, fragment):
    _, bare = central
    write_config(repo, f"{bare.as_uri()}//{spec}")
    code, _, err = check(capsys, "--update")
    assert code == 2
    assert fragment in err and err.count("\n") == 1
    assert not (repo / LOCK_PATH).exists()


# -- the pull-request side: plan_update over any tree -----------------------------------------

CONFIG = "targets: [claude, agents]\ninclude:\n  - acme/rules/org/security.md@main\n"


def pr_tree(github) -> tuple[MemoryTree, object]:
    """A repository's branch after a first update, as airules-pr would read it."""
    tree = MemoryTree({".airules.yml": CONFIG, "ai-rules.md": "- Our own rule.\n"})
    config = parse_config(CONFIG, ".airules.yml")
    write_update(tree, plan_update(tree, config, resolvers_from_env(os.environ)))
    apply(tree, plan(tree, config))
    return tree, config


def test_plan_update_bumps_a_pin_with_the_files_lock_and_body_for_one_pull_request(github):
    old = github.commit("acme/rules", {"org/security.md": SECURITY}, "main")
    tree, config = pr_tree(github)
    new = github.commit("acme/rules", {"org/security.md": SECURITY_V2}, "main")

    update = plan_update(tree, config, resolvers_from_env(os.environ))

    assert update.changed
    assert [(m.include, m.old, m.new) for m in update.moved] == [
        ("acme/rules/org/security.md@main", old, new)
    ]
    compare = f"https://github.example.com/acme/rules/compare/{old}...{new}"
    assert update.moved[0].compare_url == compare
    assert set(update.files) == {VENDORED}
    assert update.lock is not None and new in update.lock.decode()
    assert update_summary(update) == f"acme/rules/org/security.md@main: {old[:12]} -> {new[:12]}\n"
    body = update_body(update)
    # `@` is followed by a word joiner, as everywhere in a body: no one gets mentioned.
    assert f"| `acme/rules/org/security.md@\u2060main` | `{old[:12]}` | `{new[:12]}` | " in body
    assert f"[compare]({compare})" in body
    # The new copies and lock, then the editor files made from them: one tree, one commit.
    write_update(tree, update)
    statuses = plan(tree, config)
    assert {s.path for s in statuses if s.state is State.DRIFTED} == {"CLAUDE.md", "AGENTS.md"}
    apply(tree, statuses)
    assert b"Pin actions by commit SHA" in tree.files["AGENTS.md"]
    assert all(s.state is State.OK for s in plan(tree, config))


def test_plan_update_does_nothing_when_no_pin_moved(github):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "main")
    tree, config = pr_tree(github)
    before = dict(tree.files)
    requests = len(github.requests)

    update = plan_update(tree, config, resolvers_from_env(os.environ))

    assert not update.changed and update.moved == () and update.files == {}
    assert update.lock is None and update_body(update) == ""
    assert write_update(tree, update) == [] and tree.files == before
    # Only the ref was resolved; nothing was downloaded.
    assert [r[1].split("/")[4] for r in github.requests[requests:]] == ["commits"]


def test_one_resolver_asks_once_per_ref_across_a_fleet(github):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "main")
    resolver = resolvers_from_env(os.environ)
    assert isinstance(resolver, Resolvers)
    config = parse_config(CONFIG, ".airules.yml")
    trees = [MemoryTree({".airules.yml": CONFIG, "ai-rules.md": f"- {n}\n"}) for n in range(5)]
    for tree in trees:
        write_update(tree, plan_update(tree, config, resolver))
    assert len(github.requests) == 2  # one ref, one file, for five repositories
    assert len({t.files[LOCK_PATH] for t in trees}) == 1


# -- the README's platform-team section ------------------------------------------------------


def readme_section() -> str:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Organisation rules", 1)[1].split("\n## ", 1)[0]


def test_readme_config_example_is_valid():
    example = readme_section().split("```yaml\n", 1)[1].split("```", 1)[0]
    config = parse_config(example, ".airules.yml")
    assert [i.kind for i in config.includes] == ["github", "github", "git", "local"]


def test_readme_workflows_are_valid_yaml_with_actions_pinned_by_commit():
    import re

    import yaml

    blocks = [b.split("```", 1)[0] for b in readme_section().split("```yaml\n")[2:]]
    assert len(blocks) == 2
    for block in blocks:
        workflow = yaml.safe_load(block)
        # YAML 1.1 reads the key `on` as True.
        assert workflow[True] and workflow["jobs"] and "permissions" in workflow
        for job in workflow["jobs"].values():
            if "uses" in job:
                # The reusable fleet workflow, named by airules' release.
                fleet = r"OWNER/airules/\.github/workflows/fleet\.yml@v[\d.]+"
                assert re.fullmatch(fleet, job["uses"]), job
            for step in job.get("steps", []):
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step
                # Nothing from a workflow expression inside a script (template injection).
                assert "${{" not in step.get("run", "")


def test_readme_workflows_pass_zizmor(tmp_path):
    import re
    import shutil

    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    if zizmor is None:
        pytest.skip("zizmor is not installed")
    folder = tmp_path / ".github/workflows"
    folder.mkdir(parents=True)
    for n, block in enumerate(readme_section().split("```yaml\n")[2:]):
        # airules' release stands in as a commit: it has one once tagged.
        block = re.sub(r"(OWNER/airules[\w./-]*)@v[\d.]+", r"\1@" + "0" * 40, block)
        (folder / f"w{n}.yml").write_text(block.split("```", 1)[0])
    result = subprocess.run([zizmor, "--offline", str(folder)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# -- hostile repositories ------------------------------------------------------------------


def test_a_lock_with_escape_sequences_is_refused_without_printing_them(pinned, capsys):
    lock = json.loads((pinned / LOCK_PATH).read_text())
    lock["includes"].append(dict(lock["includes"][0], include="x\u001b[2J\nforged"))
    (pinned / LOCK_PATH).write_text(json.dumps(lock))
    code, out, err = check(capsys)
    assert code == 2 and out == ""
    assert err == (
        "airules: .airules.lock: has an entry airules did not write; run "
        "`airules-check --update` to rewrite it\n"
    )


def test_update_never_writes_through_a_symlinked_include_folder(github, repo, capsys, tmp_path):
    github.commit("acme/rules", {"org/security.md": SECURITY}, "v1")
    write_config(repo, "acme/rules/org/security.md@v1")
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".airules").symlink_to(outside, target_is_directory=True)
    code, _, err = check(capsys, "--update")
    assert code == 2
    assert "resolves outside the repository through a symlink" in err
    assert list(outside.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_vendored_copy_that_is_a_fifo_is_an_error_not_a_hang(pinned, capsys):
    (pinned / VENDORED).unlink()
    os.mkfifo(pinned / VENDORED)
    code, _, err = check(capsys)
    assert code == 2
    assert err.startswith(f"airules: {VENDORED}: is not a regular file")


def test_a_checkout_with_crlf_line_endings_still_verifies(pinned, capsys):
    # Git for Windows with core.autocrlf=true writes text files with CRLF.
    path = pinned / VENDORED
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert check(capsys)[0] == 0
    path.write_bytes(path.read_bytes().replace(b"secrets", b"passwords"))
    assert check(capsys)[0] == 2


def test_a_server_that_serves_only_refs_gets_the_ref_and_a_moved_ref_is_caught(central):
    from airules.fetch import GitResolver

    work, bare = central
    # Protocol v0 serves only advertised tips, as some servers do: no fetch by any SHA.
    env = dict(os.environ, GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="protocol.version")
    env["GIT_CONFIG_VALUE_0"] = "0"
    resolver = GitResolver(env)
    include = parse_include(f"{bare.as_uri()}//rules/security.md@main")
    first = resolver.resolve(include)
    assert resolver.download(include, first) == SECURITY.encode()
    (work / "rules/security.md").write_text(SECURITY_V2)
    git(work, "commit", "-qam", "v2")
    git(work, "push", "-q", str(bare), "main")
    # `first` is no longer a tip: the fallback fetches main, which names another commit now.
    with pytest.raises(FatalError, match="the ref moved while it was fetched; run again"):
        resolver.download(include, first)
    assert resolver.download(include, resolver.resolve(include)) == SECURITY_V2.encode()
