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


def refuse_dtd(data: bytes, *, source: str) -> str:
    """The root element's name; raises ``UnsafeInput`` when the prolog holds a DTD or entity.

    Reads only up to the root element with expat (a DTD can only precede it), so it costs nothing
    on large files; what comes after is parsed by a parser that then sees no entity definitions.
    """
    parser = expat.ParserCreate()

    def doctype(*_args):
        raise _unsafe("a document type (<!DOCTYPE>)", source)

    def entity(*_args):
        raise _unsafe("an entity (<!ENTITY>)", source)

    def root(name, *_args):
        raise _RootReached(name)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = root
    try:
        for i in range(0, len(data), _CHUNK):
            parser.Parse(data[i : i + _CHUNK], False)
        parser.Parse(b"", True)
    except _RootReached as e:
        return local_name(e.name.rsplit(":", 1)[-1])
    except expat.ExpatError as e:
        raise UnreadableInput(
            f"invalid XML at line {e.lineno}: {expat.ErrorString(e.code)}", source=source
        ) from None
    raise UnreadableInput("invalid XML: no root element", source=source)


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

    Tolerates a byte-order mark and whitespace before the declaration; an HTML page, invalid XML
    and any DTD are refused with ``UnreadableInput`` / ``UnsafeInput``.
    """
    data = xml_start(data)
    refuse_html(data, kind=kind, source=source)
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
