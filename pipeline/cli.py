"""The ``runload`` command: parse arguments, call the library or a flow, print.

Exit status: 0 success, 1 some inputs rejected (listed), 2 usage error. No traceback reaches the
user unless RUNLOAD_DEBUG=1 is set. Prefect is imported only by the commands that orchestrate.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import difflib
import json
import os
import re
import sys
import warnings
from datetime import date
from pathlib import Path

from pipeline.cli_environment import caches_in_data_folder
from pipeline.cli_text import recommendation_text, run_text
from pipeline.config import MAX_ATHLETE_ID, Settings, Thresholds, valid_athlete_id
from pipeline.errors import RunloadError, UsageError
from pipeline.lifeline import sigterm_as_interrupt
from pipeline.terminal import shown, shown_lines

EXAMPLES = {
    "ingest": "runload ingest ~/Downloads/export_12345.zip activity.fit runs/",
    "pain": "runload pain add --date 2026-11-20 --pain 3 --context next_morning",
    "pain add": "runload pain add --date 2026-11-20 --pain 3 --context next_morning --rehab",
    "pain import": "runload pain import my-pain-log.csv",
    "rehab": "runload rehab add --exercise 'isometric bridge hold' --sets 5 --hold-s 45 --pain 2",
    "rehab add": "runload rehab add --date 2026-11-20 --exercise 'single-leg RDL' --sets 3 "
                 "--reps 8 --load-kg 12 --pain 1",
    "rehab import": "runload rehab import my-rehab-log.csv",
    "analyze": "runload analyze --as-of 2026-11-20",
    "report": "runload report --all",
    "run": "runload run --all",
    "demo": "runload demo --dir demo",
    "serve": "runload serve --interval-minutes 60",
    "profile": "runload profile --timezone America/Denver --sex female --hr-rest 52 --hr-max 188",
    "rebuild": "runload rebuild --athlete me",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit is 2 as well; keep its one-line form
        self.print_usage(sys.stderr)
        self.exit(2, f"runload: error: {message}{did_you_mean(message)}\n")


def did_you_mean(message: str) -> str:
    """``"; did you mean 'ingest'?"`` for argparse's invalid-choice message of a mistyped
    command (``ingset``, ``analyse``); "" when nothing is close."""
    found = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if not found:
        return ""
    choices = re.findall(r"'([^']*)'", found.group(2)) or [
        c.strip() for c in found.group(2).split(",")]
    close = difflib.get_close_matches(found.group(1).lower(), choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


DATE_PATTERN = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _iso_date(text: str) -> date:
    """A date as ``YYYY-MM-DD``; ``2021-6-14`` (no leading zeros) is accepted too."""
    found = DATE_PATTERN.fullmatch(text.strip())
    try:
        return date(*(int(g) for g in found.groups())) if found else date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date: {text!r} (use YYYY-MM-DD, e.g. 2026-06-14)") from None


def _as_of_date(text: str) -> date:
    """An ``--as-of`` date: ISO, and not after today (a plan cannot use days not yet lived)."""
    day = _iso_date(text)
    if day > date.today():
        raise argparse.ArgumentTypeError(
            f"--as-of {day.isoformat()} is in the future (today is {date.today().isoformat()})")
    return day


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, default=Path("data"), help="default: ./data")
    p.add_argument("--reports-dir", type=Path, default=Path("reports"), help="default: ./reports")
    p.add_argument("--athlete", default="me", help="athlete id: letters, digits, - and _")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")


def _sub(subparsers, name: str, help: str, key: str | None = None) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        name, help=help, description=help, epilog=f"example: {EXAMPLES[key or name]}"
    )
    _common(p)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="runload", description="Running load and pain, from your watch files.")
    # not required: a bare `runload` (or `runload pain`) prints the help instead of an error
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    p = _sub(commands, "ingest", "Import activity files, folders and .zip exports.")
    p.add_argument("paths", nargs="+", help=".fit/.gpx/.tcx (optionally .gz), folders, .zip")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    pain = commands.add_parser("pain", help="Add to or import the pain log.")
    pain.set_defaults(help_parser=pain)
    pain_cmds = pain.add_subparsers(dest="pain_command", parser_class=_Parser)
    p = _sub(pain_cmds, "add", "Append one pain-log entry.", "pain add")
    p.add_argument("--date", type=_iso_date, help="local date, YYYY-MM-DD (default: today)")
    p.add_argument("--pain", required=True, type=float, help="0 to 10")
    p.add_argument("--context", default="daily",
                   help="during_run, after_run, next_morning, sitting, daily (default), "
                        "during_cross_training or after_cross_training")
    p.add_argument("--activity", help="with a cross-training context: cycling, swimming, "
                                      "water_running, elliptical, walking or other")
    p.add_argument("--time", help="HH:MM local time")
    p.add_argument("--weakness", action="store_true", help="hip or hamstring weakness noticed")
    p.add_argument("--rehab", action="store_true", help="stretching or strengthening done")
    p.add_argument("--compression", action="store_true", help="compression shorts worn")
    p.add_argument("--note", help="free text")
    p = _sub(pain_cmds, "import", "Validate and merge a pain-log CSV.", "pain import")
    p.add_argument("file", type=Path)

    rehab = commands.add_parser("rehab", help="Add to or import the rehab log.")
    rehab.set_defaults(help_parser=rehab)
    rehab_cmds = rehab.add_subparsers(dest="rehab_command", parser_class=_Parser)
    p = _sub(rehab_cmds, "add", "Append one rehab-log entry (stretching or strengthening done).",
             "rehab add")
    p.add_argument("--date", type=_iso_date, help="local date, YYYY-MM-DD (default: today)")
    p.add_argument("--exercise", required=True, help="e.g. 'isometric bridge hold'")
    p.add_argument("--sets", type=int)
    p.add_argument("--reps", type=int)
    p.add_argument("--load-kg", type=float, help="added load, kg")
    p.add_argument("--hold-s", type=float, help="hold per set, seconds")
    p.add_argument("--pain", type=float, help="pain during the exercise, 0 to 10")
    p.add_argument("--note", help="free text")
    p = _sub(rehab_cmds, "import", "Validate and merge a rehab-log CSV (all or nothing).",
             "rehab import")
    p.add_argument("file", type=Path)

    p = _sub(commands, "analyze", "Recompute features, symptom relation and recommendation.")
    p.add_argument("--as-of", type=_as_of_date, help="default: today; not in the future")

    p = _sub(commands, "report", "Write the HTML and PDF reports.")
    p.add_argument("--all", action="store_true", help="every athlete, plus reports/index.html")
    p.add_argument("--as-of", type=_as_of_date,
                   help="default: the date of the last `runload analyze` (not in the future);"
                        " another date must be analysed first")
    p.add_argument("--show-maps", action="store_true", help="include route maps (off: privacy)")

    p = _sub(commands, "run", "The whole pipeline as a Prefect flow (inbox, analyze, report).")
    p.add_argument("--all", action="store_true", help="every athlete")
    p.add_argument("--as-of", type=_as_of_date, help="default: today; not in the future")
    p.add_argument("--dask-address", help="run tasks on this Dask scheduler (e.g. tcp://host:8786)"
                   " or 'local' for a local cluster")

    p = _sub(commands, "demo", "Generate a demo athlete and run the whole pipeline on it.")
    p.add_argument("--dir", type=Path, default=Path("demo"), help="default: ./demo")

    p = _sub(commands, "serve", "Serve the pipeline as a Prefect deployment on a schedule.")
    p.add_argument("--interval-minutes", type=float, default=60.0,
                   help="minutes between two runs (default: 60)")
    p.add_argument("--all", action="store_true", help="every athlete")

    p = _sub(commands, "profile", "Show or set the athlete's time zone and heart-rate settings.")
    p.add_argument("--timezone", help="IANA name, e.g. Europe/Berlin")
    p.add_argument("--sex", choices=["female", "male"], help="for Banister TRIMP")
    p.add_argument("--hr-rest", type=float, help="resting heart rate, bpm")
    p.add_argument("--hr-max", type=float, help="maximum heart rate, bpm")

    p = _sub(commands, "rebuild", "Recreate data/processed/ from data/raw/ (after a damaged or "
             "deleted file).")
    p.add_argument("--as-of", type=_iso_date, help="for the analysis; default: the last one's")
    p.add_argument("--all", action="store_true", help="every athlete")
    parser.set_defaults(help_parser=parser)
    return parser


# Input limits a user can change without code: variable -> (Thresholds field, unit in bytes or 1)
LIMIT_VARIABLES = {
    "RUNLOAD_MAX_INPUT_MB": ("max_input_bytes", 2**20),
    "RUNLOAD_MAX_ARCHIVE_MB": ("max_archive_uncompressed_bytes", 2**20),
    "RUNLOAD_MAX_COMPRESSION_RATIO": ("max_compression_ratio", 1),
    "RUNLOAD_MAX_ARCHIVE_DEPTH": ("max_archive_depth", 1),
    "RUNLOAD_MAX_RECORDS": ("max_records", 1),
}


def thresholds_from_environment(environ=os.environ) -> Thresholds:
    """``Thresholds`` with the input limits the ``RUNLOAD_MAX_*`` variables set (MiB, ratio)."""
    defaults = Thresholds()
    changes = {}
    for variable, (name, unit) in LIMIT_VARIABLES.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value > 0 or value == float("inf"):
            raise UsageError(f"{variable}={text!r} is not a positive number")
        kind = type(getattr(defaults, name))
        if kind is int and unit == 1 and value != int(value):
            raise UsageError(f"{variable}={text!r} must be a whole number")
        changes[name] = max(1, int(value * unit)) if kind is int else value * unit
    return dataclasses.replace(defaults, **changes)


def settings_from(args) -> Settings:
    if not valid_athlete_id(args.athlete):
        raise UsageError(f"invalid athlete id {args.athlete!r}: use letters, digits, - and _ "
                         f"(at most {MAX_ATHLETE_ID})")
    for option, folder in (("--data-dir", args.data_dir), ("--reports-dir", args.reports_dir)):
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{option} {folder} is a file, not a folder")
    return Settings(data_dir=args.data_dir, reports_dir=args.reports_dir,
                    thresholds=thresholds_from_environment())


def _print(args, summary: dict, text: str) -> None:
    if args.json:  # JSON escapes control characters itself
        print(json.dumps(summary, indent=2, default=str))
    elif text:
        print(shown_lines(text))  # names from files never reach the terminal raw


def cmd_ingest(args, settings: Settings) -> int:
    from pipeline.ingest.run import ingest_paths
    from pipeline.paths import Store

    # a mistyped path is the user's slip, not a bad file: nothing is imported or recorded
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise UsageError("no such file or folder: " + ", ".join(missing)
                         + " (nothing was imported)")
    show_progress = not args.no_progress and not args.json and sys.stderr.isatty()
    summary = ingest_paths(
        args.paths,
        Store(settings.data_dir, args.athlete),
        thresholds=settings.thresholds,
        progress=show_progress,
    )
    _print(args, summary.as_dict(), summary.text())
    return 1 if summary.rejected else 0


def cmd_pain(args, settings: Settings) -> int:
    from pipeline.paths import Store

    store = Store(settings.data_dir, args.athlete)
    if args.pain_command == "add":
        # plain Python only (no pandas): the entry is appended to the raw log and folded into
        # pain_log.parquet by the next command that reads the pain log
        from pipeline.painlog.add import (
            local_today, record_entry, recorded_summary, recorded_text)

        entry = record_entry(
            store,
            date=args.date or local_today(store),
            pain=args.pain,
            context=args.context,
            time=args.time,
            weakness=args.weakness,
            rehab=args.rehab,
            compression=args.compression,
            note=args.note,
            activity=args.activity,
        )
        _print(args, recorded_summary(store, entry), recorded_text(entry))
        return 0
    from pipeline.painlog.commands import import_csv

    return _log_imported(args, settings, store, import_csv)


def cmd_rehab(args, settings: Settings) -> int:
    from pipeline.paths import Store

    store = Store(settings.data_dir, args.athlete)
    if args.rehab_command == "add":
        # plain Python only (no pandas), as `pain add`: the entry is appended to the raw log and
        # folded into rehab_log.parquet by the next command that reads the rehab log
        from pipeline.rehab.add import record_entry, recorded_summary, recorded_text

        entry = record_entry(store, date=args.date, exercise=args.exercise, sets=args.sets,
                             reps=args.reps, load_kg=args.load_kg, hold_s=args.hold_s,
                             pain=args.pain, note=args.note)
        _print(args, recorded_summary(store, entry), recorded_text(entry))
        return 0
    from pipeline.rehab.commands import import_csv

    return _log_imported(args, settings, store, import_csv)


def _log_imported(args, settings: Settings, store, import_csv) -> int:
    """``pain import`` and ``rehab import``: the log's ``import_csv`` of ``args.file``, printed."""
    result = import_csv(store, args.file, max_bytes=settings.thresholds.max_input_bytes)
    _print(args, result.as_dict(), result.text())
    return 0


