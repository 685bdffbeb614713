"""``write_reports``: per athlete report.html and report.pdf, and the coach's index.html."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import quote

from pipeline import store as st
from pipeline.config import Settings
from pipeline.errors import RunloadError
from pipeline.ingest.counts import last_upload_utc
from pipeline.report.content import report_content
from pipeline.report.figures import report_figures
from pipeline.report.html import index_html, report_html
from pipeline.report.inputs import read_report_inputs
from pipeline.report.overview import index_row
from pipeline.report.pdf import pdf_bytes

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
INDEX_HTML = "index.html"
# the coach's overview lists the athletes who need attention first
URGENCY = {"seek_care": 0, "reduce": 1, "hold": 2, "progress": 3}


def write_athlete_report(settings: Settings, athlete: str, *, as_of: date | None,
                         show_maps: bool = False) -> tuple[list[Path], dict]:
    """Write ``<reports_dir>/<athlete>/report.html`` and ``report.pdf``; return the paths and
    the report content (for the index)."""
    inputs = read_report_inputs(st.Store(settings.data_dir, athlete), as_of=as_of,
                                show_maps=show_maps)
    content = report_content(inputs, thresholds=settings.thresholds)
    html = report_html(content, report_figures(inputs, thresholds=settings.thresholds))
    folder = Path(settings.reports_dir) / athlete
    html_path, pdf_path = folder / REPORT_HTML, folder / REPORT_PDF
    # both are written in full before either replaces its old version: a kill while the PDF
    # renders (seconds) leaves the old pair, never a new HTML beside an old PDF
    swap_in({html_path: html.encode("utf-8"), pdf_path: pdf_bytes(html)})
    return [html_path, pdf_path], content


def swap_in(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary name, then rename them all into place."""
    staged: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged[path] = Path(tmp)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        for path, tmp in staged.items():
            os.replace(tmp, path)
        staged = {}
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def _not_analysed_row(athlete: str, last_upload: str | None) -> dict:
    return {"athlete": athlete, "status": "none", "label": "", "colour": "#777777",
            "stale": False, "data_through": None, "last_7_days_km": "–",
            "next_week": f"not analysed yet: run runload analyze --athlete {athlete}",
            "next_week_dates": "", "km_spark": "", "pain_spark": "",
            "pain_trend": pain_trend_missing(), "compliance": "–", "compliance_class": "none",
            "red_flags": [], "red_flag_titles": [], "trainer": [], "link": "", "as_of": "–",
            "last_upload": last_upload or "–"}


def last_upload_text(store: st.Store) -> str | None:
    """The date of the athlete's latest import (UTC), or None before any."""
    latest = last_upload_utc(st.read_sources(store))
    return latest.strftime("%Y-%m-%d") if latest is not None else None


def pain_trend_missing() -> dict:
    return {"direction": "no data", "arrow": "", "text": "–", "short": "–"}


def by_urgency(rows: list[dict]) -> list[dict]:
    """Index rows ordered seek care, reduce, hold, progress, not analysed; then by name."""
    return sorted(rows, key=lambda row: (URGENCY.get(row["status"], len(URGENCY)),
                                         row["athlete"]))


def write_reports(settings: Settings, *, athlete: str | None, as_of: date | None,
                  show_maps: bool = False) -> list[Path]:
    """Write the report of ``athlete``, or with ``athlete=None`` of every athlete plus
    ``<reports_dir>/index.html``; return the paths written.

    A single athlete without a recommendation is an error (run ``runload analyze`` first). In the
    overview such athletes get a row saying so, and no link, as long as one athlete has a report.
    """
    if athlete is not None:
        return write_athlete_report(settings, athlete, as_of=as_of, show_maps=show_maps)[0]
    names = st.athletes(settings.data_dir)
    if not names:
        raise RunloadError(f"no athletes under {settings.data_dir}: run `runload ingest` first")
    written: list[Path] = []
    rows = []
    for name in names:
        store = st.Store(settings.data_dir, name)
        if not store.recommendation_path.exists():
            rows.append(_not_analysed_row(name, last_upload_text(store)))
            continue
        paths, content = write_athlete_report(settings, name, as_of=as_of, show_maps=show_maps)
        written += paths
        rows.append(index_row(content, link=f"{quote(name)}/{REPORT_HTML}",
                              last_upload=last_upload_text(store)))
    if not written:
        raise RunloadError(
            f"no athlete under {settings.data_dir} has been analysed yet: run"
            " `runload analyze --athlete ID` (or `runload run --all`) first")
    rows = by_urgency(rows)
    index_path = Path(settings.reports_dir) / INDEX_HTML
    st.atomic_write_bytes(index_path, index_html(rows).encode("utf-8"))
    return [*written, index_path]
