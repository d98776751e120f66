from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import fixed_locally, git
from fake_github import BOT, FakeGitHub, Repo, serving

from airules.github.cli import main
from airules.github.client import blob_sha
from airules.markdown import WORD_JOINER, code, fence, neutralize, text

TOKEN = "ghs_Secret0Token1For2Tests3Only4xyz"
REPO = "acme/widgets"
BRANCH = "airules/sync"
CONFIG = "targets: [claude, cursor]\n"
RULES = "# Rules\n\n- Write tests first.\n"
FAST = "retries=2,max_wait=1,backoff=0"


@pytest.fixture
def fake(monkeypatch, tmp_path):
    with serving(TOKEN, monkeypatch, tmp_path, repository=REPO, limits=FAST) as server:
        yield server


def seed(fake, rules=RULES, config=CONFIG, **files):
    fake.create_repo(
        REPO, {".airules.yml": config, "ai-rules.md": rules, "README.md": "# Widgets\n", **files}
    )


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return code, out, err


def outputs(tmp_path) -> dict[str, str]:
    path = tmp_path / "github_output"
    lines = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return dict(line.split("=", 1) for line in lines)


def test_drift_opens_one_pull_request_with_what_the_local_fix_writes(fake, capsys, tmp_path):
    seed(fake)
    base_head = fake.repos[REPO].refs["heads/main"]

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: created" in out
    pulls = fake.pulls(REPO)
    assert len(pulls) == 1
    assert (pulls[0]["head"], pulls[0]["base"], pulls[0]["state"]) == (BRANCH, "main", "open")
    assert pulls[0]["title"] == "Sync AI editor rules files with ai-rules.md"
    assert f"pull request: #1 {fake.root}/{REPO}/pull/1" in out
    # Same bytes as the local check writes; the base branch itself is untouched.
    local = fixed_locally(
        tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES, "README.md": "# Widgets\n"}
    )
    assert fake.files(REPO, BRANCH) == local
    assert fake.repos[REPO].refs["heads/main"] == base_head
    # One commit on top of the base head, with GitHub's identity: no author was sent.
    tip = fake.repos[REPO].refs[f"heads/{BRANCH}"]
    commit = fake.commit_fields(fake.repos[REPO], tip)
    assert commit["parents"] == [base_head]
    assert commit["author"].startswith(f"{BOT[0]} <{BOT[1]}>")
    assert outputs(tmp_path) == {
        "drift": "true",
        "operation": "created",
        "pull-request-number": "1",
        "pull-request-url": f"{fake.root}/{REPO}/pull/1",
        "branch": BRANCH,
    }


def test_dedupe_and_aiders_settings_are_the_same_through_the_api(fake, capsys, tmp_path):
    config = "dedupe: true\ntargets: [claude, agents, cline, aider]\n"
    conf = "# ours\nmodel: sonnet\n"
    seed(fake, config=config, **{".aider.conf.yml": conf})
    code, out, _ = run(capsys)
    assert code == 0, out
    assert ".clinerules/ai-rules.md: ok" in out
    files = {".airules.yml": config, "ai-rules.md": RULES, "README.md": "# Widgets\n"}
    local = fixed_locally(tmp_path, {**files, ".aider.conf.yml": conf})
    assert fake.files(REPO, BRANCH) == local
    assert local[".aider.conf.yml"] == b"# ours\nmodel: sonnet\nread: CONVENTIONS.md\n"
    assert b"\n@AGENTS.md\n" in local["CLAUDE.md"]
    assert ".clinerules/ai-rules.md" not in local


