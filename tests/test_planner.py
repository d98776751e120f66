"""The planner: what each editor reads, how many copies of the rules reach it, and what
`dedupe: true` arranges; through `main()` on real repositories, and as pure functions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from airules.cli import main
from airules.config import from_editor_ids, parse_config
from airules.planner import arrange, predict, reach
from airules.targets import ALWAYS, EDITORS, FALLBACK, FIRST, READERS, SETTING, WHENS

EVERY = sorted(EDITORS)


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def every_editor_config(dedupe: bool) -> str:
    return f"dedupe: {'true' if dedupe else 'false'}\ntargets: [{', '.join(EVERY)}]\n"


# Rows as the conformance harness writes them: which of the files airules wrote reached the
# model. The registry's facts must predict each one; these are the runs the registry cites.
ALL_FILES = {
    "AGENTS.md",
    "CLAUDE.md",
    "GEMINI.md",
    "QWEN.md",
    "CONVENTIONS.md",
    ".github/copilot-instructions.md",
    ".github/instructions/ai-rules.instructions.md",
    ".clinerules/ai-rules.md",
    ".kilocode/rules/ai-rules.md",
    ".augment/rules/ai-rules.md",
    ".continue/rules/ai-rules.md",
    ".openhands/microagents/repo.md",
}
ROWS = [
    pytest.param("claude", ALL_FILES, {}, ["CLAUDE.md"], id="claude-md-hides-agents-md"),
    pytest.param("claude", ALL_FILES - {"CLAUDE.md"}, {}, ["AGENTS.md"], id="claude-fallback"),
    pytest.param("agents", ALL_FILES, {}, ["AGENTS.md"], id="codex"),
    pytest.param("gemini", ALL_FILES - {"GEMINI.md"}, {}, [], id="gemini-no-agents-fallback"),
    pytest.param(
        "copilot",
        ALL_FILES,
        {},
        [
            ".github/copilot-instructions.md",
            ".github/instructions/ai-rules.instructions.md",
            "AGENTS.md",
            "CLAUDE.md",
            "GEMINI.md",
        ],
        id="copilot-cli-five",
    ),
    pytest.param("opencode", ALL_FILES, {}, ["AGENTS.md"], id="opencode-agents-first"),
    pytest.param("opencode", {"CLAUDE.md"}, {}, ["CLAUDE.md"], id="opencode-fallback"),
    pytest.param("qwen", ALL_FILES, {}, ["QWEN.md", "AGENTS.md"], id="qwen-both"),
    pytest.param("kilo", ALL_FILES, {}, [".kilocode/rules/ai-rules.md", "AGENTS.md"], id="kilo"),
    pytest.param("cline", ALL_FILES, {}, [".clinerules/ai-rules.md", "AGENTS.md"], id="cline"),
    pytest.param(
        "augment",
        ALL_FILES,
        {},
        [".augment/rules/ai-rules.md", "AGENTS.md", "CLAUDE.md"],
        id="auggie-three",
    ),
    pytest.param(
        "continue", ALL_FILES, {}, [".continue/rules/ai-rules.md", "AGENTS.md"], id="continue"
    ),
    pytest.param("factory", ALL_FILES, {}, ["AGENTS.md", "CLAUDE.md"], id="droid"),
    pytest.param("aider", ALL_FILES, {}, [], id="aider-without-read-setting"),
    pytest.param(
        "aider",
        ALL_FILES,
        {".aider.conf.yml": "CONVENTIONS.md"},
        ["CONVENTIONS.md"],
        id="aider-with-read-setting",
    ),
    pytest.param(
        "openhands",
        ALL_FILES,
        {},
        [".openhands/microagents/repo.md", "AGENTS.md", "CLAUDE.md", "GEMINI.md"],
        id="openhands-four",
    ),
    pytest.param("zed", {".rules", "AGENTS.md", "CLAUDE.md"}, {}, [".rules"], id="zed-first"),
    pytest.param("zed", {"CLAUDE.md", "AGENTS.md"}, {}, ["AGENTS.md"], id="zed-next-match"),
]


@pytest.mark.parametrize(("agent", "present", "settings", "files"), ROWS)
def test_registry_facts_predict_what_each_agent_read(agent, present, settings, files):
    row = {"editor": agent, "files_read": files, "loaded": bool(files), "copies": len(files)}
    predicted = predict(agent, present, settings)
    assert predicted == row["files_read"]
    assert (len(predicted), bool(predicted)) == (row["copies"], row["loaded"])


def test_every_read_fact_is_well_formed_and_has_evidence():
    for reads in [e.reads for e in EDITORS.values()] + [r.reads for r in READERS.values()]:
        for read in reads:
            assert read.when in WHENS
            assert read.evidence, read
            for item in read.evidence:
                assert item.startswith("https://") or re.fullmatch(
                    r"conformance:[a-z0-9-]+@\d+(\.\d+)*", item
                ), item
            assert (read.when == FALLBACK) == bool(read.unless)
            assert (read.when == SETTING) == (read.setting is not None)
            assert len(read.paths) == 1 or read.when == FIRST
            assert read.when != ALWAYS or read.paths[0]
    # Every editor reads its own default file, so a config of one editor reaches it.
    for editor in EDITORS.values():
        config = from_editor_ids([editor.id])
        settings = {".aider.conf.yml": editor.path} if editor.id == "aider" else {}
        assert predict(editor.id, {editor.path}, settings) == [editor.path], editor.id
        assert [r.copies for r in reach(config.targets, readers=False)] == [1], editor.id


def test_every_editor_with_dedupe_reads_the_rules_once_but_copilot(repo, capsys):
    write(repo, ".airules.yml", every_editor_config(dedupe=True))
    assert main(["--fix"]) == 1
    capsys.readouterr()
    assert main([]) == 0
    out = capsys.readouterr().out
    # --strict fails only on the deprecated editors in the list, never on the note.
    assert main(["--strict", "--format", "json"]) == 1
    kinds = {(w["kind"], w["severity"]) for w in json.loads(capsys.readouterr().out)["warnings"]}
    assert kinds == {("deprecated-editor", "warning"), ("duplicate-rules", "note")}
    config = parse_config(every_editor_config(dedupe=True), ".airules.yml")
    copies = {r.id: r.copies for r in reach(arrange(config.targets, True))}
    assert set(copies) == set(EDITORS) | set(READERS)
    assert {k for k, v in copies.items() if v != 1} == {"copilot", "copilot-path"}
    assert copies["copilot"] == 2
    # The duplicate no arrangement avoids is named, once, as a note --strict does not fail on.
    notes = [line for line in out.splitlines() if ": note: " in line]
    assert notes == [
        ".github/copilot-instructions.md: note: GitHub Copilot reads the rules 2 times "
        "(.github/copilot-instructions.md, AGENTS.md (Copilot CLI)); no arrangement of these "
        "targets avoids it: Copilot CLI also reads AGENTS.md"
    ]
    assert not [line for line in out.splitlines() if "warning" in line and "deprecated" not in line]
    for name in ("QWEN.md", ".clinerules/ai-rules.md", ".cursor/rules/ai-rules.mdc"):
        assert f"{name}: ok: served by AGENTS.md\n" in out
        assert not (repo / name).exists()
    for name in ("CLAUDE.md", "GEMINI.md", "CODEBUDDY.md"):
        text = (repo / name).read_text()
        assert "\n@AGENTS.md\n" in text and "Write tests first" not in text, name
    assert "Write tests first" in (repo / "AGENTS.md").read_text()
    assert "read: CONVENTIONS.md" in (repo / ".aider.conf.yml").read_text()


def test_every_editor_without_dedupe_warns_of_each_duplicate(repo, capsys):
    write(repo, ".airules.yml", every_editor_config(dedupe=False))
    assert main(["--fix"]) == 1
    capsys.readouterr()
    assert main(["--strict", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    dup = {w["path"]: w for w in doc["warnings"] if w["kind"] == "duplicate-rules"}
    assert dup[".openhands/microagents/repo.md"]["message"].startswith(
        "OpenHands reads the rules 4 times (.openhands/microagents/repo.md, AGENTS.md, "
        "CLAUDE.md, GEMINI.md); add `dedupe: true`"
    )
    assert (
        "Augment / Auggie reads the rules 3 times" in dup[".augment/rules/ai-rules.md"]["message"]
    )
    assert {w["severity"] for w in dup.values()} == {"warning"}
    assert {"QWEN.md", ".clinerules/ai-rules.md", ".kilocode/rules/ai-rules.md"} <= set(dup)
    assert "CLAUDE.md" not in dup and "AGENTS.md" not in dup


def test_served_target_left_on_disk_is_a_second_copy_to_delete(repo, capsys):
    write(repo, ".airules.yml", "targets: [agents, cline]\n")
    assert main(["--fix"]) == 1
    write(repo, ".airules.yml", "dedupe: true\ntargets: [agents, cline]\n")
    capsys.readouterr()
    assert main([]) == 0
    out = capsys.readouterr().out
    assert ".clinerules/ai-rules.md: ok: served by AGENTS.md\n" in out
    assert (
        ".clinerules/ai-rules.md: warning: Cline reads the rules in AGENTS.md (dedupe: true), "
        "so this file is a second copy; delete it\n"
    ) in out
    assert main(["--strict"]) == 1
    assert (repo / ".clinerules/ai-rules.md").is_file(), "airules never deletes a file"


def test_limiting_a_run_to_one_editor_keeps_the_arrangement(repo, capsys):
    write(repo, ".airules.yml", "dedupe: true\ntargets: [claude, agents, qwen]\n")
    assert main(["--fix"]) == 1
    capsys.readouterr()
    assert main(["--qwen"]) == 0
    assert capsys.readouterr().out == "QWEN.md: ok: served by AGENTS.md\n"
    assert main(["--claude", "--fix"]) == 0
    assert not (repo / "QWEN.md").exists()


def test_nested_sources_get_their_own_pointer(repo, capsys):
    from conftest import git

    write(repo, ".airules.yml", "nested: true\ndedupe: true\ntargets: [claude, agents]\n")
    write(repo, "packages/api/ai-rules.md", "# API rules\n\n- Version every endpoint.\n")
    git(repo, "add", "-A")
    assert main(["--fix"]) == 1
    inner = (repo / "packages/api/CLAUDE.md").read_text()
    assert "\n@AGENTS.md\n" in inner
    assert "Version every endpoint" in (repo / "packages/api/AGENTS.md").read_text()
    capsys.readouterr()
    assert main(["--explain"]) == 0
    out = capsys.readouterr().out
    assert "claude: Claude Code reads packages/api/CLAUDE.md (@AGENTS.md): the rules 1 time" in out


def test_explain_prints_each_editor_with_its_files_and_count(repo, capsys):
    write(repo, ".airules.yml", "dedupe: true\ntargets: [claude, agents, cline, copilot]\n")
    assert main(["--explain"]) == 0
    assert capsys.readouterr().out == (
        "airules: dedupe is on\n"
        "claude: Claude Code reads CLAUDE.md (@AGENTS.md): the rules 1 time\n"
        "agents: AGENTS.md (Codex, Jules, Amp, OpenCode, Zed, ...) reads AGENTS.md: "
        "the rules 1 time\n"
        "cline: Cline reads AGENTS.md: the rules 1 time "
        "(served by AGENTS.md; .clinerules/ai-rules.md is not written)\n"
        "copilot: GitHub Copilot reads .github/copilot-instructions.md, AGENTS.md (Copilot CLI), "
        "CLAUDE.md (@AGENTS.md) (Copilot CLI): the rules 2 times\n"
        "Agents without a file of their own:\n"
        "  opencode: OpenCode reads AGENTS.md: the rules 1 time\n"
        "  factory: Factory Droid reads AGENTS.md, CLAUDE.md (@AGENTS.md): the rules 1 time\n"
        "  rovodev: Rovo Dev CLI reads AGENTS.md: the rules 1 time\n"
    )
    assert sorted(p.name for p in repo.iterdir()) == [".airules.yml", ".git", "ai-rules.md"]
    assert main(["--explain", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    cline = next(e for e in doc["editors"] if e["id"] == "cline")
    assert cline == {
        "id": "cline",
        "path": ".clinerules/ai-rules.md",
        "files": ["AGENTS.md"],
        "copies": 1,
        "served_by": "AGENTS.md",
    }


def test_explain_without_dedupe_shows_the_duplicates(repo, capsys):
    write(repo, ".airules.yml", "targets: [agents, qwen]\n")
    assert main(["--explain"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("airules: dedupe is off (add `dedupe: true` to serve each editor once)\n")
    assert "qwen: Qwen Code reads QWEN.md, AGENTS.md: the rules 2 times\n" in out


def test_explain_refuses_fix(repo, capsys):
    write(repo, ".airules.yml", "targets: [agents]\n")
    assert main(["--explain", "--fix"]) == 2
    assert "--explain: changes nothing" in capsys.readouterr().err


def test_list_format_json_is_the_registry(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--list", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["version"] == 1
    assert [e["id"] for e in doc["editors"]] == list(EDITORS)
    assert [r["id"] for r in doc["readers"]] == list(READERS)
    claude = next(e for e in doc["editors"] if e["id"] == "claude")
    assert claude["path"] == "CLAUDE.md" and claude["imports"] is True
    assert {"paths": ["AGENTS.md"], "when": "fallback", "unless": "CLAUDE.md"}.items() <= next(
        r for r in claude["reads"] if r["when"] == "fallback"
    ).items()
    aider = next(e for e in doc["editors"] if e["id"] == "aider")
    assert aider["reads"][0]["setting"] == {"file": ".aider.conf.yml", "key": "read"}
    copilot = next(e for e in doc["editors"] if e["id"] == "copilot")
    assert {r.get("surface") for r in copilot["reads"]} == {None, "Copilot CLI"}


def test_init_turns_dedupe_on(repo, capsys):
    assert main(["--init", "--claude", "--agents", "--cline"]) == 1
    assert "dedupe: true" in (repo / ".airules.yml").read_text()
    assert "\n@AGENTS.md\n" in (repo / "CLAUDE.md").read_text()
    assert not (repo / ".clinerules").exists()
    assert ".clinerules/ai-rules.md: ok: served by AGENTS.md\n" in capsys.readouterr().out


# The conformance harness's results (conformance/README.md): what each agent CLI really read.
RESULTS = json.loads(
    (Path(__file__).resolve().parent.parent / "conformance" / "results.json").read_text()
)
RAN = [r for r in RESULTS["runs"] if r["status"] == "ran"]
RECORDS = [*EDITORS.values(), *READERS.values()]


def cited(agent: str) -> list[str]:
    """The registry records whose read facts cite a conformance run of `agent`."""
    return [
        x.id
        for x in RECORDS
        if any(e.startswith(f"conformance:{agent}@") for r in x.reads for e in r.evidence)
    ]


def every_editor_files(dedupe: bool) -> tuple[list, set[str]]:
    """The targets of the harness's scratch repository, and the files airules writes there."""
    config = parse_config(every_editor_config(dedupe), ".airules.yml")
    targets = arrange(config.targets, dedupe)
    written = {t.path for t in targets if t.served_by is None}
    return targets, written


