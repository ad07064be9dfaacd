"""The review console: server-rendered pages at ``/console`` (FastAPI, Jinja2, a little htmx).

Routes, templates and static files only; every rule (who may see what, claims, decisions,
audit) is the cases stage's. :func:`mount_console` adds it to the API app.
"""

from safeguarding.console.app import ConsoleState, mount_console

__all__ = ["ConsoleState", "mount_console"]
