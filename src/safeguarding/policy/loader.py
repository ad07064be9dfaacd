"""Load and validate a policy file, reporting every problem with its line.

PyYAML's composer keeps each node's position; the file is turned into plain Python data
while a map from key path to line is recorded, so a pydantic error at
``rules.2.when.tactics_any`` is reported as ``policy.yaml:31``. Duplicate keys, which YAML
otherwise lets through silently, are refused. After schema validation the policy must
escalate every severe alert (see ``check_severe_coverage``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from safeguarding.domain import AlertLevel, Assessment, Participant
from safeguarding.policy.evaluator import evaluate
from safeguarding.policy.facts import PolicyInput
from safeguarding.policy.registry import ActionType
from safeguarding.policy.schema import (
    AccountSignalSettings,
    Condition,
    Helplines,
    HelplineService,
    LocaleHelplines,
    Policy,
    Rule,
    Settings,
)

DEFAULT_POLICY_RESOURCE = "default_policy.yaml"
Path_ = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    line: int | None
    where: str
    message: str

    def format(self, source: str) -> str:
        loc = f"{source}:{self.line}" if self.line else source
        return f"{loc}: {self.where}: {self.message}" if self.where else f"{loc}: {self.message}"


class PolicyError(ValueError):
    """A policy was refused; ``issues`` lists each problem with its line."""

    def __init__(self, source: str, issues: list[PolicyIssue]):
        self.source = source
        self.issues = issues
        super().__init__("\n".join(i.format(source) for i in issues))


def load_policy(path: str | Path) -> Policy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), [PolicyIssue(None, "", f"cannot read: {exc}")]) from exc
    return parse_policy(text, source=str(path))


def default_policy_text() -> str:
    return resources.files("safeguarding.policy").joinpath(DEFAULT_POLICY_RESOURCE).read_text()


def load_default_policy() -> Policy:
    return parse_policy(default_policy_text(), source=DEFAULT_POLICY_RESOURCE)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    data, lines = _read_yaml(text, source)
    if not isinstance(data, dict):
        raise PolicyError(source, [PolicyIssue(1, "", "a policy is a mapping (policy, rules...)")])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, [_issue(err, lines) for err in exc.errors()]) from None
    gaps = check_severe_coverage(policy)
    if gaps:
        line = lines.get(("rules",))
        raise PolicyError(source, [PolicyIssue(line, "rules", g) for g in gaps])
    return policy


# --- YAML with positions ---------------------------------------------------------------------


def _read_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError(source, [PolicyIssue(1, "", "the file is empty")])
        lines: dict[Path_, int] = {}
        data = _build(loader, node, (), lines, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise PolicyError(
            source, [PolicyIssue(line, "", f"not valid YAML: {exc.problem}")]
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(source, [PolicyIssue(None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, lines


def _build(
    loader: yaml.SafeLoader, node: yaml.Node, path: Path_, lines: dict[Path_, int], source: str
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise PolicyError(source, [PolicyIssue(line, "", f"key {key!r} is not text")])
            if key in out:
                where = ".".join(str(p) for p in (*path, key))
                raise PolicyError(source, [PolicyIssue(line, where, "duplicate key")])
            lines[(*path, key)] = line
            out[key] = _build(loader, value_node, (*path, key), lines, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(loader, child, (*path, i), lines, source) for i, child in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


# --- errors ----------------------------------------------------------------------------------

_MODELS: tuple[type[BaseModel], ...] = (
    Policy,
    Rule,
    Condition,
    Settings,
    AccountSignalSettings,
    Helplines,
    LocaleHelplines,
    HelplineService,
)
_KNOWN_KEYS = sorted({name for m in _MODELS for name in m.model_fields})


def _issue(err: Any, lines: dict[Path_, int]) -> PolicyIssue:
    loc: Path_ = tuple(p for p in err["loc"] if isinstance(p, str | int))
    where = ".".join(str(p) for p in loc)
    line = None
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    msg = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "extra_forbidden" and loc:
        name = str(loc[-1])
        close = difflib.get_close_matches(name, _KNOWN_KEYS, n=1)
        msg = f"unknown field {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "string_type" and isinstance(err.get("input"), bool):
        msg += " (YAML reads yes/no/on/off as true/false: put the value in quotes)"
    return PolicyIssue(line, where, msg)


# --- semantic checks -------------------------------------------------------------------------

_PROBE_AGES: tuple[tuple[str, int | None], ...] = (("child", 10), ("teen", 15), ("unknown", None))
_PROBE_OTHER: tuple[int | None, ...] = (35, 16, None)
_PROBE_TACTICS: tuple[dict[str, list[int]], ...] = ({}, {"meeting": [0]}, {"threat": [0]})


def check_severe_coverage(policy: Policy) -> list[str]:
    """Every alert or urgent assessment involving a possible minor must be escalated.

    The policy is run on synthetic probes (levels alert and urgent; child, teen or unknown age;
    adult, teen or unknown other account; connected or not; low to high risk). A policy that
    leaves any of them without ``escalate_review`` is refused: a severe alert must reach a human.
    """
    gaps: list[str] = []
    for level in (AlertLevel.ALERT, AlertLevel.URGENT):
        for band, child_age in _PROBE_AGES:
            for other_age in _PROBE_OTHER:
                for connected in (True, False, None):
                    for tactics in _PROBE_TACTICS:
                        for risk in (0.3, 0.6, 0.95):
                            facts = _probe(level, risk, child_age, other_age, connected, tactics)
                            decision = evaluate(policy, facts, shadow=True)
                            if ActionType.ESCALATE_REVIEW not in decision.actions:
                                gaps.append(
                                    f"no rule escalates a {level.label} alert (child {band}, "
                                    f"other account age {other_age}, connected {connected}, "
                                    f"tactics {list(tactics) or 'none'}, risk {risk}); add a rule "
                                    "with level_at_least: alert and actions: [escalate_review]"
                                )
                                return gaps
    return gaps


def _probe(
    level: AlertLevel,
    risk: float,
    child_age: int | None,
    other_age: int | None,
    connected: bool | None,
    tactics: dict[str, list[int]],
) -> PolicyInput:
    child = Participant("probe-child", declared_age=child_age, connected=connected)
    other = Participant("probe-other", declared_age=other_age, connected=connected)
    assessment = Assessment(
        conversation_id="probe",
        message_index=0,
        risk=risk,
        level=level,
        offender=other.id,
        at_risk=child.id,
        tactics=tactics,
        first_alert_index=0,
    )
    return PolicyInput.build(assessment, [other, child], latest_sender=other.id)