def cmd_analyze(args, settings: Settings) -> int:
    from pipeline.analysis import analyze
    from pipeline.store import Store

    recommendation = analyze(Store(settings.data_dir, args.athlete), as_of=args.as_of,
                             thresholds=settings.thresholds)
    _print(args, recommendation, recommendation_text(recommendation))
    return 0


def cmd_report(args, settings: Settings) -> int:
    from pipeline.report import write_reports

    written = write_reports(
        settings,
        athlete=None if args.all else args.athlete,
        as_of=args.as_of,
        show_maps=args.show_maps,
    )
    _print(args, {"written": [str(p) for p in written]},
           "\n".join(f"wrote {p}" for p in written))
    return 0


def cmd_run(args, settings: Settings) -> int:
    from pipeline import flows

    result = flows.run_cli(settings, athlete=None if args.all else args.athlete,
                           as_of=args.as_of, dask_address=args.dask_address)
    _print(args, result, run_text(result))
    return 1 if result.get("rejected") else 0


def cmd_demo(args, settings: Settings) -> int:
    from pipeline import flows

    result = flows.demo_cli(settings, demo_dir=args.dir, athlete=args.athlete)
    _print(args, result, run_text(result))
    return 0


def cmd_serve(args, settings: Settings) -> int:
    from pipeline import flows

    flows.serve_cli(settings, athlete=None if args.all else args.athlete,
                    interval_minutes=args.interval_minutes)
    return 0


