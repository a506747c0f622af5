"""A review's impact and its report's publication on the review register (engine/learning.py,
issue 18 part 2): bad input is refused with a reason; a publication is a ``publication``
dissemination of every learning item of the review, whatever the item's status."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import learning as lc
from engine.errors import InputError, NotFound
from models.audit import AuditEvent
from models.learning import Dissemination, Review

NOW = datetime(2027, 4, 6, 10, tzinfo=timezone.utc)


@pytest.fixture
def review(sessions):
    with sessions.begin() as s:
        row = Review(kind="scr", title="Serious case review", case_ref="LSCB-2027-00001",
                     started_at=datetime(2026, 9, 1, tzinfo=timezone.utc))
        s.add(row)
        s.flush()
        return row.id


def items(session, statuses):
    """One learning item of the review (known by its reference) per status wanted."""
    made = []
    for n, status in enumerate(statuses):
        item = lc.record_item(session, "lena", f"Lesson {n}", source_ref="LSCB-2027-00001", now=NOW)
        if status != "proposed":
            lc.validate_item(session, item, "lena", valid=status != "rejected", now=NOW)
        if status in ("disseminating", "embedded"):
            lc.move_item(session, item, "lena", "disseminating", now=NOW)
        if status == "embedded":
            lc.move_item(session, item, "lena", "embedded", now=NOW)
        made.append(item)
    return made


def test_a_publication_is_a_dissemination_of_every_item_and_moves_only_validated_ones(
        sessions, review):
    with sessions.begin() as s:
        made = items(s, ["proposed", "validated", "disseminating", "embedded", "rejected"])
        rows = lc.record_publication(s, lc.get_review(s, review), "comms-user",
                                     published_on="2027-04-06", online_until="2028-04-06", now=NOW)
        assert len(rows) == 5
        assert [i.status for i in made] == ["proposed", "disseminating", "disseminating",
                                            "embedded", "rejected"]
    with sessions() as s:
        kinds = {(d.learning_item_id, d.kind, d.held_on) for d in s.scalars(select(Dissemination))}
        assert kinds == {(i.id, "publication", date(2027, 4, 6)) for i in made}
        row = s.get(Review, review)
        assert (row.published_on, row.online_until) == (date(2027, 4, 6), date(2028, 4, 6))
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "review_published")).all()
        assert event.detail["items"] == [i.id for i in made]


@pytest.mark.parametrize("published, until, problem", [
    ("2027-04-06", "2027-04-06", "must stay online after"), ("6 April", "2028-04-06", "not a date")])
def test_a_publication_with_impossible_dates_is_refused(sessions, review, published, until, problem):
    with sessions.begin() as s, pytest.raises(InputError, match=problem):
        lc.record_publication(s, lc.get_review(s, review), "comms-user", published_on=published,
                              online_until=until)


def test_an_impact_needs_words_and_an_unknown_review_is_not_found(sessions, review):
    with sessions.begin() as s:
        with pytest.raises(InputError, match="10 characters or more"):
            lc.record_impact(s, lc.get_review(s, review), "lena", "  Better  ")
        with pytest.raises(NotFound):
            lc.get_review(s, 999)
        with pytest.raises(NotFound):
            lc.get_review(s, "nope")
        lc.record_impact(s, lc.get_review(s, review), "lena", "Chronologies start at first contact")
        assert s.get(Review, review).impact == "Chronologies start at first contact"
