"""Reporting configuration: secrets only through the environment, unknown keys refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from report_helpers import ENV, tenant_section

from safeguarding.reports.config import ReportConfigError, load_config, parse_tenant


def test_secrets_come_from_the_environment() -> None:
    config = parse_tenant(tenant_section(), ENV)
    assert config.ncmec.password == ENV["TEST_NCMEC_PASSWORD"] and config.dsa.token
    unset = parse_tenant(tenant_section(), {})  # a dry run needs none
    assert unset.ncmec.password == "" and unset.dsa.token == ""


@pytest.mark.parametrize(
    "change",
    [
        {"ncmec": {"password": "in-the-file"}},
        {"dsa": {"token": "in-the-file"}},
        {"ncmec": {"passwrod_env": "X"}},
        {"colour": "blue"},
        {"dsa": {"batch_size": 101}},
        {"reporter": {"fax": "0"}},
    ],
)
def test_refused(change: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(ReportConfigError):
        parse_tenant({**tenant_section(), **change}, ENV)


def test_file_by_tenant_id_or_name(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump({"tenants": {"demo": tenant_section()}}))
    assert load_config(path, ("t_1", "demo"), ENV).platform == "Example Chat"
    assert load_config(path, ("t_2", "other"), ENV).platform == ""
    path.write_text("- not a mapping")
    with pytest.raises(ReportConfigError):
        load_config(path, ("demo",), ENV)
