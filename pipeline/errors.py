"""One exception type per failure family, each carrying what a user needs to fix the input."""

from __future__ import annotations


class RunloadError(Exception):
    """Base of every error the command line turns into a plain message (never a traceback)."""


class UsageError(RunloadError):
    """The command was called wrongly (exit status 2)."""


class InputError(RunloadError):
    """An input file cannot be used. ``source`` is the name the user gave, ``offset`` a byte."""

    def __init__(self, reason: str, *, source: str = "", offset: int | None = None):
        self.reason = reason
        self.source = source
        self.offset = offset
        where = f" (at byte {offset})" if offset is not None else ""
        super().__init__(f"{source}: {reason}{where}" if source else f"{reason}{where}")


class UnreadableInput(InputError):
    """Nothing in the input can be read as an activity: it goes to quarantine with the reason."""


class NotAnActivity(InputError):
    """A valid file that holds no activity (settings, workout, course, route, waypoints)."""


class UnsafeInput(InputError):
    """An input refused for safety: zip slip, zip bomb, XML entities, too large, too deep."""


class PainLogError(RunloadError):
    """A pain-log import with invalid rows; ``problems`` lists (line number, reason) for each."""

    def __init__(self, source: str, problems: list[tuple[int, str]]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  line {line}: {reason}" for line, reason in problems)
        super().__init__(
            f"{source}: {len(problems)} invalid row(s), nothing was merged:\n{lines}"
        )


class RehabLogError(PainLogError):
    """A rehab-log import with invalid rows (same form as a pain log's: line and reason each)."""


class StoreLockedError(RunloadError):
    """Another runload process is writing to the same athlete's store."""


class DamagedStoreError(RunloadError):
    """A processed file cannot be read back (truncated, garbled, a flipped bit): it names the file
    and the command that recreates ``data/processed/`` from ``data/raw/``."""

    def __init__(self, path, detail: str, *, rebuild: str = "runload rebuild"):
        self.path = path
        self.detail = detail
        super().__init__(
            f"{path} is damaged ({detail}); everything in data/processed/ can be recreated from "
            f"data/raw/: run `{rebuild}`"
        )
