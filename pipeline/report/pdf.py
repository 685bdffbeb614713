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
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    return document.write_pdf()
