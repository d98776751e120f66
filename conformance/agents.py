"""How each agent CLI is run headless against the fake API: data, one record per agent.

Placeholders: {bin} the installed binary, {prompt} the prompt, {url} the fake API's base URL,
{home} the scratch HOME, {repo} the scratch repository. Versions are pinned in versions.json;
the key of each record here is its key there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Agent:
    key: str
    title: str
    # Relative to the agent's install folder in the cache.
    binary: str
    cmd: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    # Commands run first, in the same environment (an agent configured by its own CLI).
    setup: tuple[tuple[str, ...], ...] = ()
    # Files written into the scratch HOME before each run (config that points at the fake).
    home_files: dict[str, str] = field(default_factory=dict)
    # Needs Node.js >= 22 (the machine's may be older): run with the pinned node on PATH.
    node22: bool = False
    timeout: int = 180
    # Set when the agent cannot run against a model API we control: the exact reason.
    blocked: str = ""
    docs: str = ""
    # Said with every result of this agent (how it was driven, where that differs).
    note: str = ""


def _json(value: object) -> str:
    return json.dumps(value, indent=2)


NPM = "node_modules/.bin/"
# OpenCode and its fork Kilo: one OpenAI-compatible provider at the fake API.
_OPENCODE_CONFIG = _json(
    {
        "provider": {
            "fake": {
                "npm": "@ai-sdk/openai-compatible",
                "name": "Fake",
                "options": {"baseURL": "{url}/v1", "apiKey": "sk-fake"},
                "models": {"fake-model": {"name": "Fake model"}},
            }
        },
        "model": "fake/fake-model",
        "autoupdate": False,
        "share": "disabled",
    }
)
VENV = "venv/bin/"

AGENTS: dict[str, Agent] = {
    a.key: a
    for a in [
        Agent(
            key="claude",
            title="Claude Code",
            binary=NPM + "claude",
            cmd=("{bin}", "-p", "{prompt}"),
            env={
                "ANTHROPIC_BASE_URL": "{url}",
                "ANTHROPIC_API_KEY": "sk-ant-fake",
                "DISABLE_AUTOUPDATER": "1",
                "DISABLE_TELEMETRY": "1",
                "DISABLE_ERROR_REPORTING": "1",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            },
            docs="https://code.claude.com/docs/en/settings#environment-variables",
        ),
        Agent(
            key="codex",
            title="Codex CLI",
            binary=NPM + "codex",
            cmd=(
                "{bin}",
                "exec",
                "--skip-git-repo-check",
                "-c",
                'model_provider="fake"',
                "-c",
                'model="gpt-5"',
                "{prompt}",
            ),
            env={"CODEX_HOME": "{home}/.codex", "FAKE_API_KEY": "sk-fake"},
            home_files={
                ".codex/config.toml": (
                    "[analytics]\nenabled = false\n\n"
                    "[model_providers.fake]\n"
                    'name = "fake"\n'
                    'base_url = "{url}/v1"\n'
                    'env_key = "FAKE_API_KEY"\n'
                    'wire_api = "responses"\n'
                ),
            },
            docs="https://developers.openai.com/codex/config-advanced",
        ),
        Agent(
            key="gemini",
            title="Gemini CLI",
            binary=NPM + "gemini",
            cmd=("{bin}", "-p", "{prompt}", "-m", "gemini-2.5-pro"),
            env={
                "GEMINI_API_KEY": "fake-key",
                "GOOGLE_GEMINI_BASE_URL": "{url}",
                "GEMINI_CLI_NO_RELAUNCH": "true",
                "GEMINI_CLI_TRUST_WORKSPACE": "true",
            },
            home_files={
                ".gemini/settings.json": _json(
                    {
                        "security": {"auth": {"selectedType": "gemini-api-key"}},
                        "privacy": {"usageStatisticsEnabled": False},
                        "telemetry": {"enabled": False},
                        "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
                    }
                )
            },
            docs="https://github.com/google-gemini/gemini-cli/blob/main/docs/get-started/configuration.md",
        ),
        Agent(
            key="qwen",
            title="Qwen Code",
            binary=NPM + "qwen",
            cmd=("{bin}", "-p", "{prompt}"),
            env={
                "OPENAI_API_KEY": "sk-fake",
                "OPENAI_BASE_URL": "{url}/v1",
                "OPENAI_MODEL": "fake-model",
            },
            home_files={
                ".qwen/settings.json": _json(
                    {
                        "security": {"auth": {"selectedType": "openai"}},
                        "privacy": {"usageStatisticsEnabled": False},
                        "telemetry": {"enabled": False},
                        "general": {"disableAutoUpdate": True},
                    }
                )
            },
            node22=True,
            docs="https://qwenlm.github.io/qwen-code-docs/en/users/configuration/settings/",
        ),
        Agent(
            key="copilot",
            title="GitHub Copilot CLI",
            binary=NPM + "copilot",
            cmd=("{bin}", "-p", "{prompt}", "--allow-all-tools", "--no-auto-update"),
            env={
                "COPILOT_OFFLINE": "true",
                "COPILOT_PROVIDER_BASE_URL": "{url}/v1",
                "COPILOT_PROVIDER_API_KEY": "sk-fake",
                "COPILOT_MODEL": "gpt-5",
                "COPILOT_AUTO_UPDATE": "false",
            },
            docs="https://docs.github.com/en/copilot/how-tos/copilot-cli",
            note="offline mode with a BYOK provider; no GitHub login",
        ),
        Agent(
            key="opencode",
            title="OpenCode",
            binary=NPM + "opencode",
            cmd=("{bin}", "run", "--model", "fake/fake-model", "{prompt}"),
            env={
                "OPENCODE_CONFIG": "{home}/fake-provider.json",
                "OPENCODE_DISABLE_AUTOUPDATE": "1",
                "OPENCODE_DISABLE_MODELS_FETCH": "1",
                "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
                "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
            },
            home_files={"fake-provider.json": _OPENCODE_CONFIG},
            docs="https://opencode.ai/docs/config/",
        ),
        Agent(
            key="kilo",
            title="Kilo CLI",
            binary=NPM + "kilo",
            cmd=("{bin}", "run", "--model", "fake/fake-model", "{prompt}"),
            env={
                "KILO_CONFIG": "{home}/fake-provider.json",
                "KILO_DISABLE_AUTOUPDATE": "1",
                "KILO_DISABLE_MODELS_FETCH": "1",
                "KILO_DISABLE_LSP_DOWNLOAD": "1",
                "KILO_DISABLE_DEFAULT_PLUGINS": "1",
            },
            home_files={"fake-provider.json": _OPENCODE_CONFIG},
            docs="https://kilo.ai/docs/cli",
        ),
        Agent(
            key="cline",
            title="Cline CLI",
            binary=NPM + "cline",
            setup=(
                (
                    "{bin}",
                    "auth",
                    "-p",
                    "openai",
                    "-k",
                    "sk-fake",
                    "-m",
                    "fake-model",
                    "-b",
                    "{url}/v1",
                ),
            ),
            cmd=("{bin}", "--json", "{prompt}"),
            env={"CLINE_TELEMETRY_DISABLED": "1", "CLINE_DISABLE_AUTO_UPDATE": "1"},
            docs="https://docs.cline.bot/cline-cli/overview",
        ),
        Agent(
            key="continue",
            title="Continue CLI",
            binary=NPM + "cn",
            cmd=("{bin}", "-p", "{prompt}", "--config", "{home}/fake-config.yaml"),
            env={
                "CONTINUE_CLI_ENABLE_TELEMETRY": "0",
                "CONTINUE_METRICS_ENABLED": "0",
                "CONTINUE_GLOBAL_DIR": "{home}/.continue",
            },
            home_files={
                "fake-config.yaml": (
                    "name: fake\nversion: 0.0.1\nschema: v1\nmodels:\n"
                    "  - name: fake\n    provider: openai\n    model: fake-model\n"
                    "    apiBase: {url}/v1\n    apiKey: sk-fake\n"
                    "    roles: [chat, edit, apply]\n"
                )
            },
            docs="https://docs.continue.dev/guides/cli",
        ),
        Agent(
            key="droid",
            title="Factory Droid",
            binary="node_modules/@factory/cli-linux-x64/bin/droid",
            cmd=("{bin}", "exec", "-m", "custom:fake-model", "{prompt}"),
            env={"FAKE_API_KEY": "sk-fake"},
            home_files={
                ".factory/settings.json": _json(
                    {
                        "customModels": [
                            {
                                "model": "fake-model",
                                "displayName": "fake-model",
                                "baseUrl": "{url}/v1",
                                "apiKey": "${FAKE_API_KEY}",
                                "provider": "generic-chat-completion-api",
                                "maxOutputTokens": 4096,
                            }
                        ],
                        "enableTelemetry": False,
                    }
                )
            },
            docs="https://docs.factory.ai/cli/byok/overview",
            note="driven through a BYOK custom model; no Factory login",
        ),
        Agent(
            key="auggie",
            title="Auggie (Augment CLI)",
            binary=NPM + "auggie",
            cmd=("{bin}", "--print", "--quiet", "--max-turns", "1", "{prompt}"),
            env={
                # Braces doubled: the value is a format string ({url} is filled in).
                "AUGMENT_SESSION_AUTH": (
                    '{{"accessToken": "fake-token", "tenantURL": "{url}/", '
                    '"scopes": ["read", "write"]}}'
                ),
                "AUGMENT_DISABLE_AUTO_UPDATE": "1",
            },
            node22=True,
            docs="https://docs.augmentcode.com/cli/automation",
            note=(
                "talks to Augment's own backend, not a model API: the fake records its"
                " /chat-stream request and answers it with an empty reply"
            ),
        ),
        Agent(
            key="aider",
            title="Aider",
            binary=VENV + "aider",
            cmd=(
                "{bin}",
                "--message",
                "{prompt}",
                "--model",
                "openai/fake-model",
                "--yes-always",
                "--no-auto-commits",
                "--no-check-update",
                "--analytics-disable",
                "--no-show-model-warnings",
                "--no-pretty",
            ),
            env={
                "OPENAI_API_BASE": "{url}/v1",
                "OPENAI_API_KEY": "sk-fake",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            },
            docs="https://aider.chat/docs/usage/conventions.html",
        ),
        Agent(
            key="openhands",
            title="OpenHands CLI",
            binary=VENV + "openhands",
            cmd=("{bin}", "--headless", "--override-with-envs", "-t", "{prompt}"),
            env={
                "LLM_API_KEY": "sk-fake",
                "LLM_MODEL": "openai/fake-model",
                "LLM_BASE_URL": "{url}/v1",
                "OPENHANDS_SUPPRESS_BANNER": "1",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            },
            timeout=300,
            docs="https://docs.openhands.dev/openhands/usage/cli/headless",
        ),
    ]
}
