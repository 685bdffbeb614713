"""Text from files and archives made safe to print: control characters shown, never obeyed.

A file or zip member name (or a note, or a reason quoting one) can hold escape sequences and
line breaks: printed raw, it could retitle the window, clear the screen or print a fake
"0 quarantined" line. Everything runload prints goes through ``shown`` (one value) or
``shown_lines`` (a block whose own line breaks stay), which write control characters as
``ls -b`` does (``\\n``, ``\\033``); bidirectional overrides, which reorder what is shown, are
written as ``\\u202e``.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a", "\b": "\\b", "\f": "\\f",
          "\v": "\\v"}
# C0 and C1 controls, DEL, lone surrogates (bytes of a name that is not UTF-8), and the
# bidirectional embedding/override/isolate characters
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_UNSAFE_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e"
                                 "\u2066-\u2069]")


def _escaped(m: re.Match) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    code = ord(c)
    if code < 0x80:
        return f"\\{code:03o}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a name that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def shown(value) -> str:
    """``value`` as text with every control character escaped (line breaks too)."""
    return _UNSAFE.sub(_escaped, str(value))


def shown_lines(text: str) -> str:
    """A printed block with control characters escaped, its own line breaks kept."""
    return _UNSAFE_BUT_NEWLINE.sub(_escaped, text)
