"""Roles and what each may do: the one place the console asks "may this person ...?".

Least privilege: an admin manages people and limits but reads no case; an auditor reads the
audit log and the insight figures (counts, never content); the restricted child-safety queue
and reports to the authorities are for cleared roles (specialist, lead).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MODERATOR = "moderator"
    SPECIALIST = "specialist"
    LEAD = "lead"
    ADMIN = "admin"
    AUDITOR = "auditor"


class Permission(StrEnum):
    REVIEW = "review"  # see queues and cases, claim and decide
    RESTRICTED = "restricted"  # restricted (child-safety) queues and their cases
    REPORT = "report"  # prepare a report to the authorities
    BULK = "bulk"  # bulk decisions, team time in queue
    USERS = "users"  # manage people and wellbeing limits
    AUDIT = "audit"  # read the audit log
    INSIGHT = "insight"  # trends, patterns, transparency (pseudonymised; real ids: lead only)


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.MODERATOR: frozenset({Permission.REVIEW}),
    Role.SPECIALIST: frozenset({Permission.REVIEW, Permission.RESTRICTED, Permission.REPORT}),
    Role.LEAD: frozenset(
        {
            Permission.REVIEW,
            Permission.RESTRICTED,
            Permission.REPORT,
            Permission.BULK,
            Permission.INSIGHT,
        }
    ),
    Role.ADMIN: frozenset({Permission.USERS, Permission.AUDIT}),
    Role.AUDITOR: frozenset({Permission.AUDIT, Permission.INSIGHT}),
}


def may(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
