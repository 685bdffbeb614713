"""The HTML report: every section in order, self-contained, private, readable without data."""

from __future__ import annotations

import base64
import io
import re
from datetime import date
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from pipeline import cli
from pipeline import store as st
from pipeline.config import Settings
from pipeline.errors import RunloadError
from pipeline.report import write_reports
from pipeline.report.content import pain_trend, weekly_view
from tests.report.synthetic import AS_OF, LAT, LON, recommendation, write_athlete

SECTIONS = ["recommendation", "red-flags", "reasons", "trainer-advice", "plan", "last-week",
            "rehab", "sitting", "figures", "data-quality", "evidence", "disclaimer"]
FIGURES = ["fig-weekly", "fig-pain_calendar", "fig-longest_run", "fig-stride",
           "fig-cross_training", "fig-acwr"]
CITATIONS = ["Silbernagel et al. 2007", "Frandsen et al. 2025", "Nielsen et al. 2014", "Foster",
             "Williams et al. 2017", "Impellizzeri et al. 2020", "Lolli et al. 2019",
             "Goom, Malliaras", "Heiderscheit et al. 2011", "Chumanov et al. 2012"]


class Tags(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def ids(self) -> list[str]:
        return [a["id"] for _, a in self.tags if "id" in a]


def html_of(built, athlete: str) -> str:
    return (built["settings"].reports_dir / athlete / "report.html").read_text("utf-8")


def test_every_section_and_figure_in_order(built_reports):
    ids = Tags(html_of(built_reports, "anna")).ids()
    assert [i for i in ids if i in SECTIONS] == SECTIONS
    assert [i for i in ids if i.startswith("fig-")] == FIGURES


def test_first_section_says_what_to_do_next_week(built_reports):
    html = html_of(built_reports, "anna")
    first = html[html.index('id="recommendation"'):html.index('id="red-flags"')]
    for text in ("Seek care", "2026-11-23 to 2026-11-29", "18–22.5 km", "8.5 km",
                 "Runs per week", ">4<", "90 min", "Confidence: <b>medium",
                 "24 km (80% interval 21–27.5 km)"):
        assert text in first, text
    assert "#8b1a1a" in first  # the seek_care colour


def test_red_flags_and_reasons(built_reports):
    html = html_of(built_reports, "anna")
    flags = html[html.index('id="red-flags"'):html.index('id="reasons"')]
    assert "Next-morning pain of 7.5/10 on 2026-11-18." in flags
    assert "Contact an athletic trainer" in flags
    reasons = _section(html, "reasons")  # the plan's sections now sit before the figures
    assert reasons.count("<li>") == 3 and "160% of the longest run" in reasons
    assert "Try 181–189 steps per minute at your usual easy speed (now 172)." in reasons
    # without red flags the section still says when to contact an athletic trainer
    ben = html_of(built_reports, "ben")
    assert "None this week" in ben[ben.index('id="red-flags"'):ben.index('id="reasons"')]


def test_figures_are_embedded_pngs(built_reports):
    tags = Tags(html_of(built_reports, "anna")).tags
    images = [a for t, a in tags if t == "img"]
    assert len(images) == len(FIGURES)
    for attrs in images:
        prefix = "data:image/png;base64,"
        assert attrs["src"].startswith(prefix) and attrs["alt"]
        png = Image.open(io.BytesIO(base64.b64decode(attrs["src"][len(prefix):])))
        assert png.format == "PNG" and png.width > 600 and png.height > 150
        pixels = np.asarray(png.convert("L"), dtype=float)
        assert pixels.std() > 10  # something is drawn


def test_self_contained(built_reports):
    for athlete in ("anna", "ben"):
        html = html_of(built_reports, athlete)
        tags = Tags(html).tags
        assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object", "embed")]
        for _, attrs in tags:
            for name in ("src", "href", "srcset", "poster", "data"):
                if name in attrs:
                    assert attrs[name].startswith("data:"), attrs[name][:60]
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I)
        assert "@import" not in html and "@font-face" not in html
        assert "url(" not in html.replace("data:", "")


def test_data_quality_lists_quarantine_partial_missing_pain_hr_and_cadence(built_reports):
    html = html_of(built_reports, "anna")
    dq = html[html.index('id="data-quality"'):html.index('id="evidence"')]
    assert "exports/broken.tcx" in dq and "invalid XML at line 3: mismatched tag" in dq
    # the words and numbers `runload ingest` prints (pipeline.ingest.counts), issue 19
    assert "2 new, 1 duplicate, 1 quarantined, 1 partial, 1 not an activity" in dq
    assert "file ends mid-record; 812 of 1000 records read" in dq
    daily = st.read_daily(st.Store(built_reports["settings"].data_dir, "anna"))
    pain = daily.filter(like="pain_").isna().all(axis=1).sum()
    assert len(daily) < 26 * 7  # all of it inside the counted window
    assert f"Days without any pain entry in the last 26 weeks: {pain} of {len(daily)}" in dq
    activities = st.read_activities(st.Store(built_reports["settings"].data_dir, "anna"))
    runs = activities[activities["sport"] == "running"]
    assert (f"Activities without heart rate: {activities['avg_hr_bpm'].isna().sum()} of"
            f" {len(activities)}") in dq
    assert (f"runs without cadence: {runs['avg_cadence_spm'].isna().sum()} of {len(runs)}") in dq


