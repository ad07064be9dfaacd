"""Load and validate a policy file, reporting every problem with its line.

PyYAML's composer keeps each node's position; the file is turned into plain Python data
while a map from key path to line is recorded, so a pydantic error at
``rules.2.when.tactics_any`` is reported as ``policy.yaml:31``. Duplicate keys, which YAML
otherwise lets through silently, are refused. So are YAML aliases (``*name``): a few hundred
bytes of nested aliases expand to gigabytes (the "billion laughs"), and a policy has no need
for them; the file is capped at ``MAX_POLICY_BYTES`` and its nesting at ``MAX_DEPTH``. After
schema validation the policy must escalate every severe alert (see ``check_severe_coverage``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from safeguarding.policy.coverage import severe_coverage_gaps
from safeguarding.policy.schema import (
    AccountSignalSettings,
    Condition,
    HarmHelplines,
    Helplines,
    HelplineService,
    LocaleHelplines,
    Policy,
    Rule,
    Settings,
)

DEFAULT_POLICY_RESOURCE = "default_policy.yaml"
MAX_POLICY_BYTES = 256 * 1024  # the default policy is about 10 kB
MAX_DEPTH = 32  # nested mappings and lists (any_of inside none_of inside ...)
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
        with path.open("rb") as f:
            raw = f.read(MAX_POLICY_BYTES + 1)
        _check_size(len(raw), str(path))
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PolicyError(str(path), [PolicyIssue(None, "", f"cannot read: {reason}")]) from None
    return parse_policy(text, source=str(path))


def _check_size(size: int, source: str) -> None:
    if size > MAX_POLICY_BYTES:
        raise PolicyError(
            source, [PolicyIssue(None, "", f"larger than {MAX_POLICY_BYTES // 1024} kB")]
        )


def default_policy_text() -> str:
    return resources.files("safeguarding.policy").joinpath(DEFAULT_POLICY_RESOURCE).read_text()


def load_default_policy() -> Policy:
    return parse_policy(default_policy_text(), source=DEFAULT_POLICY_RESOURCE)


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    _check_size(len(text.encode("utf-8", "surrogatepass")), source)
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


class _NoAliasLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases and deep nesting before anything is built."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a policy", mark
            )
        if self.depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested over {MAX_DEPTH} deep", mark)
        self.depth += 1
        try:
            node: yaml.Node | None = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        return node


def _read_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    try:  # the reader refuses control and non-printable characters up front
        loader = _NoAliasLoader(text)
    except yaml.YAMLError as exc:
        raise PolicyError(source, [PolicyIssue(None, "", f"not valid YAML: {exc}")]) from None
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
    HarmHelplines,
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


def check_severe_coverage(policy: Policy) -> list[str]:
    """Every alert or urgent assessment involving a possible minor must be escalated.

    Proved over every input the rules can test (``policy.coverage``), not sampled: a policy
    that leaves any severe alert without ``escalate_review`` is refused, with one example.
    """
    return severe_coverage_gaps(policy)
