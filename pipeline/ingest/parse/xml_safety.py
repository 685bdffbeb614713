"""Safe XML for GPX and TCX: no DTD, no entity expansion, no external entities; readable errors."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from xml.parsers import expat

import defusedxml
import defusedxml.ElementTree as DET

from pipeline.errors import UnreadableInput, UnsafeInput

_BOM = codecs.BOM_UTF8
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHUNK = 64 * 1024
# GPX and TCX nest about 7-9 levels (gpx/trk/trkseg/trkpt/extensions/TrackPointExtension/hr).
# Far deeper nesting is an attack or garbage: gpxpy deep-copies <extensions> recursively in C,
# and 200,000 levels overflow the C stack and kill the process (SIGSEGV), which no except catches.
MAX_XML_DEPTH = 100


class _TooDeep(Exception):
    """Raised by the depth scan at the first element nested deeper than the limit."""


class _RootReached(Exception):
    """Raised by the prolog scan at the first element: no DTD can follow it."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def xml_start(data: bytes) -> bytes:
    """The bytes from the first ``<``: without a UTF-8 byte-order mark and leading whitespace.

    Strava TCX files start with whitespace before the XML declaration, which XML forbids.
    """
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    return data.lstrip(b" \t\r\n")


def refuse_html(data: bytes, *, kind: str, source: str) -> None:
    """Raise ``UnreadableInput`` for an HTML page (a browser's saved sign-in page), empty input or
    input that is not markup at all."""
    head = xml_start(data)[:1024].lower()
    if head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head[:300]:
        raise UnreadableInput(f"not a {kind} file: it is an HTML page", source=source)
    if not head:
        raise UnreadableInput(f"not a {kind} file: it is empty", source=source)
    if not head.startswith(b"<"):
        raise UnreadableInput(f"not a {kind} file: it does not start with XML", source=source)


def _unsafe(what: str, source: str) -> UnsafeInput:
    return UnsafeInput(
        f"refused for safety: the file declares {what}; GPX and TCX never need one, and its "
        "entities could exhaust memory or read other files",
        source=source,
    )


def _dtd_refusing_parser(source: str):
    """An expat parser that raises ``UnsafeInput`` at a document type or entity declaration."""
    parser = expat.ParserCreate()

    def doctype(*_args):
        raise _unsafe("a document type (<!DOCTYPE>)", source)

    def entity(*_args):
        raise _unsafe("an entity (<!ENTITY>)", source)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    return parser


def _parse_in_chunks(parser, data: bytes | str) -> None:
    """Feed ``data`` to ``parser`` in pieces of ``_CHUNK`` (its handlers may stop it early)."""
    for i in range(0, len(data), _CHUNK):
        parser.Parse(data[i : i + _CHUNK], False)
    parser.Parse(b"", True)


def refuse_dtd(data: bytes | str, *, source: str) -> str:
    """The root element's name; raises ``UnsafeInput`` when the prolog holds a DTD or entity.

    Reads only up to the root element with expat (a DTD can only precede it), so it costs nothing
    on large files; what comes after is parsed by a parser that then sees no entity definitions.
    """
    parser = _dtd_refusing_parser(source)

    def root(name, *_args):
        raise _RootReached(name)

    parser.StartElementHandler = root
    try:
        _parse_in_chunks(parser, data)
    except _RootReached as e:
        return local_name(e.name.rsplit(":", 1)[-1])
    except expat.ExpatError as e:
        raise UnreadableInput(
            f"invalid XML at line {e.lineno}: {expat.ErrorString(e.code)}", source=source
        ) from None
    raise UnreadableInput("invalid XML: no root element", source=source)


def refuse_deep_nesting(
    data: bytes | str, *, source: str, max_depth: int = MAX_XML_DEPTH
) -> None:
    """Raise ``UnsafeInput`` when elements nest deeper than ``max_depth`` levels.

    ``data`` is what the reader's parser will get: bytes (their declared encoding applies) or
    text (read as such, whatever the declaration says, as ElementTree does).

    One expat pass that only counts start and end tags (about 30 ms per MB; a few ms for a
    one-hour GPX), before any parser that recurses over the tree sees the data. A DTD or entity
    is refused as in ``refuse_dtd``, so nothing is expanded. Invalid XML ends the scan quietly:
    the reader's own parser then reports it, and it stops at the same place.
    """
    parser = _dtd_refusing_parser(source)
    depth = 0

    def start(*_args):
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _TooDeep()

    def end(_name):
        nonlocal depth
        depth -= 1

    parser.ordered_attributes = True  # lists: cheaper than a dict per element
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        _parse_in_chunks(parser, data)
    except _TooDeep:
        raise UnsafeInput(
            f"refused for safety: elements nested more than {max_depth} levels deep (GPX and "
            "TCX need under 10); such nesting can crash the XML reader",
            source=source,
        ) from None
    except (expat.ExpatError, ValueError):  # ValueError: a multi-byte encoding expat cannot read
        return


def xml_text(data: bytes, *, source: str) -> str:
    """The document as text, decoded with the encoding its XML declaration names (UTF-8 if none)."""
    m = _ENCODING.match(data[:300])
    encoding = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return data.decode(encoding)
    except LookupError:
        raise UnreadableInput(f"unknown text encoding {encoding!r}", source=source) from None
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise UnreadableInput(
            f"invalid XML at line {line}: bytes that are not {encoding} text", source=source
        ) from None


def parse_error(e: Exception, *, source: str) -> UnreadableInput:
    """An ``UnreadableInput`` saying where and why the XML is invalid."""
    position = getattr(e, "position", None)
    message = str(e)
    message = re.sub(r":?\s*line \d+, column \d+$", "", message) or "not well-formed"
    if position:
        return UnreadableInput(f"invalid XML at line {position[0]}: {message}", source=source)
    return UnreadableInput(f"invalid XML: {message}", source=source)


def safe_root(data: bytes, *, kind: str, source: str) -> ET.Element:
    """The root element of an XML document parsed with defusedxml (no DTD, entities, externals).

    Tolerates a byte-order mark and whitespace before the declaration; an HTML page, invalid XML,
    any DTD and nesting deeper than ``MAX_XML_DEPTH`` are refused with ``UnreadableInput`` /
    ``UnsafeInput``.
    """
    data = xml_start(data)
    refuse_html(data, kind=kind, source=source)
    refuse_deep_nesting(data, source=source)
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DTDForbidden:
        raise _unsafe("a document type (<!DOCTYPE>)", source) from None
    except defusedxml.EntitiesForbidden:
        raise _unsafe("an entity (<!ENTITY>)", source) from None
    except defusedxml.ExternalReferenceForbidden:
        raise _unsafe("an external reference", source) from None
    except ET.ParseError as e:
        raise parse_error(e, source=source) from None


def local_name(tag: str) -> str:
    """An element's tag without its ``{namespace}``."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
