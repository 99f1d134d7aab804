"""Message text through Jinja2 templates (package data in ``alerts/templates``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from portal_kpi.alerts.labels import fmt_day, fmt_number, fmt_percent


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("portal_kpi.alerts", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_number
    env.filters["pct"] = fmt_percent
    env.filters["vnday"] = fmt_day
    return env


def render(name: str, **context: Any) -> str:
    """Render template ``name`` (``run.txt``, ``run.html``, …) with ``context``."""
    return environment().get_template(name).render(**context)


def render_subject(name: str, **context: Any) -> str:
    """A one-line subject: the template's text with its whitespace collapsed."""
    return " ".join(render(name, **context).split())
