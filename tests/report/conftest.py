"""Reports built once from two synthetic athletes (see synthetic.py)."""

from __future__ import annotations

import pytest

from pipeline.config import Settings
from pipeline.report import write_reports
from tests.report.synthetic import recommendation, write_athlete


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory) -> dict:
    """Reports written once with ``--all`` for anna (12 weeks, a red flag), ben (4 days without
    pain, cadence or heart rate) and cara (not analysed yet)."""
    root = tmp_path_factory.mktemp("reports-env")
    settings = Settings(data_dir=root / "data", reports_dir=root / "reports")
    write_athlete(settings.data_dir, "anna", rec=recommendation(
        "anna", status="seek_care",
        red_flags=[{"code": "pain_above_7",
                    "message": "Next-morning pain of 7.5/10 on 2026-11-18."}]))
    write_athlete(settings.data_dir, "ben", days=4, pain=False, cadence=False, hr=False,
                  with_sources=False,
                  rec=recommendation("ben", status="hold", tolerated=None))
    # an athlete with raw files only (never analysed): listed in the index without a link
    (settings.data_dir / "raw" / "cara" / "inbox").mkdir(parents=True)
    written = write_reports(settings, athlete=None, as_of=None)
    return {"settings": settings, "written": written, "root": root}
