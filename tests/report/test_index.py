"""The coach's index: one row per athlete, and every link resolves to a written report."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from pipeline import store as st
from pipeline.config import Settings
from pipeline.errors import RunloadError
from pipeline.report import write_reports
from pipeline.report.write import by_urgency


class Rows(HTMLParser):
    """Rows of the athletes table: their class, cell texts (also by column header in
    ``by``), link targets and the number of inline SVG sparklines."""

    def __init__(self, html: str):
        super().__init__()
        self.rows: list[dict] = []
        self.headers: list[str] = []
        self._cell: list[str] | None = None
        self._th: list[str] | None = None
        self._in_svg = False
        self.feed(html)
        for row in self.rows:
            row["by"] = dict(zip(self.headers, row["cells"]))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "th":
            self._th = []
        elif tag == "tr" and "athlete" in (attrs.get("class") or ""):
            self.rows.append({"class": attrs["class"], "cells": [], "links": [], "svgs": 0})
        elif self.rows and tag == "td":
            self._cell = []
        elif self.rows and tag == "a":
            self.rows[-1]["links"].append(attrs["href"])
        elif self.rows and tag == "svg":
            self.rows[-1]["svgs"] += 1
            self._in_svg = True

    def handle_data(self, data):
        if self._th is not None:
            self._th.append(data)
        elif self._cell is not None and not self._in_svg:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "th" and self._th is not None:
            self.headers.append(" ".join("".join(self._th).split()))
            self._th = None
        elif tag == "svg":
            self._in_svg = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1]["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None


def index_rows(built) -> tuple[Path, list[dict]]:
    index = built["settings"].reports_dir / "index.html"
    return index, Rows(index.read_text("utf-8")).rows


def test_written_paths(built_reports):
    reports = built_reports["settings"].reports_dir
    assert built_reports["written"] == [
        reports / "anna/report.html", reports / "anna/report.pdf",
        reports / "ben/report.html", reports / "ben/report.pdf", reports / "index.html"]
    assert all(p.stat().st_size > 0 for p in built_reports["written"])


def test_one_row_per_athlete_with_status_km_range_trend_and_flags(built_reports):
    _, rows = index_rows(built_reports)
    assert [r["cells"][0] for r in rows] == ["anna", "ben", "cara"]
    anna, ben, cara = (r["by"] for r in rows)
    assert "status-seek_care" in rows[0]["class"] and anna["Status"] == "Seek care"
    assert anna["Last 7 days"].endswith("km")
    # next week's dates with the range (issue 19)
    assert anna["Next week"] == "2026-11-23 to 2026-11-29 18–22.5 km"
    assert anna["Next-morning pain, 12 weeks"].startswith("↑ rising")
    # a red flag is a short label (the full sentence is its tooltip), not a 7-line cell
    assert anna["Red flags"] == "pain > 7/10"
    assert ben["Status"] == "Hold" and ben["Red flags"] == "none"
    assert ben["Next-morning pain, 12 weeks"] == "too few entries"
    # sparklines: weekly km and pain for anna (12 weeks), km only for ben (4 days, no pain)
    assert rows[0]["svgs"] == 2 and rows[1]["svgs"] == 0
    assert anna["Data"].startswith("last upload 2026-11-20")
    assert anna["Last week's advice"] == "–"  # the recommendation has no last_week
    # never analysed: listed with what to run, and no link to a report that does not exist
    assert rows[2]["links"] == [] and "runload analyze --athlete cara" in cara["Next week"]
    html = index_rows(built_reports)[0].read_text("utf-8")
    assert "`" not in html  # no markdown leaks into a page


def test_last_week_compliance_column_agrees_with_the_numbers(built_reports):
    _, rows = index_rows(built_reports)
    anna, ben, cara = rows
    data = built_reports["settings"].data_dir
    for row, name in ((anna, "anna"), (ben, "ben")):
        last = st.read_recommendation(st.Store(data, name))["last_week"]
        mark = "✓" if last["followed"] else "✗"
        km = f"{last['run_km']:.1f}".removesuffix(".0")
        assert row["cells"][6].startswith(f"{mark} {km} of ≤ ")
    assert anna["cells"][6].startswith("✗") and "help modifying" in anna["cells"][6]
    assert ben["cells"][6].startswith("✓")
    assert cara["cells"][6] == "–"


def test_last_7_days_km_matches_the_daily_data(built_reports):
    from pipeline import store as st
    from tests.report.synthetic import AS_OF

    daily = st.read_daily(st.Store(built_reports["settings"].data_dir, "anna"))
    recent = daily[daily["date"] > daily["date"].max() - pd.Timedelta(days=7)]
    assert daily["date"].max().date() == AS_OF
    _, rows = index_rows(built_reports)
    assert rows[0]["by"]["Last 7 days"] == (f"{recent['run_km'].sum():.1f}".removesuffix(".0")
                                            + " km")


def test_links_are_relative_and_resolve(built_reports):
    index, rows = index_rows(built_reports)
    links = [link for r in rows for link in r["links"]]
    assert links == ["anna/report.html", "ben/report.html"]
    for link in links:
        assert not urlparse(link).scheme and not link.startswith("/")
        target = (index.parent / link).resolve()
        assert target.is_file() and "<html" in target.read_text("utf-8")[:200]


def test_all_without_any_analysed_athlete(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    with pytest.raises(RunloadError, match="no athletes"):
        write_reports(settings, athlete=None, as_of=None)
    (settings.data_dir / "raw" / "me").mkdir(parents=True)
    with pytest.raises(RunloadError, match="runload analyze"):
        write_reports(settings, athlete=None, as_of=None)
    assert not (settings.reports_dir / "index.html").exists()


def test_athletes_needing_attention_come_first():
    rows = [{"athlete": a, "status": s} for a, s in
            [("amy", "progress"), ("bob", "none"), ("cy", "seek_care"), ("dan", "hold"),
             ("eve", "reduce"), ("abe", "hold")]]
    assert [r["athlete"] for r in by_urgency(rows)] == ["cy", "eve", "abe", "dan", "amy", "bob"]