def test_second_run_with_new_drift_updates_the_same_pull_request(fake, capsys, tmp_path):
    seed(fake)
    fake.push(REPO, "feature", {"app.py": "x = 1\n"})
    fake.open_pull(REPO, "feature", "main", "Someone else's work")
    run(capsys)
    first_tip = fake.repos[REPO].refs[f"heads/{BRANCH}"]
    new_rules = "# Rules\n\n- Write tests first.\n- Name things well.\n"
    fake.push(REPO, "main", {"ai-rules.md": new_rules})
    outputs(tmp_path)

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: updated" in out
    assert "pull request: #2 " in out
    others, ours = fake.pulls(REPO)
    assert (others["title"], others["body"]) == ("Someone else's work", "")
    assert fake.repos[REPO].refs[f"heads/{BRANCH}"] != first_tip
    assert b"- Name things well." in fake.files(REPO, BRANCH)["CLAUDE.md"]
    assert "Name things well." in ours["body"]
    assert outputs(tmp_path)["operation"] == "updated"


def test_run_with_nothing_changed_reports_none_and_writes_nothing(fake, capsys, tmp_path):
    seed(fake)
    run(capsys)
    outputs(tmp_path)
    fake.requests.clear()

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: none" in out
    assert "pull request: #1" in out
    assert fake.writes() == []
    assert outputs(tmp_path)["operation"] == "none"


