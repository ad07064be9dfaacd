"""Per-tenant reporting configuration: who the reporter is and where each authority is.

Read from a YAML file (``SAFEGUARDING_REPORTS_CONFIG`` or ``--config``) with one section per
tenant (by id or name). Secrets are never written in the file: ``*_env`` names the
environment variable that holds them (``password_env: NCMEC_PASSWORD``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

NCMEC_TEST_URL = "https://exttest.cybertip.org/ispws"
DSA_SANDBOX_URL = "https://transparency-sandbox.dsa.ec.europa.eu/api/v1"


class ReportConfigError(ValueError):
    """The reporting configuration is missing or refused; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class Reporter:
    """The platform's reporting person and company (NCMEC ``reporter``, NCA reporting person)."""

    company: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""
    terms_of_service: str = ""
    legal_url: str = ""


@dataclass(frozen=True, slots=True)
class NcmecSettings:
    base_url: str = NCMEC_TEST_URL
    username: str = ""
    password: str = ""
    timeout_s: float = 30.0
    attempts: int = 4
    backoff_s: float = 1.0
    # An unfinished CyberTip is deleted by NCMEC after 24 h; past this age a crashed
    # submission is retracted and filed afresh instead of resumed.
    resume_within_h: float = 23.0


@dataclass(frozen=True, slots=True)
class NcaSettings:
    sender: str = "file"
    options: dict[str, Any] = field(default_factory=dict)
    registration_id: str = ""
    retention_days: int = 5 * 365
    # Time frames per priority (hours); set them to what the regulation requires of you.
    time_frames_h: dict[str, int] = field(
        default_factory=lambda: {"urgent": 24, "high": 72, "standard": 168}
    )


@dataclass(frozen=True, slots=True)
class DsaSettings:
    endpoint: str = DSA_SANDBOX_URL
    token: str = ""
    territorial_scope: tuple[str, ...] = ()
    platform_name: str = ""
    batch_size: int = 100
    timeout_s: float = 30.0
    attempts: int = 4
    backoff_s: float = 1.0


@dataclass(frozen=True, slots=True)
class TenantReporting:
    """Everything the reports of one tenant need from configuration."""

    platform: str = ""
    chat_client: str = ""
    profile_url_template: str = ""  # e.g. "https://chat.example/u/{account}"
    reporter: Reporter = field(default_factory=Reporter)
    ncmec: NcmecSettings = field(default_factory=NcmecSettings)
    nca: NcaSettings = field(default_factory=NcaSettings)
    dsa: DsaSettings = field(default_factory=DsaSettings)

    def profile_url(self, account: str) -> str | None:
        return (
            self.profile_url_template.format(account=account) if self.profile_url_template else None
        )


def _secret(section: dict[str, Any], name: str, env: dict[str, str]) -> str:
    variable = section.get(f"{name}_env")
    if variable:
        # Unset is not an error here: dry runs need no credentials; sending checks them.
        return env.get(str(variable), "")
    if name in section:
        raise ReportConfigError(
            f"{name}: give {name}_env (an environment variable), not the secret"
        )
    return ""


def _pick(
    cls: type, section: dict[str, Any], where: str, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    known = {f for f in cls.__dataclass_fields__} - set(skip)  # type: ignore[attr-defined]
    unknown = set(section) - known - {f"{s}_env" for s in skip} - set(skip)
    if unknown:
        raise ReportConfigError(f"{where}: unknown keys {sorted(unknown)}")
    return {k: v for k, v in section.items() if k in known}


def parse_tenant(section: dict[str, Any], env: dict[str, str] | None = None) -> TenantReporting:
    env = dict(os.environ if env is None else env)
    if not isinstance(section, dict):
        raise ReportConfigError("a tenant's section must be a mapping")
    top = {k: v for k, v in section.items() if k not in {"reporter", "ncmec", "nca", "dsa"}}
    reporter = Reporter(**_pick(Reporter, section.get("reporter") or {}, "reporter"))
    n = section.get("ncmec") or {}
    ncmec = NcmecSettings(
        **_pick(NcmecSettings, n, "ncmec", ("username", "password")),
        username=str(n.get("username") or _secret(n, "username", env)),
        password=_secret(n, "password", env),
    )
    nca_section = dict(section.get("nca") or {})
    nca = NcaSettings(**_pick(NcaSettings, nca_section, "nca"))
    d = dict(section.get("dsa") or {})
    d["territorial_scope"] = tuple(d.get("territorial_scope") or ())
    dsa = DsaSettings(**_pick(DsaSettings, d, "dsa", ("token",)), token=_secret(d, "token", env))
    if not 1 <= dsa.batch_size <= 100:
        raise ReportConfigError("dsa.batch_size: 1..100 (the database takes 100 a call)")
    return TenantReporting(
        **_pick(TenantReporting, top, "tenant"), reporter=reporter, ncmec=ncmec, nca=nca, dsa=dsa
    )


def load_config(
    path: str | Path | None, tenant_keys: tuple[str, ...], env: dict[str, str] | None = None
) -> TenantReporting:
    """The configuration of the first of ``tenant_keys`` (id, then name) found in the file;
    defaults when no file is given (enough for dry runs and the file exporter)."""
    if not path:
        return TenantReporting()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ReportConfigError(f"cannot read the reports configuration {path}: {exc}") from exc
    tenants = data.get("tenants") if isinstance(data, dict) else None
    if not isinstance(tenants, dict):
        raise ReportConfigError(f"{path}: expected a 'tenants' mapping")
    for key in tenant_keys:
        if key in tenants:
            return parse_tenant(tenants[key] or {}, env)
    return TenantReporting()
