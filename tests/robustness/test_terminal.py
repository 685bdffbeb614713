"""Names from files and archives never reach the terminal raw: escape sequences and line breaks
in them are printed escaped (as ``ls -b``), so a name cannot retitle the window, clear the screen
or print a line of its own."""

from __future__ import annotations

import json

import pytest

from pipeline import cli
from pipeline.cli_text import run_text
from pipeline.ingest.summary import IngestSummary
from pipeline.terminal import shown, shown_lines
from tests.factories import zip_bytes
from tests.robustness.conftest import fit_run

FAKE = "0 new, 0 duplicates, 0 quarantined in 0.1 s (all good)"
HOSTILE = {  # member names (".fit" is added: files of any other type are skipped silently)
    "title": "\x1b]0;pwned\x07run",  # sets the window title
    "clear": "\x1b[2J\x1b[Hrun",  # clears the screen
    "fake line": f"x\n{FAKE}\n",  # prints a line of its own
    "carriage return": f"x\r{FAKE}\n",  # overwrites the line
    "bidi": "\u202eexe",  # shows reversed
}
RAW = ("\x1b", "\x07", "\r", "\u202e")


def assert_safe(text: str) -> None:
    assert not any(c in text for c in RAW), repr(text)
    assert FAKE not in text.splitlines(), "a name printed a line of its own"


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_member_names_are_printed_escaped(sandbox, kind, good_fit):
    name = HOSTILE[kind] + ".fit"
    archive = sandbox.write("export.zip", zip_bytes({
        name: b"not a fit file at all",  # quarantined: its name is printed
        f"ok-{name}": fit_run("2026-03-03T07:00:00Z"),  # stored; only counted
    }))
    code, out, err = sandbox.run("ingest", str(archive), str(good_fit))
    assert code == 1
    assert_safe(out + err)
    assert shown(name) in out  # the name is there, escaped
    # the store and --json keep the name exactly (JSON escapes it itself)
    code, out, _ = sandbox.run("ingest", "--json", str(archive))
    assert all(ord(c) >= 0x20 for c in out.replace("\n", ""))
    assert sandbox.ledger()["source_file"].str.contains(name, regex=False).any()


def test_a_hostile_file_name_in_a_folder_is_printed_escaped(sandbox, good_fit):
    sandbox.write(f"runs/\x1b[2Jbad\n{FAKE}.fit", b"garbage")
    code, out, err = sandbox.run("ingest", str(sandbox.inputs / "runs"), str(good_fit))
    assert code == 1
    assert_safe(out + err)
    assert "\\033[2Jbad\\n" in out


def test_every_summary_escapes_names_and_reasons():
    summary = IngestSummary(quarantined=[("a\x1b[2J.fit", "bad\nreason")],
                            warnings=[("b\r.fit", "w\x07")])
    assert_safe(summary.text())
    text = run_text({"athletes": [{"athlete": "me", "ingest": None, "pain_logs": [],
                                   "recommendation": None,
                                   "rejected": [{"source": f"c\n{FAKE}", "reason": "\x1b]0;t"}]}],
                     "reports": []})
    assert_safe(text)


def test_shown_is_ls_b_style():
    assert shown("a\nb\tc\x1b[0m\x7f") == "a\\nb\\tc\\033[0m\\177"
    assert shown("caf\udce9") == "caf\\xe9"  # a byte of a name that is not UTF-8
    assert shown_lines("one\ntwo\x1b") == "one\ntwo\\033"  # a block keeps its own lines
    assert shown("Läufe/ok.fit") == "Läufe/ok.fit"  # printable text is untouched


def test_an_error_message_quoting_a_name_is_escaped(tmp_path, capsys):
    missing = tmp_path / f"gone\x1b]0;x\x07\n{FAKE}.csv"
    code = cli.main(["pain", "import", "--data-dir", str(tmp_path / "data"), str(missing)])
    assert code != 0
    out, err = capsys.readouterr()
    assert_safe(out + err)
    json.dumps(err)  # printable