def test_no_drift_and_no_pull_request_reports_none(fake, capsys, tmp_path):
    local = fixed_locally(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    fake.create_repo(REPO, local)

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: none" in out
    assert f"pull request: none; {REPO} main matches ai-rules.md" in out
    assert fake.pulls(REPO) == []
    assert fake.writes() == []
    assert outputs(tmp_path) == {
        "drift": "false",
        "operation": "none",
        "pull-request-number": "",
        "pull-request-url": "",
        "branch": BRANCH,
    }


def test_drift_fixed_on_base_closes_the_pull_request_with_a_comment(fake, capsys, tmp_path):
    seed(fake)
    run(capsys)
    fake.push(REPO, "main", fake.files(REPO, BRANCH))
    outputs(tmp_path)

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: closed" in out
    (pull,) = fake.pulls(REPO)
    assert pull["state"] == "closed"
    assert len(pull["comments"]) == 1
    assert "nothing left to change" in pull["comments"][0]
    assert outputs(tmp_path)["drift"] == "false"
    # Closed stays closed: the next clean run does not reopen or recreate it.
    code, out, _ = run(capsys)
    assert "operation: none" in out
    assert [p["state"] for p in fake.pulls(REPO)] == ["closed"]


def test_base_moving_alone_writes_nothing(fake, capsys):
    seed(fake)
    run(capsys)
    tip = fake.repos[REPO].refs[f"heads/{BRANCH}"]
    fake.push(REPO, "main", {"src/app.py": "print('hi')\n"})
    fake.kinds.clear()

    code, out, _ = run(capsys)

    # The sync branch already holds exactly the files to write: no write at all.
    assert code == 0
    assert "operation: none" in out
    assert fake.repos[REPO].refs[f"heads/{BRANCH}"] == tip
    assert fake.content_creating() == 0


def test_new_drift_fast_forwards_the_sync_branch(fake, capsys):
    seed(fake)
    run(capsys)
    tip = fake.repos[REPO].refs[f"heads/{BRANCH}"]
    new_head = fake.push(REPO, "main", {"ai-rules.md": "# Rules\n\n- Changed.\n"})
    # A ruleset that forbids force pushes on the sync branch does not stop a fast-forward.
    fake.repos[REPO].rulesets["airules/*"] = {"non_fast_forward"}

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: updated" in out
    new_tip = fake.repos[REPO].refs[f"heads/{BRANCH}"]
    assert fake.commit_fields(fake.repos[REPO], new_tip)["parents"] == [tip, new_head]
    assert b"- Changed." in fake.files(REPO, BRANCH)["CLAUDE.md"]


def edited_claude(tmp_path) -> dict[str, bytes]:
    files = fixed_locally(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    files["CLAUDE.md"] = files["CLAUDE.md"].replace(
        b"- Write tests first.", b"- Write tests first, always."
    )
    files["ai-rules.md"] = b"# Rules\n\n- Write tests first.\n- Keep it small.\n"
    return files


def test_hand_edited_file_is_skipped_and_the_body_says_why(fake, capsys, tmp_path):
    files = edited_claude(tmp_path)
    fake.create_repo(REPO, files)

    code, out, _ = run(capsys)

    assert code == 0
    assert "CLAUDE.md: edited by hand, left unchanged" in out
    on_branch = fake.files(REPO, BRANCH)
    assert on_branch["CLAUDE.md"] == files["CLAUDE.md"]
    assert b"- Keep it small." in on_branch[".cursor/rules/ai-rules.mdc"]
    body = fake.pulls(REPO)[0]["body"]
    assert "**Left unchanged**" in body
    assert "`CLAUDE.md`: its airules block changed since it was generated" in body
    assert "--force" in body


def test_force_overwrites_the_hand_edited_file(fake, capsys, tmp_path):
    fake.create_repo(REPO, edited_claude(tmp_path))
    run(capsys)

    code, out, _ = run(capsys, "--force")

    assert code == 0
    assert "operation: updated" in out
    assert "CLAUDE.md: edited by hand; overwritten (--force)" in out
    assert b"- Keep it small." in fake.files(REPO, BRANCH)["CLAUDE.md"]
    assert "overwritten (--force)" in fake.pulls(REPO)[0]["body"]


def test_only_hand_edits_left_means_no_pull_request(fake, capsys, tmp_path):
    files = fixed_locally(tmp_path, {".airules.yml": CONFIG, "ai-rules.md": RULES})
    files["CLAUDE.md"] = files["CLAUDE.md"].replace(b"first.", b"first!")
    fake.create_repo(REPO, files)

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: none" in out
    assert fake.pulls(REPO) == []
    assert outputs(tmp_path)["drift"] == "true"


def test_dry_run_changes_nothing(fake, capsys, tmp_path):
    seed(fake)
    before = fake.snapshot()

    code, out, _ = run(capsys, "--dry-run")

    assert code == 0
    assert "operation: created (dry run" in out
    assert "--- pull request body ---" in out
    assert fake.snapshot() == before
    assert fake.writes() == []
    # With a pull request open and new drift on the base, it still only says what it would do.
    run(capsys)
    fake.push(REPO, "main", {"ai-rules.md": "# Rules\n\n- Changed.\n"})
    before = fake.snapshot()
    fake.requests.clear()
    code, out, _ = run(capsys, "--dry-run")
    assert code == 0
    assert "operation: updated (dry run" in out
    assert fake.snapshot() == before
    assert fake.writes() == []


def test_dry_run_needs_a_token_that_may_read(fake, capsys, monkeypatch):
    # GitHub's GraphQL API answers no query without a token, even on a public repository.
    seed(fake)
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = run(capsys, "--dry-run")
    assert code == 2
    assert "$GITHUB_TOKEN: not set; export a token that may read the repositories" in err
    assert fake.requests == []


def test_labels_are_added_once(fake, capsys):
    seed(fake)
    code, _, _ = run(capsys, "--label", "ai, docs", "--label", "bot")
    assert code == 0
    assert fake.pulls(REPO)[0]["labels"] == ["ai", "docs", "bot"]
    fake.requests.clear()
    run(capsys, "--label", "ai,docs", "--label", "bot")
    assert not [p for m, p in fake.writes() if p.endswith("/labels")]


def test_title_footer_base_and_branch_options(fake, capsys, tmp_path):
    seed(fake)
    fake.push(REPO, "develop", {"ai-rules.md": "# Dev rules\n"})
    code, _out, _ = run(
        capsys,
        "--base",
        "develop",
        "--branch",
        "bot/rules",
        "--title",
        "Rules sync",
        "--body-footer",
        "Ping @infra-team if this looks wrong.",
    )
    assert code == 0
    (pull,) = fake.pulls(REPO)
    assert (pull["head"], pull["base"], pull["title"]) == ("bot/rules", "develop", "Rules sync")
    # The footer is the caller's own Markdown, used as given.
    assert pull["body"].endswith("---\n\nPing @infra-team if this looks wrong.\n")
    assert pull["body"].startswith("<!-- airules:rules=")
    assert b"# Dev rules" in fake.files(REPO, "bot/rules")["CLAUDE.md"]
    assert outputs(tmp_path)["branch"] == "bot/rules"


def test_pull_request_opened_meanwhile_is_reused_not_duplicated(fake, capsys):
    seed(fake)
    run(capsys)
    fake.push(REPO, "main", {"ai-rules.md": "# Rules\n\n- Changed.\n"})
    # A stale listing: the open pull request is missed, so creating it is refused with 422.
    fake.fail("GET", r"/pulls$", 200, body=[])

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: updated" in out
    assert len(fake.pulls(REPO)) == 1
    assert "Changed." in fake.pulls(REPO)[0]["body"]


def test_writes_that_worked_but_answered_5xx_are_not_repeated(fake, capsys, tmp_path):
    seed(fake)
    # GitHub did the work, then the answer was lost: the retry meets "already exists".
    fake.fail("POST", r"/git/refs$", 502, "Bad Gateway", after=True)
    fake.fail("POST", r"/pulls$", 502, "Bad Gateway", after=True)

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: created" in out
    assert len(fake.pulls(REPO)) == 1
    assert fake.requests.count(("POST", "/repos/acme/widgets/git/refs")) == 2
    assert f"heads/{BRANCH}" in fake.repos[REPO].refs
    assert outputs(tmp_path)["pull-request-number"] == "1"


def test_pr_body_cannot_ping_people_or_close_issues(fake, capsys):
    rules = (
        "# Rules\n\n- Ask @acme/security before merging; cc @alice.\n"
        "- This fixes #1 and closes GH-2.\n- <img src=x onerror=alert(1)>\n"
        "- Quote code like ````this````.\n"
    )
    seed(fake, rules=rules, config="targets:\n  - id: claude\n    path: 'docs/@alice #3.md'\n")
    code, _, _ = run(capsys)
    assert code == 0
    body = fake.pulls(REPO)[0]["body"]
    for forbidden in ("@acme", "@alice", "fixes #1", "#3", "GH-2"):
        assert forbidden not in body, forbidden
    visible = body.replace(WORD_JOINER, "")
    assert "cc @alice." in visible and "fixes #1" in visible and "GH-2" in visible
    # The diff's fence is longer than the longest backtick run in the rules.
    assert "\n`````diff\n" in body
    assert "<img" not in body.split("`````diff")[0]


def test_long_diff_is_cut_to_keep_the_body_under_githubs_limit(fake, capsys):
    rules = "".join(f"- rule {i}: {'x' * 150}\n" for i in range(2000))
    seed(fake, rules=rules, config="targets: [claude, cursor, windsurf, agents, copilot]\n")
    code, _, _ = run(capsys)
    assert code == 0
    body = fake.pulls(REPO)[0]["body"]
    assert len(body) < 65_536
    assert "more diff lines; see the Files changed tab" in body
    assert "| `CLAUDE.md` | missing: added | +2002 -0 |" in body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("@team", f"@{WORD_JOINER}team", id="mention"),
        pytest.param("fixes #12", f"fixes #{WORD_JOINER}12", id="issue"),
        pytest.param("see gh-7", f"see gh{WORD_JOINER}-7", id="gh-reference"),
        pytest.param("a-b 1", "a-b 1", id="plain"),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


@pytest.mark.parametrize(
    ("content", "fence_line"),
    [
        pytest.param("plain\n", "```", id="no-backticks"),
        pytest.param("a ``` b\n", "````", id="three"),
        pytest.param("`````\n", "``````", id="five"),
    ],
)
def test_fence_is_longer_than_any_backtick_run(content, fence_line):
    block = fence(content, "diff")
    assert block.startswith(fence_line + "diff\n")
    assert block.endswith("\n" + fence_line + "\n")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("CLAUDE.md", "`CLAUDE.md`", id="plain"),
        pytest.param("a`b", "``a`b``", id="backtick"),
        pytest.param("`x", "`` `x ``", id="leading-backtick"),
    ],
)
def test_code_span_holds_backticks(value, expected):
    assert code(value) == expected


