"""Command line interface: ``safeguarding COMMAND``.

Each stage contributes its own Typer sub-app or commands in its own module; this file only
wires them together, so adding a command never touches another stage's code.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="safeguarding",
    help="Detect grooming risk in conversations early, act on it, and report it.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# --- command registration (one line a module) ---------------------------------------------
from safeguarding.cli import console as _console  # noqa: E402,F401  users, audit, cases, bundles
from safeguarding.cli import detect as _detect  # noqa: E402,F401  scan, demo
from safeguarding.cli import evaluate as _evaluate  # noqa: E402,F401  eval, bench
from safeguarding.cli import exchanges as _exchanges  # noqa: E402,F401  exchanges sync
from safeguarding.cli import insight as _insight  # noqa: E402,F401  insight crime-stats
from safeguarding.cli import insight_transparency as _transparency  # noqa: E402,F401
from safeguarding.cli import insight_trends as _insight_trends  # noqa: E402,F401  insight trends
from safeguarding.cli import media as _media  # noqa: E402,F401  media hash/match/bank/matches/bench
from safeguarding.cli import policy as _policy  # noqa: E402,F401  policy validate/show/backtest
from safeguarding.cli import queue as _queue  # noqa: E402,F401  worker, dlq list/replay
from safeguarding.cli import reports as _reports  # noqa: E402,F401  reports ncmec/nca/dsa/list/referral
from safeguarding.cli import service as _service  # noqa: E402,F401  serve, keys, purge, loadtest
from safeguarding.cli import train as _train  # noqa: E402,F401  train, train --cv
from safeguarding.cli import webhooks as _webhooks  # noqa: E402,F401  webhooks (sender role)
