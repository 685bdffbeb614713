"""Rehab-log parsing: one row -> one ``Entry``, a CSV's text -> entries (pure: text in, entries
out). The same rules as the pain log: header row required, every bad line named, all or nothing,
cells are data (a note such as ``=1+1`` stays that text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from pipeline.entrylog import csv_rows
from pipeline.entrylog.csv_rows import shown as _shown
from pipeline.errors import RehabLogError
from pipeline.painlog.parse import parsed_date, parsed_note, parsed_pain

COLUMNS = ("date", "exercise", "sets", "reps", "load_kg", "hold_s", "pain", "note")
REQUIRED = ("date", "exercise")
CLI_SOURCE = "cli"
MAX_EXERCISE_CHARS = 80
# plausible upper bounds: a typo (300 sets) is refused rather than counted
LIMITS = {"sets": 50, "reps": 1000, "load_kg": 500.0, "hold_s": 3600.0}

__all__ = [
    "CLI_SOURCE",
    "COLUMNS",
    "REQUIRED",
    "Entry",
    "csv_text",
    "entries_from_csv",
    "entry_from_cells",
    "exercise_key",
    "parsed_exercise",
]


@dataclass(frozen=True)
class Entry:
    """One validated rehab entry: an exercise done on a local ``date``. ``pain_0_10`` is pain
    during the exercise; ``line`` is the first physical line in ``source`` (None on the CLI)."""

    date: date
    exercise: str
    sets: int | None
    reps: int | None
    load_kg: float | None
    hold_s: float | None
    pain_0_10: float | None
    note: str | None
    source: str
    line: int | None = None

    @property
    def key(self) -> tuple[date, str]:
        """One entry per exercise and day: a later one replaces it (as in the pain log)."""
        return (self.date, exercise_key(self.exercise))

    @property
    def values(self) -> tuple:
        return (self.exercise, self.sets, self.reps, self.load_kg, self.hold_s, self.pain_0_10,
                self.note)

    def label(self) -> str:
        return f"{self.date.isoformat()} {self.exercise}"


def exercise_key(name: str) -> str:
    """The name compared case- and space-insensitively ("Single-leg RDL" == "single-leg  rdl")."""
    return " ".join(name.lower().split())


def parsed_exercise(cell: str) -> str:
    """Free text naming the exercise (spaces collapsed); required, at most 80 characters."""
    text = " ".join(cell.split())
    if not text:
        raise ValueError("exercise is missing (e.g. 'isometric bridge hold')")
    if len(text) > MAX_EXERCISE_CHARS:
        raise ValueError(f"exercise {_shown(text)} is longer than {MAX_EXERCISE_CHARS} "
                         "characters (put details in the note)")
    return text


def _parsed_count(column: str, cell: str) -> int | None:
    text = cell.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{column} {_shown(text)} is not a whole number")
    value = int(text)
    if not 0 < value <= LIMITS[column]:
        raise ValueError(f"{column} {_shown(text)} is outside 1-{LIMITS[column]}")
    return value


def _parsed_amount(column: str, cell: str) -> float | None:
    text = cell.strip()
    if not text:
        return None
    value = csv_rows.plain_decimal(text)
    if value is None:
        raise ValueError(f"{column} {_shown(text)} is not a number")
    if not 0 <= value <= LIMITS[column]:
        raise ValueError(f"{column} {_shown(text)} is outside 0-{LIMITS[column]:g}")
    return value


def _parsed_optional_pain(cell: str) -> float | None:
    return parsed_pain(cell) if cell.strip() else None


def entry_from_cells(cells: dict[str, str], *, source: str, line: int | None,
                     today: date) -> tuple[Entry | None, list[str]]:
    """The entry of one row (column -> cell text) and every reason it is invalid."""
    parsers = {
        "date": partial(parsed_date, today=today),
        "exercise": parsed_exercise,
        "sets": partial(_parsed_count, "sets"),
        "reps": partial(_parsed_count, "reps"),
        "load_kg": partial(_parsed_amount, "load_kg"),
        "hold_s": partial(_parsed_amount, "hold_s"),
        "pain": _parsed_optional_pain,
        "note": parsed_note,
    }
    values, problems = csv_rows.parsed_cells(parsers, cells, required=REQUIRED)
    if problems or any(column not in cells for column in REQUIRED):
        return None, problems
    return Entry(date=values["date"], exercise=values["exercise"], sets=values["sets"],
                 reps=values["reps"], load_kg=values["load_kg"], hold_s=values["hold_s"],
                 pain_0_10=values["pain"], note=values["note"], source=source, line=line), []


def csv_text(data: bytes, *, source: str) -> str:
    """The file's text: UTF-8 with or without a byte-order mark; anything else is refused."""
    return csv_rows.csv_text(data, source=source, empty_message=(
        "is empty: expected a header row (at least date and exercise) and one row per exercise"))


def entries_from_csv(text: str, *, source: str, today: date) -> list[Entry]:
    """Every row of a rehab-log CSV as an entry, in file order; raises ``RehabLogError`` listing
    (line, reason) for every problem (the header's at its line). Blank rows are skipped."""
    return csv_rows.entries_from_rows(text, source=source, today=today, columns=COLUMNS,
                                      required=REQUIRED, entry_from_cells=entry_from_cells,
                                      error=RehabLogError)


def is_rehab_csv(path: str) -> bool:
    """True for a CSV whose header names an ``exercise`` column (a rehab log; a pain log has
    none); False when it cannot be read (the pain-log import then says why)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64 * 2**10).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    lines = [line for line in head.splitlines() if line.strip()]
    if lines and lines[0].strip().lower().startswith("sep="):
        lines = lines[1:]
    names = {c.strip().strip('"').lower() for c in lines[0].replace(";", ",").split(",")} \
        if lines else set()
    return "exercise" in names
