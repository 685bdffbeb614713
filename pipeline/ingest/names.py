"""File names as stored: text that any writer accepts, from which the exact name comes back.

On Linux a file name is bytes; one that is not valid UTF-8 reaches Python with each bad byte as a
lone surrogate (``os.fsdecode``), which no UTF-8 writer (Parquet, JSON, the terminal) accepts: it
stopped a whole import. Stored, such a byte is written ``\\xNN`` (as ``ls -b`` shows it). So that
the stored text still gives back the exact name, a backslash of the name is doubled where it
would otherwise read as part of an escape (before another backslash, before a bad byte, or before
``x`` and two hex digits from 80 to ff). Every other name is stored as it is.
"""

from __future__ import annotations

import os
import re

_SURROGATE = re.compile("[\udc80-\udcff]")
# what ``name_of`` reads as an escape: a doubled backslash, or \x80 .. \xff
_ESCAPE = re.compile(r"\\\\|\\x[89a-fA-F][0-9a-fA-F]")
# a backslash the name holds that must be doubled: before a backslash, a bad byte, or \xNN
_AMBIGUOUS = re.compile(r"\\(?=\\|[\udc80-\udcff]|x[89a-fA-F][0-9a-fA-F])")


def stored_name(name: str) -> str:
    """``name`` (a path as Python decodes it) as text any UTF-8 writer accepts; see the module."""
    if "\\" not in name and not _SURROGATE.search(name):
        return name  # the usual case: untouched
    doubled = _AMBIGUOUS.sub(r"\\\\", name)
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", doubled)


def storable_text(text: str) -> str:
    """Prose (a reason quoting a name or an error) with any byte that is not UTF-8 as ``\\xNN``;
    backslashes are left as they are (unlike ``stored_name``, this is for reading, not for
    recovering a name)."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def name_of(stored: str) -> str:
    """The exact name ``stored_name`` was given (usable with ``open`` and ``os.fsencode``)."""
    if "\\" not in stored:
        return stored

    def unescaped(m: re.Match) -> str:
        text = m.group()
        return "\\" if text == "\\\\" else chr(0xDC00 + int(text[2:], 16))

    return _ESCAPE.sub(unescaped, stored)


def name_bytes(stored: str) -> bytes:
    """The file name's bytes on disk."""
    return os.fsencode(name_of(stored))
