"""Data flows one way: a stage imports only from itself and the stages before it."""

from __future__ import annotations

import ast
from pathlib import Path

import safeguarding

ROOT = Path(safeguarding.__file__).parent
# Each package with the packages it may import (besides itself).
ORDER = [
    "domain",
    "ingest",
    "normalise",
    "signals",
    "risk",
    "policy",
    "actions",
    "storage",
    "service",
    "cases",
    "reports",  # cases → reports: documents for authorities, read through storage
]
TOP = {
    "api",
    "console",
    "evaluation",
    "cli",
    "benchmarks",
}  # interfaces and tools on top of the flow
ALLOWED = {name: set(ORDER[:i]) for i, name in enumerate(ORDER)}
ALLOWED["storage"] = {"domain"}  # storage sits behind one interface, beside the flow
# The platform SDK imports nothing of ours, so the service may use its webhook signature
# scheme and the demo may drive the API with it.
# Insight reads what every stage stored (through storage) and changes nothing.
ALLOWED["insight"] = set(ORDER)
ALLOWED["client"] = set()
ALLOWED["service"] |= {"client"}
ALLOWED["evaluation"] = set(ORDER[:5])  # measures the detector: up to risk
# The review console (routes, templates, static) sits on the cases stage; the API mounts it.
# insight pages for leads and auditors (patterns, transparency report)
ALLOWED["console"] = set(ORDER) | {"insight"}
ALLOWED["api"] = set(ORDER) | {"client", "console", "insight"}
ALLOWED["cli"] = set(ORDER) | TOP | {"client", "insight"}
# Benchmarks and load generators measure every stage and drive the API, so they may import
# everything; nothing else imports them (only the CLI that runs them).
ALLOWED["benchmarks"] = set(ORDER) | (TOP - {"benchmarks", "cli"}) | {"client", "insight"}
# Shared helpers beside domain: importable from every stage (not the SDK); they import nothing
# of ours.
SHARED = {"measure"}
for _name in ALLOWED.keys() - {"client"}:
    ALLOWED[_name] |= SHARED
ALLOWED["measure"] = set()


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "safeguarding" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_package_has_a_place_in_the_flow() -> None:
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"data"}
    packages |= {p.stem for p in ROOT.glob("*.py") if p.stem != "__init__"}
    assert packages <= set(ALLOWED), sorted(packages - set(ALLOWED))


def test_imports_only_flow_forwards() -> None:
    wrong: list[str] = []
    for path in ROOT.rglob("*.py"):
        package = path.relative_to(ROOT).parts[0].removesuffix(".py")
        if package not in ALLOWED:
            continue
        for imported in _imports(path) - {package}:
            if imported not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports safeguarding.{imported}")
    assert not wrong, "\n".join(sorted(wrong))


def test_benchmarks_live_apart_from_the_product() -> None:
    """Load generators and benchmarks are in ``safeguarding.benchmarks``, not in a stage."""
    inside = sorted(
        str(rel)
        for path in ROOT.rglob("*.py")
        if (rel := path.relative_to(ROOT)).parts[0] not in {"benchmarks", "cli"}
        and ("bench" in path.stem or "loadtest" in path.stem)
    )
    assert inside == [], inside
    assert (ROOT / "benchmarks" / "loadtest.py").exists()
    assert (ROOT / "benchmarks" / "engine.py").exists()
    assert (ROOT / "benchmarks" / "media.py").exists()
