"""HTML and PDF reports per athlete and the coach's index (``write_reports``)."""

from pipeline.report.write import write_reports

__all__ = ["write_reports"]