def cmd_profile(args, settings: Settings) -> int:
    from pipeline.paths import Store
    from pipeline.profile import update_profile

    notes: list[str] = []
    profile = update_profile(Store(settings.data_dir, args.athlete), notes=notes,
                             timezone=args.timezone, sex=args.sex, hr_rest_bpm=args.hr_rest,
                             hr_max_bpm=args.hr_max)
    for note in notes:
        print(f"runload: {note}", file=sys.stderr)
    _print(args, profile, "\n".join(f"{k}: {v}" for k, v in profile.items()) or "(no settings)")
    return 0


def cmd_rebuild(args, settings: Settings) -> int:
    from pipeline.rebuild import rebuild
    from pipeline.store import Store, athletes

    names = athletes(settings.data_dir) if args.all else [args.athlete]
    summaries = [rebuild(Store(settings.data_dir, name), thresholds=settings.thresholds,
                         as_of=args.as_of) for name in names]
    _print(args, {"athletes": [s.as_dict() for s in summaries]},
           "\n".join(s.text() for s in summaries) or f"no athlete in {settings.data_dir}")
    return 1 if any(s.left_out for s in summaries) else 0


COMMANDS = {
    "ingest": cmd_ingest,
    "pain": cmd_pain,
    "rehab": cmd_rehab,
    "analyze": cmd_analyze,
    "report": cmd_report,
    "run": cmd_run,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "profile": cmd_profile,
    "rebuild": cmd_rebuild,
}