def test_text_escapes_markup():
    assert text("<b>*x*</b>") == r"\<b\>\*x\*\<\/b\>"


@pytest.mark.parametrize(
    ("failure", "fragment"),
    [
        pytest.param(
            ("POST", r"/pulls$", 403, "Resource not accessible by integration"),
            "`permissions: contents: write` and `pull-requests: write`",
            id="403-integration",
        ),
        pytest.param(
            (
                "POST",
                r"/pulls$",
                403,
                "GitHub Actions is not permitted to create or approve pull requests.",
            ),
            'turn on "Allow GitHub Actions to create and approve pull requests"',
            id="403-actions-may-not-create-prs",
        ),
        pytest.param(
            ("POST", r"/git/trees$", 403, "Resource not accessible by integration"),
            "GitHub refused creating the tree (403 Resource not",
            id="403-on-contents",
        ),
        pytest.param(
            ("PATCH", r"/pulls/1$", 422, "Validation Failed"),
            "GitHub refused editing pull request #1 (422 Validation Failed)",
            id="422-validation",
        ),
        pytest.param(
            ("POST", r"/graphql$", 500, "Server Error", 10),
            "GitHub answered 500 Server Error while reading acme/widgets",
            id="5xx-exhausted",
        ),
        pytest.param(
            ("POST", r"/pulls$", 429, "Too many", 1, {"Retry-After": "30"}),
            "it asks to wait 30 s, longer than airules-pr waits",
            id="429-longer-than-allowed",
        ),
        pytest.param(
            (
                "POST",
                r"/graphql$",
                403,
                "API rate limit exceeded for installation ID 1.",
                1,
                {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9999999999"},
            ),
            "GitHub's rate limit stopped reading acme/widgets",
            id="403-primary-rate-limit",
        ),
    ],
)
def test_api_errors_exit_1_with_a_sentence(fake, capsys, failure, fragment):
    seed(fake)
    if "pulls/1" in failure[1]:
        run(capsys)
        fake.push(REPO, "main", {"ai-rules.md": "# Rules\n\n- Changed.\n"})
    method, path, status, message, *rest = failure
    times = rest[0] if rest else 1
    headers = rest[1] if len(rest) > 1 else None
    fake.fail(method, path, status, message, times=times, headers=headers)

    code, _out, err = run(capsys)

    assert code == 1
    assert fragment in err
    assert err.startswith("airules-pr: ")
    assert "Traceback" not in err


def test_bad_token_exits_1_and_says_to_check_it(fake, capsys, monkeypatch):
    seed(fake)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong_token_value")
    code, _, err = main([]), *capsys.readouterr()
    assert code == 1
    assert "GitHub rejected the token while reading acme/widgets (401 Bad" in err
    assert "$GITHUB_TOKEN holds a valid token" in err
    assert "ghp_wrong_token_value" not in err


def test_unknown_repository_exits_1_naming_it(fake, capsys):
    seed(fake)
    code, _, err = run(capsys, "--repo", "acme/gadgets")
    assert code == 1
    assert "repository acme/gadgets not found (404); check --repo" in err


def test_unknown_base_branch_exits_1_naming_it(fake, capsys):
    seed(fake)
    code, _, err = run(capsys, "--base", "release")
    assert code == 1
    assert "branch release not found in acme/widgets (404); check --base" in err


def test_protected_sync_branch_exits_1_with_advice(fake, capsys):
    seed(fake)
    run(capsys)
    fake.repos[REPO].protected.add(BRANCH)
    fake.push(REPO, "main", {"ai-rules.md": "# Rules\n\n- Changed.\n"})

    code, _, err = run(capsys)

    assert code == 1
    assert "GitHub refused updating branch airules/sync (422 Protected branch update" in err
    assert "a --branch of its own" in err


def test_rate_limit_is_waited_out_per_retry_after(fake, capsys):
    seed(fake)
    fake.fail("POST", r"/pulls$", 429, "Too many requests", headers={"Retry-After": "0"})
    fake.fail("POST", r"/graphql$", 502, "Bad Gateway")

    code, out, err = run(capsys)

    assert code == 0
    assert "operation: created" in out
    assert "rate limit while creating the pull request (429 Too many requests); retry 1" in err
    assert "server error while reading acme/widgets" in err
    assert [m for m, p in fake.requests if p.endswith("/pulls")].count("POST") == 2
    assert len(fake.pulls(REPO)) == 1


def test_5xx_retries_are_bounded(fake, capsys, monkeypatch):
    seed(fake)
    monkeypatch.setenv("AIRULES_PR_LIMITS", FAST.replace("retries=2", "retries=3"))
    fake.fail("POST", r"/graphql$", 503, "Service Unavailable", times=100)

    code, _, err = run(capsys)

    assert code == 1
    assert "4 times in a row" in err
    assert fake.kinds["graphql"] == 4


def test_unreachable_api_exits_1(fake, capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
    code, _, err = run(capsys)
    assert code == 1
    assert f"cannot reach the GitHub API at http://127.0.0.1:{port}" in err


def test_token_is_scrubbed_from_error_messages(fake, capsys):
    seed(fake)
    # A server that echoes the token back into the error PyGithub raises.
    fake.fail("POST", r"/pulls$", 403, f"Resource not accessible with token {TOKEN}")

    code, _, err = run(capsys)

    assert code == 1
    assert "with token ***" in err


def test_token_is_scrubbed_from_pygithub_debug_log(fake, capsys, caplog):
    seed(fake)
    github_logger = logging.getLogger("github")
    level = github_logger.level
    github_logger.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        # PyGithub logs each request's JSON; here the footer carries the token into one.
        code, _, _ = run(capsys, "--body-footer", f"deployed with {TOKEN}")
    finally:
        github_logger.setLevel(level)

    assert code == 0
    assert "POST http://127.0.0.1" in caplog.text
    assert "deployed with ***" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        pytest.param([], {"GITHUB_TOKEN": None}, "$GITHUB_TOKEN: not set", id="no-token"),
        pytest.param(["--token-env", "BOT_TOKEN"], {}, "$BOT_TOKEN: not set", id="token-env-unset"),
        pytest.param([], {"GITHUB_REPOSITORY": None}, "--repo: not given", id="no-repo"),
        pytest.param(["--repo", "widgets"], {}, "write it as OWNER/NAME", id="bad-repo"),
        pytest.param(["--branch", "a..b"], {}, "not a valid branch name", id="bad-branch"),
        pytest.param(["--branch", "main"], {}, "is the base branch itself", id="branch-is-base"),
        pytest.param(["--config", "../x.yml"], {}, "--config '../x.yml': contains '..'", id="cfg"),
        pytest.param(
            [], {"AIRULES_PR_LIMITS": "retries=many"}, "retries must be a number", id="limits"
        ),
    ],
)
def test_usage_errors_exit_2(fake, capsys, monkeypatch, args, env, fragment):
    seed(fake)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert fragment in err
    assert fake.writes() == []