def test_every_conformance_fact_names_a_run_in_the_results_file():
    runs = {(r["agent"], r["version"]) for r in RAN}
    refs = {
        e.removeprefix("conformance:")
        for x in RECORDS
        for r in x.reads
        for e in r.evidence
        if e.startswith("conformance:")
    }
    assert refs
    for ref in sorted(refs):
        agent, version = ref.split("@")
        assert (agent, version) in runs, f"{ref}: no run in conformance/results.json"
    assert {r["agent"] for r in RAN} <= {a for a in (ref.split("@")[0] for ref in refs)}


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(r, id=f"{r['agent']}-{r['airules'] or 'main'}")
        for r in RAN
        if r["variant"] == "all"
    ],
)
def test_registry_facts_match_what_each_agent_read_with_every_editor(row):
    record = cited(row["agent"])[0]
    _, written = every_editor_files(dedupe=False)
    settings = {".aider.conf.yml": EDITORS["aider"].path}
    assert set(predict(record, written, settings)) == set(row["files_read"])
    for control in row["controls"]:
        present = written - {control["removed"]}
        assert set(predict(record, present, settings)) == set(control["files_read"]), control
    copies = len(predict(record, written, settings))
    if row["agent"] == "copilot":
        # Copilot CLI drops files that are byte for byte the same (CLAUDE.md, AGENTS.md and
        # GEMINI.md holding only the block), so fewer copies arrive than files it reads.
        assert row["copies"] <= copies
    else:
        assert row["copies"] == copies


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(r, id=f"{r['agent']}-{r['variant']}-{r['airules'] or 'main'}")
        for r in RAN
        if r["variant"] in ("dedupe", "aider")
    ],
)
def test_the_planner_predicts_each_agent_under_dedupe_and_aider_alone(row):
    record = cited(row["agent"])[0]
    if row["variant"] == "dedupe":
        targets, _ = every_editor_files(dedupe=True)
    else:
        targets = list(parse_config("targets: [aider]\n", ".airules.yml").targets)
    item = next(i for i in reach(targets) if i.id == record)
    files = {s.points_to or s.path for s in item.seen if s.copies}
    assert (files, item.copies) == (set(row["files_read"]), row["copies"])
    assert row["loaded"] == (item.copies > 0)


def test_scoped_rules_reach_served_and_pointing_editors_once_through_agents_md(repo, capsys):
    write(repo, "ai-rules/py.md", '---\npaths: ["src/**"]\n---\n- Python: type hints.\n')
    write(repo, ".airules.yml", "dedupe: true\ntargets: [claude, agents, cline, cursor]\n")
    assert main(["--fix"]) == 1
    assert main(["--strict"]) == 0
    files = sorted(
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    # No .claude/rules/, .clinerules/ or .cursor/rules/ copy of the scoped rule: AGENTS.md has it.
    assert files == [".airules.yml", "AGENTS.md", "CLAUDE.md", "ai-rules.md", "ai-rules/py.md"]
    assert "## For files matching `src/**`" in (repo / "AGENTS.md").read_text()
    assert "type hints" not in (repo / "CLAUDE.md").read_text()
