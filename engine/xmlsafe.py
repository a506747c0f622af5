"""Parse uploaded BPMN/DMN XML as hostile input.

Every diagram comes from a browser upload or a file on disk that a process owner edited, so it is
parsed with an explicit lxml parser that never resolves entities, never touches the network and
never loads a DTD. Any DOCTYPE at all is refused (a BPMN or DMN file has no use for one), and so is
a file over ``MAX_XML_BYTES``. Whatever goes wrong surfaces as a ``DefinitionError`` naming the
file; no lxml exception escapes.
"""
from __future__ import annotations

import io
import re

from lxml import etree

from .errors import DefinitionError, Problem

MAX_XML_BYTES = 5 * 1024 * 1024

_DOCTYPE = re.compile(rb"<!\s*DOCTYPE", re.IGNORECASE)


def safe_parser() -> etree.XMLParser:
    """A new lxml parser that resolves no entities, loads no DTD and never uses the network."""
    # A new one per call: lxml parser objects are not safe to share across threads.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=False)


def _refuse(filename: str, message: str, line: int | None = None) -> DefinitionError:
    return DefinitionError([Problem(filename, message, line)])


def parse_xml(data: bytes, filename: str) -> etree._ElementTree:
    """Parse ``data`` safely into an lxml tree, or raise ``DefinitionError`` naming ``filename``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_XML_BYTES:
        raise _refuse(filename, f"file is {len(data)} bytes; the limit is {MAX_XML_BYTES} bytes")
    if _DOCTYPE.search(data):
        raise _refuse(filename, "a DOCTYPE declaration is not allowed in a BPMN or DMN file")
    try:
        tree = etree.parse(io.BytesIO(data), safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _refuse(filename, f"malformed XML: {exc.msg}", exc.lineno or None) from None
    except (etree.LxmlError, ValueError) as exc:
        raise _refuse(filename, f"unreadable XML: {exc}") from None
    # The byte scan above misses other encodings (UTF-16...); the parsed document does not.
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _refuse(filename, "a DOCTYPE declaration is not allowed in a BPMN or DMN file")
    return tree