def main(argv: list[str] | None = None) -> int:
    from pipeline.prefect_defaults import TELEMETRY_OFF  # only os: cheap

    for key, value in TELEMETRY_OFF.items():  # also for the Prefect servers started as children
        os.environ.setdefault(key, value)
    # Arrow's default allocator (mimalloc) keeps the memory it frees, so each rewrite of a growing
    # activities.parquet raised a bulk import's memory for good (3,000 files peaked at 269 MiB
    # with it, 256 MiB without); the C library's malloc returns it. Read when pyarrow is first
    # imported, which the commands do later; a value the user set wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    args = build_parser().parse_args(argv)
    if args.command is None or (args.command == "pain" and args.pain_command is None) \
            or (args.command == "rehab" and args.rehab_command is None):
        args.help_parser.print_help()  # what a first try needs, not an error line
        return 2
    restore_sigterm = sigterm_as_interrupt()  # systemd's or `timeout`'s SIGTERM: as Ctrl-C
    restore_environment = caches_in_data_folder(args)
    try:
        settings = settings_from(args)
        with warnings.catch_warnings():
            # scikit-learn's notes to developers (UserWarnings) are not for the user's terminal
            if not os.environ.get("RUNLOAD_DEBUG"):
                warnings.filterwarnings("ignore", module=r"sklearn(\.|$)")
            return COMMANDS[args.command](args, settings)
    except UsageError as e:
        print(shown_lines(f"runload: error: {e}"), file=sys.stderr)
        return 2
    except RunloadError as e:
        print(shown_lines(f"runload: {e}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("runload: interrupted; the store is unchanged by the unfinished step", file=sys.stderr)
        return 130
    except OSError as e:  # a full disk, a read-only or forbidden folder: say which and what to do
        if os.environ.get("RUNLOAD_DEBUG"):
            raise
        print(shown_lines(f"runload: {os_error_text(e, folder_option=_folder_option(e, args))}"),
              file=sys.stderr)
        return 1
    except Exception as e:  # last resort: a plain message, the traceback only on request
        if os.environ.get("RUNLOAD_DEBUG"):
            raise
        print(shown_lines(f"runload: internal error: {type(e).__name__}: {shown(e)}\n"
                          "  (set RUNLOAD_DEBUG=1 for details and please report it)"),
              file=sys.stderr)
        return 1
    finally:
        restore_sigterm()
        restore_environment()


OS_ERROR_HINTS = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space",
    errno.EROFS: "use a writable --data-dir",
    errno.EACCES: "make the folder writable for this user or use another --data-dir",
    errno.EPERM: "make the folder writable for this user or use another --data-dir",
    errno.ENOTDIR: "a part of the path is a file, not a folder: use another --data-dir",
    errno.ENAMETOOLONG: "a name is too long for the file system: use a shorter --data-dir",
}


def _folder_option(e: OSError, args) -> str:
    """The option naming the folder where ``e`` happened: --reports-dir or --data-dir."""
    filename = getattr(e, "filename", None)
    try:
        if filename and Path(os.path.abspath(filename)).is_relative_to(
                os.path.abspath(args.reports_dir)):
            return "--reports-dir"
    except (TypeError, ValueError):
        pass
    return "--data-dir"


def os_error_text(e: OSError, *, folder_option: str = "--data-dir") -> str:
    """One line for a file-system error: what failed, where, and what to do."""
    code = e.errno
    if code is None:  # pyarrow's errors carry the errno only in their text
        names = ((errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only file system"),
                 (errno.EACCES, "Permission denied"))
        code = next((c for c, name in names if name in str(e)), None)
    hint = OS_ERROR_HINTS.get(code, "the command stopped").replace("--data-dir", folder_option)
    where = f" ({e.filename})" if getattr(e, "filename", None) else ""
    what = os.strerror(code) if code in OS_ERROR_HINTS else (e.strerror or str(e)
                                                             or type(e).__name__)
    return (f"{what}{where}: {hint}; then run the command again (every write is atomic: what was "
            "stored before is intact and finished steps are kept)")


def entry() -> int:
    """The ``runload`` console script: ``main`` in a process of its own.

    pandera loads its data-synthesis strategies, and with them hypothesis (0.3-0.9 s), on the
    first validation whenever hypothesis is installed (the test extra installs it); no command
    synthesises data, so the command's own process does without (a user's install has no
    hypothesis anyway). Not done in ``main``, which tests call in a process that uses it.
    """
    if "hypothesis" not in sys.modules:
        sys.modules["hypothesis"] = None  # ``import hypothesis`` raises ImportError here
    return main()


if __name__ == "__main__":
    sys.exit(entry())
