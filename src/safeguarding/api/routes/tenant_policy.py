"""A tenant's own policy: read it, set a new version, go back to the service's, read history.

Every route acts on the caller's tenant only (the key's tenant; no tenant id is taken from
the request), so one tenant's policy never affects, or shows through to, another's. Setting
needs the ``admin`` scope; reading needs ``read``. The service-wide policy is the operator's
(``safeguarding policy publish``), not any tenant's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from safeguarding.api.deps import Principal, ReadPrincipal, ServicesDep, require_scope
from safeguarding.api.problems import PROBLEM_SCHEMA
from safeguarding.api.schemas import (
    PolicyDocumentOut,
    PolicyOut,
    PolicyVersionOut,
    PolicyVersionPage,
)
from safeguarding.policy.loader import MAX_POLICY_BYTES, PolicyError
from safeguarding.service.policies import InForce
from safeguarding.service.problems import ProblemError
from safeguarding.storage.records import PolicyVersionRecord

router = APIRouter(tags=["policy"])
ERRORS = {code: PROBLEM_SCHEMA for code in (401, 403, 404, 422)}
AdminPrincipal = Annotated[Principal, Depends(require_scope("admin"))]
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


class PolicySetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(
        min_length=1, max_length=MAX_POLICY_BYTES, description="the policy file (YAML)"
    )


def _out(in_force: InForce) -> dict[str, Any]:
    p = in_force.policy
    return {
        "policy": p.policy,
        "version": p.version,
        "hash": p.content_hash,
        "label": p.label,
        "shadow": p.shadow,
        "follows_service": in_force.follows_service,
        "tenant_version": in_force.version if not in_force.follows_service else None,
        "service_version": in_force.service_version,
    }


def _version(r: PolicyVersionRecord, *, text: bool = False) -> dict[str, Any]:
    return {
        "version": r.version,
        "follows_service": r.text is None,
        "policy": r.name,
        "declared_version": r.declared_version,
        "hash": r.content_hash,
        "source": r.source,
        "created_by": r.created_by,
        "created_at": r.created_at,
        "text": r.text if text else None,
    }


@router.get("/v1/policy", response_model=PolicyDocumentOut, responses=ERRORS)  # type: ignore[arg-type]
def get_policy(principal: ReadPrincipal, services: ServicesDep) -> dict[str, Any]:
    """The policy in force for your tenant, with its rules as validated."""
    in_force = services.pipeline.actions.policies.in_force(principal.tenant_id)
    return _out(in_force) | {"document": in_force.policy.model_dump(mode="json")}


@router.put("/v1/policy", response_model=PolicyOut, responses=ERRORS)  # type: ignore[arg-type]
def set_policy(
    body: PolicySetIn, principal: AdminPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """Validate a policy file and make it your tenant's policy (a new version), in force from
    the next event. A refused file answers 422 with each problem's line; nothing is stored."""
    policies = services.pipeline.actions.policies
    try:
        in_force = policies.set(principal.tenant_id, body.text, created_by=principal.key_id)
    except PolicyError as exc:
        active = policies.in_force(principal.tenant_id).policy.label
        raise ProblemError(
            422,
            "Policy refused",
            f"The policy was refused; {active} stays in force.",
            errors=[{"line": i.line, "where": i.where, "reason": i.message} for i in exc.issues],
            active=active,
        ) from None
    return _out(in_force)


@router.delete("/v1/policy", response_model=PolicyOut, responses=ERRORS)  # type: ignore[arg-type]
def follow_service_policy(principal: AdminPrincipal, services: ServicesDep) -> dict[str, Any]:
    """Go back to the service-wide policy (stored as a new version of your tenant's)."""
    policies = services.pipeline.actions.policies
    return _out(policies.follow_service(principal.tenant_id, created_by=principal.key_id))


@router.post("/v1/policy/reload", response_model=PolicyOut, responses=ERRORS)  # type: ignore[arg-type]
def reload_policy(principal: AdminPrincipal, services: ServicesDep) -> dict[str, Any]:
    """Take up your tenant's latest stored version now (set through another process of the
    service) and the operator's latest service-wide one."""
    return _out(services.pipeline.actions.policies.reload(principal.tenant_id))


@router.get("/v1/policy/versions", response_model=PolicyVersionPage, responses=ERRORS)  # type: ignore[arg-type]
def list_policy_versions(
    principal: ReadPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None, Query(pattern="^[0-9]{1,9}$", description="from next_cursor")
    ] = None,
) -> dict[str, Any]:
    """Your tenant's policy versions, newest first (without their text)."""
    rows = services.repo.policy_versions(
        principal.tenant_id, before=int(cursor) if cursor else None, limit=limit
    )
    next_cursor = str(rows[-1].version) if len(rows) == limit and rows[-1].version > 1 else None
    return {"items": [_version(r) for r in rows], "next_cursor": next_cursor}


@router.get("/v1/policy/versions/{version}", response_model=PolicyVersionOut, responses=ERRORS)  # type: ignore[arg-type]
def get_policy_version(
    version: VersionNumber, principal: ReadPrincipal, services: ServicesDep
) -> dict[str, Any]:
    """One of your tenant's policy versions, with its text."""
    record = services.repo.policy_version(principal.tenant_id, version)
    if record is None:
        raise ProblemError(404, "Not found", f"Your tenant has no policy version {version}.")
    return _version(record, text=True)