def test_evidence_cites_every_rule_and_states_the_numbers(built_reports):
    html = html_of(built_reports, "anna")
    evidence = html[html.index('id="evidence"'):html.index('id="disclaimer"')]
    for citation in CITATIONS:
        assert citation in evidence, citation
    assert "110% of the longest run of the previous 30 days" in evidence
    assert "λ = 2/(N+1)" in evidence
    # the recommendation's rules_applied, named as a reader says them (issue 19)
    assert "Single-run cap: Frandsen 2025" in evidence
    assert "does not diagnose" in html[html.index('id="disclaimer"'):]


def test_thin_history_gives_notes_not_empty_charts(built_reports):
    html = html_of(built_reports, "ben")
    ids = Tags(html).ids()
    assert [i for i in ids if i.startswith("fig-")] == FIGURES
    notes = re.findall(r'<div class="nodata">(.*?)</div>', html)
    assert any("No pain entries" in n for n in notes)
    assert any("No cadence or step-length data" in n for n in notes)
    assert any("needs about 4 weeks" in n for n in notes)
    assert "not estimable yet" in html
    assert "Activities without heart rate: 2 of 2" in html


def test_no_coordinates_without_show_maps(built_reports):
    for athlete in ("anna", "ben"):
        html = html_of(built_reports, athlete)
        assert f"{LAT:.2f}" not in html and f"{LON:.2f}" not in html
        assert f"{LAT:.3f}"[:5] not in html  # "47.37"
        assert not re.search(r"\b(lat|lon|lng|latitude|longitude)\b", html, re.I)
        assert "fig-route" not in html


def test_show_maps_adds_a_route_figure_only(built_reports, tmp_path):
    settings = Settings(data_dir=built_reports["settings"].data_dir,
                        reports_dir=tmp_path / "reports")
    written = write_reports(settings, athlete="anna", as_of=None, show_maps=True)
    assert written == [tmp_path / "reports/anna/report.html", tmp_path / "reports/anna/report.pdf"]
    html = written[0].read_text("utf-8")
    ids = Tags(html).ids()
    assert [i for i in ids if i.startswith("fig-")] == [*FIGURES, "fig-route"]
    assert f"{LAT:.2f}" not in html  # the route is a picture without coordinate labels


