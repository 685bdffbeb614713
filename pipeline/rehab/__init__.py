"""The rehab log: stretching and strengthening done, validated and merged like the pain log
(``parse`` and ``merge`` are pure; only ``commands`` touches the disk, through
``pipeline.store``), and a small exercise catalogue mapping names to Goom's four loading stages.
"""

from pipeline.rehab.catalogue import STAGES, exercise_focus, exercise_stage
from pipeline.rehab.commands import add_entry, import_csv, rehab_log
from pipeline.rehab.merge import MergeResult, rehab_log_frame
from pipeline.rehab.parse import COLUMNS, Entry, entries_from_csv

__all__ = ["COLUMNS", "STAGES", "Entry", "MergeResult", "add_entry", "entries_from_csv",
           "exercise_focus", "exercise_stage", "import_csv", "rehab_log", "rehab_log_frame"]