def test_token_env_names_another_variable(fake, capsys, monkeypatch):
    seed(fake)
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    code, out, _ = run(capsys, "--token-env", "BOT_TOKEN")
    assert code == 0
    assert "operation: created" in out


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        pytest.param({".airules.yml": None}, ".airules.yml: not found on main", id="no-config"),
        pytest.param(
            {".airules.yml": "targets: [vim]\n"}, ".airules.yml:1: unknown editor 'vim'", id="bad"
        ),
        pytest.param({"ai-rules.md": None}, "ai-rules.md: source file not found", id="no-source"),
        pytest.param(
            {"CLAUDE.md/notes.md": "x\n"}, "CLAUDE.md: is a directory, not a file", id="dir"
        ),
        pytest.param(
            {".cursor": "a file\n"}, ".cursor on its path is a file in acme/widgets", id="file"
        ),
    ],
)
def test_config_errors_in_the_repository_exit_2(fake, capsys, files, fragment):
    seed(fake)
    fake.push(REPO, "main", files)
    code, out, err = run(capsys)
    assert code == 2
    assert fragment in out + err
    assert "operation:" not in out
    assert fake.writes() == []
    assert fake.pulls(REPO) == []


def test_truncated_tree_is_read_folder_by_folder(fake, capsys, tmp_path):
    seed(fake, **{".cursor/other.md": "x\n"})
    fake.truncate_trees = True

    code, out, _ = run(capsys)

    assert code == 0
    assert "operation: created" in out
    local = fixed_locally(
        tmp_path,
        {
            ".airules.yml": CONFIG,
            "ai-rules.md": RULES,
            "README.md": "# Widgets\n",
            ".cursor/other.md": "x\n",
        },
    )
    assert fake.files(REPO, BRANCH) == local
    # Nothing changed since: the tree computed from the folders matches the branch.
    code, out, _ = run(capsys)
    assert "operation: none" in out


