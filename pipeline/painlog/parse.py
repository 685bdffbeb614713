"""Pain-log parsing: one cell -> one value, one row -> one ``Entry``, a CSV's text -> entries.

Pure (text in, entries out). Cells are data, never formulas: a note such as ``=1+1`` is stored as
that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial

from pipeline.entrylog import csv_rows
from pipeline.entrylog.csv_rows import shown as _shown
from pipeline.errors import PainLogError
from pipeline.vocabulary import CROSS_CONTEXTS, CROSS_SPORTS, PAIN_CONTEXTS

COLUMNS = ("date", "context", "pain", "time", "weakness", "rehab", "compression", "note",
           "activity")
REQUIRED = ("date", "pain")
FLAGS = ("weakness", "rehab", "compression")
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0"})
DEFAULT_CONTEXT = "daily"
CLI_SOURCE = "cli"

# [0-9], not \d: \d also matches other scripts' digits, which the contract does not allow.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")


@dataclass(frozen=True)
class Entry:
    """One validated pain entry. ``pain_0_10`` is on the 0-10 scale; ``time`` is local HH:MM;
    ``line`` is the entry's first physical line in ``source`` (None when added on the CLI)."""

    date: date
    context: str
    pain_0_10: float
    time: str | None
    weakness: bool | None
    rehab: bool | None
    compression: bool | None
    note: str | None
    source: str
    line: int | None = None
    activity: str | None = None  # the sport of a during/after_cross_training entry

    @property
    def key(self) -> tuple[date, str, str | None, str | None]:
        # the activity is part of the key: a ride and a swim on one day are two entries
        return (self.date, self.context, self.time, self.activity)

    @property
    def values(self) -> tuple:
        """What a re-import compares: equal values mean the entry is unchanged."""
        return (self.pain_0_10, self.weakness, self.rehab, self.compression, self.note)

    def label(self) -> str:
        return (f"{self.date.isoformat()} {self.context}"
                + (f" ({self.activity})" if self.activity else "")
                + (f" {self.time}" if self.time else ""))


# --- one cell -> one value (each raises ValueError with the reason a user can act on) --------


def parsed_pain(cell: str) -> float:
    """Pain on the 0-10 scale from a plain decimal number ('.' or a single ',' as decimal mark)."""
    text = cell.strip()
    if not text:
        raise ValueError("pain is missing")
    value = csv_rows.plain_decimal(text)
    if value is None:
        raise ValueError(f"pain {_shown(text)} is not a number from 0 to 10")
    if not 0 <= value <= 10:
        raise ValueError(f"pain {_shown(text)} is outside 0-10")
    return value


def parsed_date(cell: str, *, today: date) -> date:
    """The athlete's local date from ``YYYY-MM-DD``; not later than ``today``."""
    text = cell.strip()
    if not text:
        raise ValueError("date is missing")
    if not _DATE.fullmatch(text):
        raise ValueError(f"date {_shown(text)} is not an ISO date YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {_shown(text)} does not exist (YYYY-MM-DD)") from None
    if day > today:
        raise ValueError(f"date {text} is in the future (today is {today.isoformat()})")
    return day


def _word_of(column: str, cell: str, words: tuple[str, ...]) -> str | None:
    """The one of ``words`` a cell names, case, spaces and '-' forgiven ("Water running" is
    ``water_running``); None when empty."""
    text = cell.strip()
    word = text.lower().replace(" ", "_").replace("-", "_")
    if not word:
        return None
    if word not in words:
        raise ValueError(f"unknown {column} {_shown(text)} (valid: {', '.join(words)})")
    return word


def parsed_context(cell: str) -> str:
    """One of ``PAIN_CONTEXTS``; empty means ``daily``; case, spaces and '-' are forgiven."""
    return _word_of("context", cell, PAIN_CONTEXTS) or DEFAULT_CONTEXT


def parsed_time(cell: str) -> str | None:
    """Local time as ``HH:MM`` (``7:05`` becomes ``07:05``); None when empty."""
    text = cell.strip()
    if not text:
        return None
    match = _TIME.fullmatch(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"time {_shown(text)} is not a time HH:MM (00:00 to 23:59)")
    return f"{int(match[1]):02d}:{match[2]}"


def parsed_flag(column: str, cell: str) -> bool | None:
    """yes/no, true/false, 1/0, y/n in any case; None (unknown) when empty."""
    word = cell.strip().lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        f"{column} {_shown(cell.strip())} is not yes or no "
        "(accepted: yes/no, true/false, 1/0, y/n, or empty for unknown)"
    )


def parsed_activity(cell: str) -> str | None:
    """One of ``CROSS_SPORTS`` (case, spaces and '-' forgiven); None when empty."""
    return _word_of("activity", cell, CROSS_SPORTS)


def activity_problem(context: str, activity: str | None) -> str | None:
    """Why a context and an activity do not go together (None when they do): a cross-training
    context names its sport, so next-morning pain can be attributed to it; others name none."""
    if context in CROSS_CONTEXTS and activity is None:
        return (f"context {context} needs an activity ({', '.join(CROSS_SPORTS)}) so the pain "
                "can be attributed to that sport")
    if context not in CROSS_CONTEXTS and activity is not None:
        return (f"activity {activity} is only for the contexts {' and '.join(CROSS_CONTEXTS)} "
                f"(this entry's context is {context})")
    return None


def parsed_note(cell: str) -> str | None:
    """Free text, kept as written (stripped); never evaluated. None when empty."""
    return cell.strip() or None


def entry_from_cells(
    cells: dict[str, str], *, source: str, line: int | None, today: date
) -> tuple[Entry | None, list[str]]:
    """The entry of one row (column -> cell text) and every reason it is invalid.

    A required column absent from ``cells`` gives no entry but no reason either: the header's
    error says it once for the whole file.
    """
    parsers = {
        "date": partial(parsed_date, today=today),
        "context": parsed_context,
        "pain": parsed_pain,
        "time": parsed_time,
        **{flag: partial(parsed_flag, flag) for flag in FLAGS},
        "note": parsed_note,
        "activity": parsed_activity,
    }
    values, problems = csv_rows.parsed_cells(parsers, cells, required=REQUIRED)
    if "context" in values and "activity" in values:
        mismatch = activity_problem(values["context"], values["activity"])
        if mismatch:
            problems.append(mismatch)
    if problems or any(column not in cells for column in REQUIRED):
        return None, problems
    entry = Entry(
        date=values["date"], context=values["context"], pain_0_10=values["pain"],
        time=values["time"], weakness=values["weakness"], rehab=values["rehab"],
        compression=values["compression"], note=values["note"], source=source, line=line,
        activity=values["activity"],
    )
    return entry, []


# --- a whole CSV ---------------------------------------------------------------------------


def csv_text(data: bytes, *, source: str) -> str:
    """The file's text: UTF-8 with or without a byte-order mark; anything else is refused."""
    return csv_rows.csv_text(data, source=source, empty_message=(
        "is empty: expected a header row (at least date and pain) and one row per entry"))


def entries_from_csv(text: str, *, source: str, today: date) -> list[Entry]:
    """Every row of a pain-log CSV as an entry, in file order.

    Raises ``PainLogError`` listing (line, reason) for every problem, the header's at line 1.
    Lines are physical lines (a quoted note may span several; its row starts where it starts).
    Blank rows are skipped; a short row's missing cells are empty.
    """
    return csv_rows.entries_from_rows(text, source=source, today=today, columns=COLUMNS,
                                      required=REQUIRED, entry_from_cells=entry_from_cells,
                                      error=PainLogError)
