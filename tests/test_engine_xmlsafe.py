"""Hostile XML is refused before SpiffWorkflow ever sees it (engine/xmlsafe.py)."""
import io
from pathlib import Path

import pytest
from lxml import etree

from engine.definitions import parse_definitions
from engine.errors import DefinitionError
from engine.xmlsafe import MAX_XML_BYTES, parse_xml, safe_parser

HOSTILE = Path(__file__).parent / "data" / "defs" / "hostile"
GOOD = Path(__file__).parent / "data" / "defs" / "good"
HOSTILE_FILES = sorted(p.name for p in HOSTILE.glob("*.bpmn"))
MINIMAL = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
           b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
           b'<bpmn:process id="p"/></bpmn:definitions>')


def refusal(data, filename="upload.bpmn"):
    with pytest.raises(DefinitionError) as caught:
        parse_xml(data, filename)
    [problem] = caught.value.problems
    assert problem.file == filename
    return problem


def test_a_plain_file_parses_to_a_tree():
    tree = parse_xml(MINIMAL, "ok.bpmn")
    assert isinstance(tree, etree._ElementTree)
    assert tree.getroot().get("id") == "d"


def test_text_is_accepted_as_well_as_bytes():
    assert parse_xml(MINIMAL.decode(), "ok.bpmn").getroot().get("id") == "d"


def test_hostile_files_are_there():
    assert HOSTILE_FILES == ["billion_laughs.bpmn", "doctype_only.bpmn", "xxe_file.bpmn",
                             "xxe_parameter.bpmn"]


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_any_doctype_is_refused(name):
    problem = refusal((HOSTILE / name).read_bytes(), name)
    assert "DOCTYPE" in problem.message


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_doctype_in_utf16_is_refused_too(name):
    text = (HOSTILE / name).read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    problem = refusal(text.encode("utf-16"), name)
    # libxml2 may already stop billion laughs while parsing; either way nothing gets through.
    assert "DOCTYPE" in problem.message or "amplification" in problem.message


def test_the_parser_itself_expands_no_external_entity():
    """Defence in depth: even without the DOCTYPE check nothing is read from disk."""
    data = (HOSTILE / "xxe_file.bpmn").read_bytes()
    tree = etree.parse(io.BytesIO(data), safe_parser())
    documentation = tree.getroot().find(".//{*}documentation")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else "?"
    assert hostname not in "".join(documentation.itertext())


def test_the_parser_itself_does_not_blow_up_billion_laughs():
    data = (HOSTILE / "billion_laughs.bpmn").read_bytes()
    try:
        tree = etree.parse(io.BytesIO(data), safe_parser())
    except etree.XMLSyntaxError:
        return  # libxml2 refusing the amplification is fine too
    assert len(etree.tostring(tree)) < 100_000


def test_an_oversize_file_is_refused_before_parsing():
    data = MINIMAL + b" " * MAX_XML_BYTES
    problem = refusal(data)
    assert str(MAX_XML_BYTES) in problem.message


def test_a_file_at_the_limit_is_accepted():
    data = MINIMAL + b" " * (MAX_XML_BYTES - len(MINIMAL))
    assert parse_xml(data, "big.bpmn").getroot().get("id") == "d"


@pytest.mark.parametrize("data, line", [
    (b"<a>\n<b>\n</a>", 3),
    (b"", 1),
    (b"not xml at all", 1),
    (b'<?xml version="1.0"?>\n<a x="1" x="2"/>', 2),
])
def test_malformed_xml_names_file_and_line(data, line):
    problem = refusal(data, "broken.bpmn")
    assert problem.message.startswith("malformed XML")
    assert problem.line == line


def test_an_unknown_encoding_is_a_problem_not_an_lxml_error():
    problem = refusal(b'<?xml version="1.0" encoding="no-such-encoding"?><a/>')
    assert "XML" in problem.message


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_parse_definitions_refuses_hostile_files_by_name(name):
    files = {name: (HOSTILE / name).read_bytes(),
             "camunda_message.bpmn": (GOOD / "camunda_message.bpmn").read_bytes()}
    with pytest.raises(DefinitionError) as caught:
        parse_definitions(files)
    assert [p.file for p in caught.value.problems] == [name]
