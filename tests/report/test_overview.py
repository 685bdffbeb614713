"""The coach's overview cells on their own: sparklines, last week's advice, red-flag labels."""

import re

from pipeline.report.overview import SPARK_H, compliance_text, flag_label, sparkline_svg


def test_sparkline_scales_values_and_leaves_gaps():
    svg = sparkline_svg([0.0, 5.0, None, 10.0, 10.0], top=10, colour="#000", label="km")
    lines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(lines) == 2  # broken at the week without a value
    ys = [float(p.split(",")[1]) for line in lines for p in line.split()]
    assert ys[0] == SPARK_H - 2 and min(ys) == 2.0  # 0 at the bottom, the top at the top
    assert "<title>km</title>" in svg
    assert sparkline_svg([3.0, None, None], top=10, colour="#000", label="x") == ""
    assert sparkline_svg([0.0, 0.0], top=0, colour="#000", label="x") == ""


def test_last_weeks_advice_against_what_was_run():
    assert compliance_text({"advised_max_km": 27.8, "run_km": 31.2, "followed": False}) == (
        "over (31.2 of ≤ 27.8 km)", "over")
    assert compliance_text({"advised_max_km": 30.0, "run_km": 26.0, "followed": True}) == (
        "followed (26 of ≤ 30 km)", "followed")
    assert compliance_text(None) == ("–", "none")


def test_red_flags_as_short_labels():
    assert flag_label({"code": "weakness_reported", "message": "Weakness logged on ..."}) == \
        "weakness"
    long = {"code": "new_flag", "message": "A new kind of flag with a very long explanation"}
    assert len(flag_label(long)) <= 28 and flag_label(long).endswith("…")