def test_enterprise_api_path_prefix(capsys, monkeypatch, tmp_path):
    server = FakeGitHub(token=TOKEN, prefix="/api/v3")
    server.start()
    try:
        monkeypatch.setenv("GITHUB_API_URL", server.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("AIRULES_PR_LIMITS", FAST)
        monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
        seed(server)
        code, out, _ = run(capsys, "--repo", REPO)
        assert code == 0
        assert "operation: created" in out
        # GitHub Enterprise Server: REST below /api/v3, GraphQL at /api/graphql.
        assert {p.split("/")[2] for _, p in server.requests} == {"v3", "graphql"}
    finally:
        server.stop()


def test_fake_and_local_tree_hashes_are_the_ones_git_computes(fake, tmp_path):
    files = {"a.md": "A\n", "dir/b.md": "B\n", "dir/sub/c.md": "C\n", "dir.x": "D\n"}
    root = tmp_path / "g"
    root.mkdir()
    git(root, "init", "-q")
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    git(root, "add", ".")
    env = {"GIT_AUTHOR_DATE": "1700000000 +0000", "GIT_COMMITTER_DATE": "1700000000 +0000"}
    tree = git(root, "write-tree").strip()
    commit = subprocess.run(
        ["git", "commit-tree", tree, "-m", "Initial commit"],
        cwd=root,
        env={
            **os.environ,
            **env,
            "GIT_AUTHOR_NAME": "Dev",
            "GIT_AUTHOR_EMAIL": "dev@example.com",
            "GIT_COMMITTER_NAME": "Dev",
            "GIT_COMMITTER_EMAIL": "dev@example.com",
        },
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

    fake.repos["acme/git"] = Repo("acme", "git", "main")
    sha = fake.push("acme/git", "main", files, message="Initial commit\n", timestamp=1_700_000_000)
    assert fake.tree_of("acme/git", "main") == tree
    assert sha == commit

    blob = git(root, "hash-object", "dir/b.md").strip()
    assert blob_sha(b"B\n") == blob


def test_console_script_runs_as_a_subprocess(fake, tmp_path):
    seed(fake)
    exe = Path(sys.executable).parent / ("airules-pr.exe" if os.name == "nt" else "airules-pr")
    result = subprocess.run([exe, "--label", "ai"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "operation: created" in result.stdout
    assert f"{fake.root}/{REPO}/pull/1" in result.stdout
    assert TOKEN not in result.stdout + result.stderr
