"""`airules-pr` over many repositories, against the fake GitHub that validates every GraphQL
query against GitHub's schema and counts every request by kind."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from fake_github import serving

from airules.github.cli import main
from airules.github.client import blob_sha
from airules.github.fleet import in_shard
from airules.markdown import WORD_JOINER

TOKEN = "ghs_Fleet0Token1For2Tests3Only4abc"
CONFIG = "targets: [claude, cursor, agents, windsurf, copilot]\n"
RULES = "# Rules\n\n- Write tests first.\n"
FAST = "retries=1,max_wait=1,backoff=0"


@pytest.fixture
def fake(monkeypatch, tmp_path):
    with serving(TOKEN, monkeypatch, tmp_path, limits=FAST) as server:
        yield server


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return code, out, err


def in_sync_files(fake, capsys, config=CONFIG, rules=RULES) -> dict[str, bytes]:
    """The files of a repository airules has already fixed: made by running it once on a
    scratch repository and merging its pull request."""
    fake.create_repo("scratch/repo", {".airules.yml": config, "ai-rules.md": rules})
    assert run(capsys, "--repo", "scratch/repo")[0] == 0
    fake.merge_pull("scratch/repo", 1)
    files = fake.files("scratch/repo", "main")
    del fake.repos["scratch/repo"]
    fake.kinds.clear()
    fake.requests.clear()
    fake.blobs_read.clear()
    return files


def drifted(name: str) -> dict[str, str]:
    return {".airules.yml": CONFIG, "ai-rules.md": RULES, "README.md": f"# {name}\n"}


def test_clean_organisation_is_read_in_a_few_queries(fake, capsys, tmp_path):
    files = in_sync_files(fake, capsys)
    for i in range(60):
        fake.create_repo(f"acme/svc{i:02}", files)
    fake.create_repo("acme/plain", {"README.md": "# no config\n"})
    fake.create_repo("acme/old", files).archived = True
    fake.create_repo("acme/copy", files).fork = True
    fake.repos["acme/new"] = type(fake.repos["acme/old"])("acme", "new", "main")

    code, out, _ = run(capsys, "--org", "acme", "--report", str(tmp_path / "r.json"))

    assert code == 0
    # One listing, then 10 repositories, then the rest 50 a query: nothing but GraphQL.
    assert dict(fake.kinds) == {"graphql": 4}
    # Every generated file is compared by blob id, never downloaded.
    owned = {
        blob_sha(files[p]) for p in (".cursor/rules/ai-rules.mdc", ".windsurf/rules/ai-rules.md")
    }
    assert not owned & set(fake.blobs_read)
    report = json.loads((tmp_path / "r.json").read_text())
    states = {r["repository"]: r["state"] for r in report["repositories"]}
    assert list(states.values()).count("in sync") == 60
    assert states["acme/plain"] == "not configured"
    assert states["acme/old"] == "skipped"
    assert states["acme/copy"] == "skipped"
    assert states["acme/new"] == "skipped"
    messages = {r["repository"]: r["message"] for r in report["repositories"]}
    assert "archived" in messages["acme/old"] and "fork" in messages["acme/copy"]
    assert "empty" in messages["acme/new"]
    assert "acme/plain: not configured; no .airules.yml on the base branch" in out
    assert report["requests"] == {"graphql": 4}
    assert max(fake.query_nodes) < 500_000
    summary = (tmp_path / "summary.md").read_text()
    assert "### airules across 64 repositories" in summary
    assert "4 requests to GitHub, 0 of them content-creating" in summary


def test_single_repository_clean_costs_one_query(fake, capsys):
    files = in_sync_files(fake, capsys)
    fake.create_repo("acme/api", files)
    code, out, _ = run(capsys, "--repo", "acme/api")
    assert code == 0
    assert "operation: none" in out
    assert fake.total() == 1


def test_drift_without_a_pull_request_costs_four_writes(fake, capsys, tmp_path):
    fake.create_repo("acme/api", drifted("api"))

    code, out, _ = run(capsys, "--repo", "acme/api", "--label", "ai-rules")

    assert code == 0
    assert "operation: created" in out
    # Tree (files inline), commit, ref, pull request; labels need one more call.
    assert fake.content_creating() == 5
    assert [p.rsplit("/", 2)[-2:] for m, p in fake.writes()] == [
        ["git", "trees"],
        ["git", "commits"],
        ["git", "refs"],
        ["widgets", "pulls"] if False else ["api", "pulls"],
        ["1", "labels"],
    ]
    assert fake.total() <= 6
    assert fake.pulls("acme/api")[0]["labels"] == ["ai-rules"]


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda b: b.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda b: b"\xef\xbb\xbf" + b, id="bom"),
    ],
)
def test_generated_file_with_other_line_endings_is_in_sync_after_one_more_query(
    fake, capsys, transform
):
    files = in_sync_files(fake, capsys)
    path = ".cursor/rules/ai-rules.mdc"
    files[path] = transform(files[path])
    fake.create_repo("acme/api", files)

    code, out, _ = run(capsys, "--repo", "acme/api")

    assert code == 0
    assert f"{path}: ok" in out
    # Its blob id is not the LF one: its bytes are read, in one more query, nothing else.
    assert dict(fake.kinds) == {"graphql": 2}


def test_generated_file_in_sync_is_never_downloaded(fake, capsys):
    files = in_sync_files(fake, capsys)
    fake.create_repo("acme/api", files)
    run(capsys, "--repo", "acme/api")
    repo = fake.repos["acme/api"]
    owned = {
        sha
        for path, (mode, sha) in fake.walk(repo, fake.tree_of("acme/api", "main"))
        if path.endswith((".mdc", "rules/ai-rules.md"))
    }
    assert owned
    assert not owned & set(fake.blobs_read)


def test_declined_pull_request_is_not_reopened_until_the_rules_change(fake, capsys):
    fake.create_repo("acme/api", drifted("api"))
    run(capsys, "--repo", "acme/api")
    fake.close_pull("acme/api", 1)
    fake.kinds.clear()

    code, out, _ = run(capsys, "--repo", "acme/api")

    assert code == 0
    assert "was closed without merging; airules opens another when ai-rules.md" in out
    assert fake.content_creating() == 0
    assert len(fake.pulls("acme/api")) == 1
    # The base moving does not change that; a change to the rules does.
    fake.push("acme/api", "main", {"src/app.py": "x = 1\n"})
    run(capsys, "--repo", "acme/api")
    assert len(fake.pulls("acme/api")) == 1
    fake.push("acme/api", "main", {"ai-rules.md": RULES + "- Name things well.\n"})
    code, out, _ = run(capsys, "--repo", "acme/api")
    assert code == 0
    assert "operation: created" in out
    assert [p["state"] for p in fake.pulls("acme/api")] == ["closed", "open"]


def test_pull_request_airules_closed_itself_is_not_taken_for_declined(fake, capsys):
    fake.create_repo("acme/api", drifted("api"))
    run(capsys, "--repo", "acme/api")
    before = fake.files("acme/api", "main")
    fake.push("acme/api", "main", fake.files("acme/api", "airules/sync"))
    assert "operation: closed" in run(capsys, "--repo", "acme/api")[1]
    # Someone puts the old files back: the same rules, so the same hash, but not declined.
    fake.push("acme/api", "main", {**{p: None for p in fake.files("acme/api", "main")}, **before})
    code, out, _ = run(capsys, "--repo", "acme/api")
    assert code == 0
    assert "operation: created" in out


@pytest.mark.parametrize("squash", [False, True], ids=["merge-commit", "squash"])
def test_merged_then_reverted_starts_again_from_the_base_head(fake, capsys, squash):
    fake.create_repo("acme/api", drifted("api"))
    run(capsys, "--repo", "acme/api")
    before = fake.files("acme/api", "main")
    fake.merge_pull("acme/api", 1, squash=squash)
    merged = fake.files("acme/api", "main")
    # The revert: every file back as it was before the merge.
    head = fake.push("acme/api", "main", {**{p: None for p in merged if p not in before}, **before})

    code, out, err = run(capsys, "--repo", "acme/api")

    assert code == 0, err
    assert "operation: created" in out
    assert [p["state"] for p in fake.pulls("acme/api")] == ["closed", "open"]
    tip = fake.repos["acme/api"].refs["heads/airules/sync"]
    assert head in fake.commit_fields(fake.repos["acme/api"], tip)["parents"]


def test_ruleset_refusal_is_explained(fake, capsys):
    fake.create_repo("acme/api", drifted("api"))
    fake.repos["acme/api"].rulesets["airules/*"] = {"creation"}

    code, _, err = run(capsys, "--repo", "acme/api")

    assert code == 1
    assert "Repository rule violations found" in err
    assert "exclude the sync branch (--branch) from the ruleset" in err


def test_workflow_permission_refusal_is_explained(fake, capsys):
    config = "targets:\n  - path: .github/workflows/rules.md\n"
    fake.create_repo("acme/api", {".airules.yml": config, "ai-rules.md": RULES})

    code, _, err = run(capsys, "--repo", "acme/api")

    assert code == 1
    assert "give the GitHub App the Workflows permission" in err


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        pytest.param("PATCH", r"/git/refs/heads/", "Reference update failed", id="ref-race"),
        pytest.param("POST", r"/git/commits$", "Tree SHA does not exist", id="tree-race"),
    ],
)
def test_races_are_retried_once_from_a_fresh_read(fake, capsys, method, path, message):
    fake.create_repo("acme/api", drifted("api"))
    run(capsys, "--repo", "acme/api")
    fake.push("acme/api", "main", {"ai-rules.md": RULES + "- More.\n"})
    fake.fail(method, path, 422, message)

    code, out, err = run(capsys, "--repo", "acme/api")

    assert code == 0, err
    assert "operation: updated" in out
    assert b"- More." in fake.files("acme/api", "airules/sync")["CLAUDE.md"]
    # Twice is not retried: the race is reported.
    fake.push("acme/api", "main", {"ai-rules.md": RULES + "- Even more.\n"})
    fake.fail(method, path, 422, message, times=2)
    code, _, err = run(capsys, "--repo", "acme/api")
    assert code == 1
    assert message in err


def test_closing_comment_is_posted_once_after_a_lost_502(fake, capsys):
    fake.create_repo("acme/api", drifted("api"))
    run(capsys, "--repo", "acme/api")
    fake.push("acme/api", "main", fake.files("acme/api", "airules/sync"))
    fake.fail("POST", r"/issues/1/comments$", 502, "Bad Gateway", after=True)

    code, out, _ = run(capsys, "--repo", "acme/api")

    assert code == 0
    assert "operation: closed" in out
    (pull,) = fake.pulls("acme/api")
    assert pull["state"] == "closed"
    assert len(pull["comments"]) == 1


def test_exhausted_budget_stops_cleanly_and_the_next_run_resumes(
    fake, capsys, tmp_path, monkeypatch
):
    for name in ("a", "b", "c"):
        fake.create_repo(f"acme/{name}", drifted(name))
    monkeypatch.setenv("AIRULES_PR_LIMITS", FAST + ",writes_per_hour=6")
    report = tmp_path / "r.json"

    code, out, err = run(capsys, "--org", "acme", "--report", str(report))

    assert code == 1
    assert "stopped: the run sent 4 content-creating requests this hour" in err
    data = json.loads(report.read_text())
    assert [r["repository"] for r in data["repositories"]] == ["acme/a"]
    assert data["not_reached"] == ["acme/b", "acme/c"]
    assert fake.content_creating() == 4
    # No repository is left half written.
    assert "heads/airules/sync" not in fake.repos["acme/b"].refs
    monkeypatch.setenv("AIRULES_PR_LIMITS", FAST)
    code, out, _ = run(capsys, "--org", "acme")
    assert code == 0
    assert "acme/a: drift; pull request: " in out
    assert all(len(fake.pulls(f"acme/{n}")) == 1 for n in "abc")


def test_writes_are_paced_under_the_secondary_limit(fake, capsys, monkeypatch):
    for name in ("a", "b", "c"):
        fake.create_repo(f"acme/{name}", drifted(name))
    # GitHub's limits, on a short clock: at most 5 content-creating requests a "minute".
    fake.secondary_per_minute, fake.minute = 5, 0.5
    monkeypatch.setenv("AIRULES_PR_LIMITS", FAST + ",writes_per_minute=5,minute=0.5")

    code, _, err = run(capsys, "--org", "acme")

    assert code == 0, err
    assert fake.kinds["secondary-limited"] == 0
    assert fake.content_creating() == 12


def test_fake_refuses_past_the_secondary_limit(fake, capsys, monkeypatch):
    fake.create_repo("acme/a", drifted("a"))
    fake.secondary_per_minute = 2
    code, _, err = run(capsys, "--repo", "acme/a")
    assert code == 1
    assert "secondary rate limit" in err
    assert fake.kinds["secondary-limited"] >= 1


def test_repos_file_and_shards(fake, capsys, tmp_path):
    files = in_sync_files(fake, capsys)
    names = [f"acme/r{i}" for i in range(12)]
    for name in names:
        fake.create_repo(name, files)
    listing = tmp_path / "repos.txt"
    listing.write_text("# the fleet\n" + "".join(f"{n}  # owned by x\n" for n in names) + "\n")

    seen = []
    for shard in ("1/3", "2/3", "3/3"):
        code, out, _ = run(capsys, "--repos", str(listing), "--shard", shard)
        assert code == 0
        seen.append({line.split(":")[0] for line in out.splitlines() if line.startswith("acme/")})
    assert set().union(*seen) == set(names)
    assert sum(len(s) for s in seen) == len(names)
    assert seen[0] == {n for n in names if in_shard(n, (1, 3))}

    listing.write_text("acme/r1\nnot a repository\n")
    code, _, err = run(capsys, "--repos", str(listing))
    assert code == 2
    assert "repos.txt:2: 'not a repository' is not OWNER/NAME" in err


def test_report_summary_and_merged_reports(fake, capsys, tmp_path):
    fake.create_repo("acme/a", drifted("a"))
    fake.create_repo("acme/b", drifted("b"))
    for shard in ("1/2", "2/2"):
        code, _, _ = run(
            capsys,
            "--org",
            "acme",
            "--shard",
            shard,
            "--report",
            str(tmp_path / f"{shard[0]}.json"),
        )
        assert code == 0
    data = [json.loads((tmp_path / f"{n}.json").read_text()) for n in "12"]
    repos = [r for d in data for r in d["repositories"]]
    assert sorted(r["repository"] for r in repos) == ["acme/a", "acme/b"]
    one = repos[0]
    assert one["operation"] == "created"
    assert one["pull_request"].endswith("/pull/1")
    assert {"path": "CLAUDE.md", "state": "missing", "written": True} in one["targets"]
    assert one["requests"] >= 4
    (tmp_path / "summary.md").unlink()
    code, out, _ = run(
        capsys, "--merge-reports", str(tmp_path / "1.json"), str(tmp_path / "2.json")
    )
    assert code == 0
    assert "### airules across 2 repositories" in out
    assert "2 drift" in out
    assert (tmp_path / "summary.md").read_text() == out


def test_archived_repository_is_skipped_with_its_reason(fake, capsys):
    fake.create_repo("acme/api", drifted("api")).archived = True
    code, out, _ = run(capsys, "--repo", "acme/api")
    assert code == 0
    assert "acme/api: skipped: archived (read-only)" in out
    assert fake.content_creating() == 0


def test_title_and_commit_message_cannot_ping_or_close(fake, capsys):
    source = "rules/@team fixes #1.md"
    config = f"source: '{source}'\ntargets: [claude]\n"
    fake.create_repo("acme/api", {".airules.yml": config, source: RULES})

    code, _, _ = run(capsys, "--repo", "acme/api")

    assert code == 0
    (pull,) = fake.pulls("acme/api")
    tip = fake.repos["acme/api"].refs["heads/airules/sync"]
    message = fake.commit_fields(fake.repos["acme/api"], tip)["message"]
    for text in (pull["title"], message):
        assert "@team" not in text and "#1" not in text
        assert "fixes #1" in text.replace(WORD_JOINER, "")


def test_deep_tree_needs_no_recursion(fake, capsys):
    path = "/".join(["d"] * 400) + "/CLAUDE.md"
    config = f"targets:\n  - id: claude\n    path: {path}\n"
    fake.create_repo("acme/api", {".airules.yml": config, "ai-rules.md": RULES})

    code, out, err = run(capsys, "--repo", "acme/api")

    assert code == 0, err
    assert "operation: created" in out
    assert path in fake.files("acme/api", "airules/sync")


def test_blob_size_is_checked_on_the_decoded_bytes(fake, capsys):
    big = "# Rules\n\n" + "- rule\n" * 200_000
    fake.create_repo("acme/api", {".airules.yml": CONFIG, "ai-rules.md": big})
    # A server that claims every file is small.
    fake.claimed_size = 10

    code, _, err = run(capsys, "--repo", "acme/api")

    assert code == 2
    assert "ai-rules.md: is larger than, over the 1048576 airules reads" in err
    assert fake.content_creating() == 0


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda t: t.upper(), id="case"),
        pytest.param(lambda t: urllib.parse.quote(t, safe="").replace("_", "%5F"), id="url"),
        pytest.param(
            lambda t: base64.b64encode(f"x-access-token:{t}".encode()).decode(), id="base64"
        ),
        pytest.param(lambda t: t[:12] + "\n" + t[12:], id="split"),
    ],
)
def test_token_never_appears_in_any_form(fake, capsys, form):
    fake.create_repo("acme/api", drifted("api"))
    echoed = form(TOKEN)
    fake.fail("POST", r"/pulls$", 403, f"Resource not accessible with {echoed}")

    code, out, err = run(capsys, "--repo", "acme/api")

    assert code == 1
    for shown in (TOKEN, TOKEN.upper(), TOKEN.lower(), echoed, TOKEN[:12], TOKEN[12:]):
        assert shown not in out + err


def test_pull_request_body_stays_under_githubs_limit_with_thousands_of_files(fake, capsys):
    files = {".airules.yml": "nested: true\ntargets: [claude, agents]\n", "ai-rules.md": RULES}
    for i in range(700):
        files[f"packages/service-with-a-long-name-{i:04}/ai-rules.md"] = f"# Package {i}\n"
    fake.create_repo("acme/mono", files)

    code, _, err = run(capsys, "--repo", "acme/mono")

    assert code == 0, err
    body = fake.pulls("acme/mono")[0]["body"]
    assert len(body) < 65_536
    assert "more lines of this list, cut to keep the body under GitHub's limit" in body


def test_nested_sources_in_a_tree_too_large_for_one_listing(fake, capsys):
    files = {".airules.yml": "nested: true\ntargets: [claude]\n", "ai-rules.md": RULES}
    for i in range(30):
        files[f"packages/p{i}/src/deep/more/f.py"] = "x = 1\n"
    files["packages/p7/ai-rules.md"] = "# Package rules\n"
    fake.create_repo("acme/mono", files)
    fake.truncate_trees = True

    code, out, err = run(capsys, "--repo", "acme/mono")

    assert code == 0, err
    assert "packages/p7/CLAUDE.md: missing; fixed on airules/sync" in out
    # Listed a level a query (6 levels), not a request per folder (over 120 folders).
    assert fake.kinds["GET"] == 1
    assert fake.kinds["graphql"] <= 10


def test_graphql_budget_spent_stops_cleanly(fake, capsys, tmp_path):
    for name in ("a", "b"):
        fake.create_repo(f"acme/{name}", drifted(name))
    # After the listing, 20 points are left: the reserve airules keeps.
    fake.graphql_remaining = 21

    code, _, err = run(capsys, "--org", "acme", "--report", str(tmp_path / "r.json"))

    assert code == 1
    assert "GraphQL rate limit is nearly spent (20 left)" in err
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["not_reached"] == ["acme/a", "acme/b"]
    assert fake.content_creating() == 0


def test_fake_refuses_a_pull_request_with_no_commits_between(fake):
    from github import Auth, Github, GithubException

    fake.create_repo("acme/api", drifted("api"))
    # The side branch points at an older commit of main: nothing main lacks.
    older = fake.repos["acme/api"].refs["heads/main"]
    fake.push("acme/api", "main", {"y.md": "y\n"})
    fake.repos["acme/api"].refs["heads/side"] = older
    gh = Github(auth=Auth.Token(TOKEN), base_url=fake.url, retry=None, lazy=True)
    with pytest.raises(GithubException) as caught:
        gh.get_repo("acme/api").create_pull(base="main", head="side", title="t")
    assert caught.value.status == 422
    assert "No commits between main and side" in str(caught.value.data)


def test_repository_with_a_bad_config_is_reported_and_does_not_fail_the_run(fake, capsys):
    fake.create_repo("acme/bad", {".airules.yml": "targets: [vim]\n", "ai-rules.md": RULES})
    fake.create_repo("acme/good", drifted("good"))

    code, out, _ = run(capsys, "--org", "acme")

    assert code == 0
    assert "acme/bad: invalid; .airules.yml:1: unknown editor 'vim'" in out
    assert len(fake.pulls("acme/good")) == 1
