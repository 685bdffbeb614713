"""PDF rendering: the same HTML through WeasyPrint with the print stylesheet (A4)."""

from __future__ import annotations

import logging

from pipeline.errors import RunloadError


def pdf_bytes(html: str) -> bytes:
    """The report as A4 PDF bytes. The HTML is self-contained, so no base URL and no fetching:
    any URL other than ``data:`` is refused."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: pango/cairo system libraries missing
        raise RunloadError(f"cannot write PDF reports: WeasyPrint is unavailable ({e}); "
                           "install the system package libpango-1.0-0") from None

    fetcher_class = getattr(weasyprint, "URLFetcher", None)
    if fetcher_class is not None:  # WeasyPrint >= 68
        fetcher = fetcher_class(allowed_protocols={"data"})
    else:
        def fetcher(url: str, *args, **kwargs):
            if url.startswith("data:"):
                return weasyprint.default_url_fetcher(url, *args, **kwargs)
            raise ValueError(f"report tried to load {url!r}; reports are self-contained")

    # WeasyPrint logs every CSS property it does not support (e.g. the screen-only grid gap)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    if len(document.pages) > 1 and last_page_fill(document) < MIN_LAST_PAGE_FILL:
        # a nearly blank last page: the same report set a little tighter usually ends a page
        # earlier; kept only when it does
        tight = weasyprint.HTML(string=html.replace("</style>", TIGHT_CSS + "</style>", 1),
                                url_fetcher=fetcher).render()
        if len(tight.pages) < len(document.pages):
            document = tight
    return document.write_pdf()


MIN_LAST_PAGE_FILL = 0.3  # of the page's content height
TIGHT_CSS = """@media print {
  body { font-size: 10pt; line-height: 1.35; }
  table { font-size: 8.5pt; margin: 4px 0 6px; } th, td { padding: 2px 5px; }
  figure { margin: 8px 0 10px; } h2 { margin: 10px 0 6px; } h3 { margin: 10px 0 3px; }
}"""


def last_page_fill(document) -> float:
    """How much of the last page's content area the report's content fills (0-1)."""
    page = document.pages[-1]._page_box
    root = next((box for box in page.children if getattr(box, "element_tag", None) == "html"),
                None)
    if root is None:
        return 1.0
    area = page.height - page.margin_top - page.margin_bottom
    return root.margin_height() / area if area > 0 else 1.0
