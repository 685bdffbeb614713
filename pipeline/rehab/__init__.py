"""The rehab log: stretching and strengthening done, validated and merged like the pain log
(``parse`` and ``merge`` are pure; ``add`` validates and records one ``rehab add`` entry without
pandas; ``commands`` imports CSVs and folds the recorded entries into ``rehab_log.parquet``,
touching the disk only through ``pipeline.store``), and a small exercise catalogue mapping names
to Goom's four loading stages.

The names below are loaded on first use, so importing ``pipeline.rehab.add`` stays light.
"""

import importlib

_WHERE = {
    "STAGES": "catalogue", "exercise_focus": "catalogue", "exercise_stage": "catalogue",
    "add_entry": "commands", "import_csv": "commands", "rehab_log": "commands",
    "fold_added_entries": "commands", "rebuild_rehab_log": "commands",
    "record_entry": "add",
    "MergeResult": "merge", "rehab_log_frame": "merge",
    "COLUMNS": "parse", "Entry": "parse", "entries_from_csv": "parse",
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"pipeline.rehab.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'pipeline.rehab' has no attribute {name!r}")
