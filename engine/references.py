"""Check the values that become a case's reference and title where they enter (a start's
``reference`` or ``data.case_ref``/``data.case_title``, a message payload's ``case_ref``).

They reach email subjects, notification text and iCalendar properties: a line break there
would fail every email behind it or forge a header, so they are refused at the door, with the
field named, rather than cleaned later.
"""
from __future__ import annotations

import unicodedata
import zlib

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from models import ProcessInstance

from .errors import InputError, InvalidState

MAX_REFERENCE = 100     # process_instance.reference
MAX_TITLE = 300         # process_instance.title


def check_text(value, field: str, limit: int) -> str:
    """``value`` if it is a non-empty string of at most ``limit`` characters with no control
    character or line separator; else InputError naming ``field``."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{field} must be a non-empty string")
    if len(value) > limit:
        raise InputError(f"{field} must be at most {limit} characters")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Zl", "Zp")), None)
    if bad is not None:
        raise InputError(f"{field} must not contain control characters or line breaks "
                         f"(found U+{ord(bad):04X})")
    return value


def clean_title(value) -> str:
    """A title a diagram computed (``case_title`` after the first steps), as one line: control
    characters dropped, whitespace and line breaks collapsed, at most ``MAX_TITLE``."""
    text = "".join(c for c in str(value) if unicodedata.category(c) not in ("Cc", "Zl", "Zp")
                   or c.isspace())
    return " ".join(text.split())[:MAX_TITLE]


def check_start(session: Session, reference, data: dict) -> None:
    """Check a start's reference and title (InputError); the reference the case will carry
    must be new on the board (InvalidState; the default ``LSCB-yyyy-nnnnn`` is new by
    construction)."""
    if reference is not None:
        check_text(reference, "reference", MAX_REFERENCE)
    if "case_ref" in data:
        check_text(data["case_ref"], "data.case_ref", MAX_REFERENCE)
    if "case_title" in data:
        check_text(data["case_title"], "data.case_title", MAX_TITLE)
    chosen, field = (reference, "reference") if reference is not None else (
        data.get("case_ref"), "data.case_ref")
    if chosen is None:
        return
    if session.get_bind().dialect.name == "postgresql":    # SQLite's writers queue already
        session.execute(_CLAIM, {"key": zlib.crc32(chosen.encode()) - 2 ** 31})
    if session.scalar(_TAKEN, {"reference": chosen}) is not None:
        raise InvalidState(f"{field} {chosen!r} is already the reference of another case",
                           field=field)     # well-formed, but taken: a conflict (409), not bad input


def check_message_reference(payload: dict) -> None:
    """Check the ``case_ref`` of a message payload that may start a case. Cases a message
    starts share the reference of the case that sent it (learning items of one review), so
    only its form is checked here, not its uniqueness."""
    if payload.get("case_ref") is not None:
        check_text(payload["case_ref"], "message payload case_ref", MAX_REFERENCE)


# Two starts naming one reference queue on a transaction advisory lock of that reference (a
# unique index cannot say it: cases a message starts share their sender's reference).
_REFERENCE_LOCKS = 0x4C534352     # "LSCR": the class of these advisory locks
_CLAIM = text(f"SELECT pg_advisory_xact_lock({_REFERENCE_LOCKS}, :key)")
_TAKEN = (select(ProcessInstance.id)
          .where(ProcessInstance.reference == bindparam("reference")).limit(1))