def test_missing_recommendation_says_to_run_analyze(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    (settings.data_dir / "raw" / "dora").mkdir(parents=True)
    with pytest.raises(RunloadError, match=r"runload analyze --athlete dora"):
        write_reports(settings, athlete="dora", as_of=None)
    # the command line turns it into a message and exit status 1, no traceback
    code = cli.main(["report", "--athlete", "dora", "--data-dir", str(settings.data_dir),
                     "--reports-dir", str(settings.reports_dir)])
    assert code == 1
    assert not settings.reports_dir.exists()


def test_as_of_other_than_the_recommendation_is_refused(built_reports):
    with pytest.raises(RunloadError, match=r"runload analyze --as-of 2026-10-01"):
        write_reports(built_reports["settings"], athlete="anna", as_of=date(2026, 10, 1))


def test_text_from_the_data_is_escaped(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    rec = recommendation("eve")
    rec["reasons"] = ["<script>alert('x')</script> & more"]
    write_athlete(settings.data_dir, "eve", days=10, rec=rec)
    html_path = write_reports(settings, athlete="eve", as_of=AS_OF)[0]
    html = html_path.read_text("utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    # atomic writes leave no temporary files behind
    assert sorted(p.name for p in html_path.parent.iterdir()) == ["report.html", "report.pdf"]


def test_pain_trend_on_planted_weeks():
    dates = pd.date_range(end=pd.Timestamp(AS_OF), periods=14, freq="D")
    pain = np.r_[np.full(7, 2.0), np.full(7, 3.0)]
    trend = pain_trend(pd.DataFrame({"date": dates, "pain_next_morning_0_10": pain}), AS_OF)
    assert trend["direction"] == "rising" and "2.0 → 3.0" in trend["text"]
    steady = pain_trend(pd.DataFrame({"date": dates, "pain_next_morning_0_10": np.full(14, 2.0)}),
                        AS_OF)
    assert steady["direction"] == "steady"
    gap_pain = np.r_[np.full(7, np.nan), np.full(7, 1.0)]
    gap = pain_trend(pd.DataFrame({"date": dates, "pain_next_morning_0_10": gap_pain}), AS_OF)
    assert gap["direction"] == "no data"


def test_weekly_view_takes_km_from_weekly_and_pain_from_daily():
    dates = pd.date_range("2026-11-02", periods=14, freq="D")  # two ISO weeks
    daily = pd.DataFrame({"date": dates, "run_km": np.full(14, 1.0),
                          "pain_next_morning_0_10": np.r_[np.full(7, 1.0), [4.0, np.nan] * 3,
                                                          [5.0]]})
    weekly = pd.DataFrame({"week_start": dates[[0, 7]], "run_km": [30.0, 40.0]})
    view = weekly_view(daily, weekly)
    assert view["run_km"].tolist() == [30.0, 40.0]
    assert view["pain_next_morning_mean_0_10"].tolist() == pytest.approx([1.0, 4.25])


# --- issue 19 --------------------------------------------------------------------------------


def test_no_internal_text_and_the_red_flag_once(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    message = "Next-morning pain of 7.5/10 on 2026-11-18."
    rec = recommendation("flo", status="seek_care",
                         red_flags=[{"code": "pain_above_7", "message": message}])
    rec["reasons"] = [message, "Run `runload analyze` again (see SCIENCE.md red flags).",
                      "One or more red flags: please contact an athletic trainer for an"
                      " assessment before building up again."]
    rec["rules_applied"].append({"rule": "red_flags",
                                 "source": "SCIENCE.md red flags: see an athletic trainer"})
    write_athlete(settings.data_dir, "flo", days=30, rec=rec)
    html = write_reports(settings, athlete="flo", as_of=AS_OF)[0].read_text("utf-8")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S))
    assert "SCIENCE.md" not in text and "`" not in text
    assert "documentation" not in text
    assert text.count(message) == 1
    assert text.lower().count("contact an athletic trainer") == 1  # the red-flag section's
    assert "Run runload analyze again." in " ".join(text.split())


def test_stale_data_says_since_when_and_the_figures_end_there(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", reports_dir=tmp_path / "reports")
    later = date(2029, 3, 2)  # the data ends on AS_OF (2026-11-20), the advice is years later
    rec = recommendation("gus", status="hold", as_of=later)
    rec["week_start"] = "2029-03-05"
    write_athlete(settings.data_dir, "gus", days=60, rec=rec)
    html = write_reports(settings, athlete=None, as_of=None)[-1].read_text("utf-8")
    assert 'class="athlete status-hold stale"' in html
    assert f"no data since {AS_OF.isoformat()}" in html
    report = (settings.reports_dir / "gus" / "report.html").read_text("utf-8")
    first = report[report.index('id="recommendation"'):report.index('id="red-flags"')]
    assert f"No data since {AS_OF.isoformat()}" in first
    assert f"the 26 weeks up to the last data ({AS_OF.isoformat()})" in report
    # the figures show the data's last months, not years of nothing
    notes = re.findall(r'<div class="nodata">(.*?)</div>', report)
    assert not any("No running" in n or "No runs" in n for n in notes), notes


def test_recent_data_is_not_stale(built_reports):
    html = html_of(built_reports, "anna")
    assert "No data since" not in html
    assert "the last 26 weeks up to 2026-11-20, and next week" in html


def _section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    return html[start:html.index("</section>", start)]


def test_plan_sections_show_the_week_caps_cross_training_rehab_and_trainer(built_reports):
    rec = st.read_recommendation(st.Store(built_reports["settings"].data_dir, "anna"))
    html = html_of(built_reports, "anna")
    plan = _section(html, "plan")
    rows = re.findall(r'<tr class="kind-([a-z_]+)">', plan)
    assert len(rows) == 7  # Monday to Sunday
    kinds = [r["kind"] for r in rec["plan"]["runs"]]
    assert sorted(k for k in rows if k != "none") == sorted(kinds)
    for run in rec["plan"]["runs"]:
        assert f"{run['km']:.1f}".removesuffix(".0") + " km" in plan
    assert f"at most {rec['plan']['uphill_min_max']} min" in plan
    assert f"at most {rec['plan']['fast_min_max']} min" in plan
    for c in rec["plan"]["cross_training"]:
        assert f"{c['sport'].replace('_', ' ')}: {c['min']} min" in plan
    assert "Avoid cycling:" in plan and "try a different activity" in plan
    rehab = _section(html, "rehab")
    done = rec["plan"]["rehab"]["sessions_last_28_days"]
    assert f"{done} sessions in the last 28 days (12 advised)" in rehab
    assert "no effect is claimed" in rehab
    assert len(re.findall(r"<tr><td>\d{4}-\d{2}-\d{2}</td>", rehab)) == 8  # weeks of adherence
    trainer = _section(html, "trainer-advice")
    assert "Help modifying your activity" in trainer and "not settling" in trainer
    assert "pain_above_7" not in trainer  # the red flag stays in its own alarm box
    last = _section(html, "last-week")
    assert "Exceeded: km, uphill minutes, fast minutes" in last
    assert "Choose movement instead of sitting" in _section(html, "sitting")


def test_thin_history_still_shows_the_week_without_inventing_trainer_advice(built_reports):
    html = html_of(built_reports, "ben")
    assert 'id="plan"' in html
    assert "No further reason this week" in _section(html, "trainer-advice")
    assert 'id="sitting"' not in html  # ben logged no sitting pain
