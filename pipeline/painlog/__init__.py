"""The pain log: validate a pain-log CSV or one ``pain add`` entry and merge it into the store.

Parsing (``parse``) and merging (``merge``) are pure (text in, entries out; entries in, entries
out). Only ``import_csv`` and ``add_entry`` (``commands``) touch the disk, and only through
``pipeline.store``. The log holds one entry per (date, context, time); a later entry for the same
key replaces the earlier one. Cells are data, never formulas: a note such as ``=1+1`` is stored as
that text.
"""

from pipeline.painlog.commands import add_entry, import_csv, local_today, pain_log
from pipeline.painlog.merge import MergeResult, entries_from_frame, merged_entries, pain_log_frame
from pipeline.painlog.parse import (
    CLI_SOURCE,
    COLUMNS,
    DEFAULT_CONTEXT,
    FALSE_WORDS,
    FLAGS,
    REQUIRED,
    TRUE_WORDS,
    Entry,
    csv_text,
    entries_from_csv,
    entry_from_cells,
    activity_problem,
    parsed_activity,
    parsed_context,
    parsed_date,
    parsed_flag,
    parsed_note,
    parsed_pain,
    parsed_time,
)

__all__ = [
    "CLI_SOURCE", "COLUMNS", "DEFAULT_CONTEXT", "FALSE_WORDS", "FLAGS", "REQUIRED", "TRUE_WORDS",
    "Entry", "MergeResult", "add_entry", "csv_text", "entries_from_csv", "entries_from_frame",
    "entry_from_cells", "import_csv", "local_today", "merged_entries", "pain_log",
    "pain_log_frame", "parsed_context", "parsed_activity", "activity_problem", "parsed_date",
    "parsed_flag", "parsed_note", "parsed_pain", "parsed_time",
]  # fmt: skip
