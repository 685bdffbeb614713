"""The pain log: validate a pain-log CSV or one ``pain add`` entry and merge it into the store.

Parsing (``parse``) and merging (``merge``) are pure (text in, entries out; entries in, entries
out). ``add`` validates and records one entry without pandas (``runload pain add``); ``commands``
imports CSVs and folds the recorded entries into ``pain_log.parquet``, touching the disk only
through ``pipeline.store``. The log holds one entry per (date, context, time); a later entry for
the same key replaces the earlier one. Cells are data, never formulas: a note such as ``=1+1`` is
stored as that text.

The names below are loaded on first use, so importing ``pipeline.painlog.add`` stays light.
"""

import importlib

_WHERE = {
    "add_entry": "commands", "import_csv": "commands", "pain_log": "commands",
    "fold_added_entries": "commands", "local_today": "add", "record_entry": "add",
    "MergeResult": "merge", "entries_from_frame": "merge", "merged_entries": "merge",
    "pain_log_frame": "merge",
    **{name: "parse" for name in (
        "CLI_SOURCE", "COLUMNS", "DEFAULT_CONTEXT", "FALSE_WORDS", "FLAGS", "REQUIRED",
        "TRUE_WORDS", "Entry", "csv_text", "entries_from_csv", "entry_from_cells",
        "parsed_context", "parsed_date", "parsed_flag", "parsed_note", "parsed_pain",
        "parsed_time", "parsed_activity", "activity_problem")},
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"pipeline.painlog.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'pipeline.painlog' has no attribute {name!r}")
