"""The deployment examples (deploy/: compose file, systemd units, environment file) run real
commands with real options and set only settings the code reads. There is no container engine
here, so the compose file is checked as data, not started."""

from __future__ import annotations

import configparser
import re
import shlex
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from typer.testing import CliRunner

from safeguarding.cases.settings import ConsoleSettings
from safeguarding.cli import app
from safeguarding.service.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
ENV_NAME = re.compile(r"\bSAFEGUARDING_[A-Z0-9_]*[A-Z0-9]\b")


def _cli() -> Any:
    """The CLI's command group (typer's own click, whichever it is)."""
    group = typer.main.get_command(app)
    assert hasattr(group, "commands")
    return group


def _known_env() -> set[str]:
    names = {"SAFEGUARDING_" + f.name.upper() for f in fields(Settings)}
    names |= {"SAFEGUARDING_CONSOLE_" + f.name.upper() for f in fields(ConsoleSettings)}
    for command in _cli().commands.values():
        for param in command.params:
            envvars = param.envvar if isinstance(param.envvar, list | tuple) else [param.envvar]
            names |= {e for e in envvars if e}
    return names


def _check_command(argv: list[str]) -> str:
    """``argv`` after the program name: a real command whose options all exist."""
    assert argv, "no command"
    command = _cli().commands.get(argv[0])
    assert command is not None, f"no command `safeguarding {argv[0]}`"
    rest = argv[1:]
    while hasattr(command, "commands"):  # a group (``insight rollup``): its sub-command
        assert rest, f"`safeguarding {argv[0]}` needs a sub-command"
        command = command.commands.get(rest[0])
        assert command is not None, f"no command `safeguarding {argv[0]} {rest[0]}`"
        rest = rest[1:]
    options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
    for token in rest:
        if token.startswith("--"):
            assert token.split("=", 1)[0] in options, f"`{argv[0]}` has no option {token}"
    return argv[0]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_the_roles_on_postgres_and_jetstream() -> None:
    services = _compose()["services"]
    assert {"postgres", "nats", "api", "worker", "webhooks", "rollup"} <= set(services)
    assert "--jetstream" in services["nats"]["command"]
    assert services["postgres"]["image"].startswith("postgres:")
    roles = {
        name: _check_command(services[name]["command"])
        for name in ("api", "worker", "webhooks", "rollup")
    }
    assert roles == {
        "api": "serve",
        "worker": "worker",
        "webhooks": "webhooks",
        "rollup": "insight",
    }
    assert "--queue" in services["api"]["command"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("api", "worker", "webhooks"):
        env = services[name]["environment"]
        assert env["SAFEGUARDING_DB_URL"].startswith("postgresql://")
        assert env["SAFEGUARDING_QUEUE_URL"] == "nats://nats:4222"
        assert set(env) <= _known_env(), set(env) - _known_env()
    # the API leaves sending to the webhooks role; every role drains on SIGTERM
    assert services["api"]["environment"]["SAFEGUARDING_WEBHOOKS_ENABLED"] == "0"
    assert all(services[n]["stop_signal"] == "SIGTERM" for n in ("api", "worker", "webhooks"))
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["safeguarding"]' in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies a missing {source}"
    assert services["api"]["build"]["dockerfile"] == "deploy/Dockerfile"


def test_compose_needs_a_password_and_hard_codes_none() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert "${POSTGRES_PASSWORD:?" in text
    assert not re.search(r"PASSWORD:\s*[\"']?\w", text.replace("${POSTGRES_PASSWORD", ""))


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_start_real_commands(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit, encoding="utf-8")
    service = parser["Service"]
    program, *argv = shlex.split(service["ExecStart"])
    assert program.endswith("/safeguarding")
    _check_command(argv)
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] == "safeguarding"
    assert service["EnvironmentFile"] == "/etc/safeguarding/safeguarding.env"
    unknown = set(ENV_NAME.findall(unit.read_text(encoding="utf-8"))) - _known_env()
    assert not unknown, f"{unit.name} sets settings the code does not read: {unknown}"


def test_the_units_cover_every_role() -> None:
    names = {u.name for u in UNITS}
    assert names == {
        "safeguarding-api.service",
        "safeguarding-worker@.service",
        "safeguarding-webhooks.service",
        "safeguarding-rollup.service",
    }


def test_environment_file_sets_known_settings_only() -> None:
    lines = (DEPLOY / "systemd" / "safeguarding.env").read_text(encoding="utf-8").splitlines()
    names = {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}
    assert "SAFEGUARDING_DB_URL" in names and "SAFEGUARDING_QUEUE_URL" in names
    assert names <= _known_env(), names - _known_env()


def test_host_port_and_sender_threads_come_from_the_environment(monkeypatch, tmp_path) -> None:
    import safeguarding.api.server as server
    import safeguarding.cli.webhooks as webhooks_cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(
        server, "serve", lambda settings, host, port, *a: seen.update(host=host, port=port)
    )
    env = {"SAFEGUARDING_HOST": "0.0.0.0", "SAFEGUARDING_PORT": "8123"}
    result = CliRunner().invoke(app, ["serve", "--db", f"sqlite:///{tmp_path}/a.db"], env=env)
    assert result.exit_code == 0, result.output
    assert seen == {"host": "0.0.0.0", "port": 8123}

    def fake(repo: Any, settings: Any, threads: int) -> Any:
        seen["threads"] = threads
        raise webhooks_cli.SenderConfigError("stop here")

    monkeypatch.setattr(webhooks_cli, "WebhookSenders", fake)
    result = CliRunner().invoke(
        app,
        ["webhooks", "--db", f"sqlite:///{tmp_path}/b.db"],
        env={"SAFEGUARDING_WEBHOOK_THREADS": "3"},
    )
    assert result.exit_code == 2 and seen["threads"] == 3


def test_scale_out_docs_name_the_deploy_files_and_real_commands() -> None:
    text = (ROOT / "docs" / "scale-out.md").read_text(encoding="utf-8")
    section = text.split("## Deployment", 1)[1]
    for path in [
        "deploy/compose.yaml",
        "deploy/Dockerfile",
        *(f"deploy/systemd/{u.name}" for u in UNITS),
    ]:
        assert path in section, path
        assert (ROOT / path).exists(), path
    assert "deploy/systemd/safeguarding.env" in section
    for line in re.findall(r"^safeguarding (.+)$", section, flags=re.M):
        _check_command(shlex.split(line.split("  #", 1)[0]))
    for name in set(ENV_NAME.findall(section)):
        assert name in _known_env(), name
