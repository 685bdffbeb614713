"""The PDF report: A4 pages rendered by poppler, none blank, same content as the HTML."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from tests.report.synthetic import LAT, LON

# CI (.ci/run) installs poppler-utils: there a missing tool is a failure, not a skip
pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdfinfo") and shutil.which("pdftotext"))
    and not os.environ.get("CI"),
    reason="poppler-utils (pdftoppm, pdfinfo, pdftotext) is not installed")


def pdf_info(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def page_images(path, out_dir, *, dpi: int = 40) -> list[Image.Image]:
    prefix = out_dir / path.parent.name
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(prefix)], check=True)
    return [Image.open(p) for p in sorted(out_dir.glob(f"{path.parent.name}-*.png"))]


def pdf_text(path, *, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("athlete", ["anna", "ben"])
def test_pages_are_a4_and_none_is_blank(built_reports, athlete, artifacts_dir, tmp_path):
    pdf = built_reports["settings"].reports_dir / athlete / "report.pdf"
    info = pdf_info(pdf)
    n_pages = int(info["Pages"])
    assert "A4" in info["Page size"]
    assert 2 <= n_pages <= 8
    pages = page_images(pdf, tmp_path)
    assert len(pages) == n_pages
    for number, page in enumerate(pages, start=1):
        pixels = np.asarray(page.convert("L"), dtype=float)
        inked = (pixels < 200).mean()
        assert pixels.std() > 8 and inked > 0.003, f"page {number} of {athlete} looks blank"
        page.save(artifacts_dir / f"report-{athlete}-page{number}.png")


def test_same_content_as_the_html_in_order(built_reports):
    pdf = built_reports["settings"].reports_dir / "anna" / "report.pdf"
    text = " ".join(pdf_text(pdf).split())
    order = ["Next week", "Red flags", "Why", "Weekly running km and next-morning pain",
             "Daily pain calendar", "Longest run against the 30-day cap",
             "Cadence and step length at the reference speed", "Cross-training and rest days",
             "Acute:chronic ratio", "Data quality", "Assumptions and evidence applied",
             "Decision support, not a diagnosis"]
    positions = [text.find(heading) for heading in order]
    assert -1 not in positions, dict(zip(order, positions))
    assert positions == sorted(positions)
    assert "Contact an athletic trainer" in text and "exports/broken.tcx" in text
    # the first page alone tells what to do next week and why
    first = " ".join(pdf_text(pdf, first=1).split())
    for text_on_page_one in ("seek care", "18–22.5 km", "8.5 km", "90 min",
                             "160% of the longest run"):
        assert text_on_page_one in first.lower()


def test_no_coordinates_in_the_pdf(built_reports):
    for athlete in ("anna", "ben"):
        text = pdf_text(built_reports["settings"].reports_dir / athlete / "report.pdf")
        assert f"{LAT:.2f}" not in text and f"{LON:.2f}" not in text
        assert not re.search(r"\b(lat|lon|latitude|longitude)\b", text, re.I)


FOOTER = re.compile(r"^\s*(runload report: \S+)?\s*(page \d+ of \d+)?\s*$")
MIN_INK_ROWS = 0.15  # issue 19: no near-empty page


def ink_rows_fraction(page: Image.Image) -> float:
    """The share of the page's body rows (footer band excluded) that hold any ink."""
    pixels = np.asarray(page.convert("L"), dtype=float)
    body = pixels[: int(pixels.shape[0] * 0.94)]  # the footer sits in the bottom margin
    return float((body < 200).any(axis=1).mean())


def headings(html: str) -> list[str]:
    """Every h2/h3 text; for a heading with a subtitle, the heading alone and both together."""
    out = []
    for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, re.DOTALL):
        text = lambda x: " ".join(re.sub(r"<[^>]+>", "", x).split())  # noqa: E731
        out.append(text(h))
        if 'class="sub"' in h:
            out.append(text(re.sub(r'<span class="sub">.*?</span>', "", h, flags=re.DOTALL)))
    return out


def last_line(page_text: str) -> str:
    lines = [line.strip() for line in page_text.splitlines()
             if line.strip() and not FOOTER.fullmatch(line)]
    return lines[-1] if lines else ""


@pytest.mark.parametrize("athlete", ["anna", "ben"])
def test_layout_no_near_empty_page_and_no_heading_last(built_reports, athlete, tmp_path,
                                                       artifacts_dir):
    folder = built_reports["settings"].reports_dir / athlete
    pdf = folder / "report.pdf"
    pages = page_images(pdf, tmp_path)
    titles = headings((folder / "report.html").read_text("utf-8"))
    assert "The picture behind it" in titles and "Data quality" in titles
    for number, page in enumerate(pages, start=1):
        ink = ink_rows_fraction(page)
        assert ink >= MIN_INK_ROWS, f"page {number} of {athlete}: only {ink:.0%} of it inked"
        end = " ".join(last_line(pdf_text(pdf, first=number)).split())
        assert end and not any(end == t or t.startswith(end) for t in titles), (
            f"page {number} of {athlete} ends with the heading {end!r}")


def test_the_layout_check_catches_a_stranded_heading_and_a_near_empty_page():
    # the checks themselves, on planted pages: a 3-line page and a page ending with a heading
    page = Image.new("L", (330, 470), 255)
    for y in (40, 55, 70):
        page.paste(0, (30, y, 300, y + 6))
    assert ink_rows_fraction(page) < MIN_INK_ROWS
    text = "Why\n • a reason\n\nThe picture behind it\n\n runload report: anna   page 1 of 5\n"
    assert last_line(text) == "The picture behind it"


def test_a_nearly_blank_last_page_is_avoided_by_a_tighter_setting(tmp_path):
    import weasyprint

    from pipeline.report.html import stylesheet
    from pipeline.report.pdf import last_page_fill, pdf_bytes

    def html(n: int) -> str:
        items = "".join(f"<li>line {i} of a long list of reasons</li>" for i in range(n))
        return (f"<html><head><style>{stylesheet()}</style></head><body><main><ul>{items}</ul>"
                "</main></body></html>")

    # the shortest list that spills onto a second page: a few lines there, nothing else
    n = next(n for n in range(30, 200) if len(weasyprint.HTML(string=html(n)).render().pages) > 1)
    plain = weasyprint.HTML(string=html(n)).render()
    assert len(plain.pages) == 2 and last_page_fill(plain) < 0.1
    path = tmp_path / "list.pdf"
    path.write_bytes(pdf_bytes(html(n)))
    assert pdf_info(path)["Pages"].strip() == "1"  # set a little tighter: one page
    # a well-filled last page is left as it is
    path.write_bytes(pdf_bytes(html(2 * n)))
    assert pdf_info(path)["Pages"].strip() == "2"


def test_the_pdf_shows_the_plan_sections(built_reports):
    text = " ".join(pdf_text(built_reports["settings"].reports_dir / "anna" / "report.pdf").split())
    order = ["When to see an athletic trainer", "Next week as runs",
             "How hard: next week's caps", "Avoid cycling", "Last week against its advice",
             "Rehab: stretching and strengthening", "Sitting pain averaged",
             "Weekly running km and next-morning pain"]
    positions = [text.find(heading) for heading in order]
    assert -1 not in positions, dict(zip(order, positions))
    assert positions == sorted(positions)
    for phrase in ("Avoid cycling", "try a different activity", "Help modifying your activity",
                   "sessions in the last 28 days (12 advised)", "Choose movement instead of sitting"):
        assert phrase in text, phrase
