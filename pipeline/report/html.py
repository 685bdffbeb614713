"""HTML rendering of the athlete report and the coach's index (Jinja2, autoescaped)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache
from importlib import resources

import jinja2


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def stylesheet() -> str:
    """The report's CSS (screen and print), inlined into every page."""
    return resources.files("pipeline.report").joinpath("templates/style.css").read_text("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def report_html(content: dict, figures: list[dict], *, generated: str | None = None) -> str:
    """The self-contained HTML report: styles inline, figures as base64 PNG, no external URL."""
    return _environment().get_template("report.html.j2").render(
        **content, figures=figures, css=stylesheet(), generated=generated or _now()
    )


def index_html(rows: list[dict], *, generated: str | None = None) -> str:
    """The coach's overview: one row per athlete with a relative link to the report."""
    return _environment().get_template("index.html.j2").render(
        rows=rows, css=stylesheet(), generated=generated or _now()
    )
