"""The facade's commands on what the board's reports draw from and are not a case's step
(``ProcessEngine`` mixes them in): a review's impact on practice, entered once on the review
and reused by every yearly or annual report."""
from __future__ import annotations

from sqlalchemy.orm import Session

from . import learning
from .actors import Actor
from .errors import NotAllowed


class ReportCommands:
    """Records behind the board's reports."""

    def record_review_impact(self, session: Session, actor: Actor, review_id, impact: str):
        """Enter (or replace) what the review changed in practice (managers and the board's
        oversight groups); audited. NotFound for an unknown review, InputError for too little."""
        if not actor.oversees:
            raise NotAllowed("only the business unit, the board's sub-groups and managers record "
                             "a review's impact")
        return learning.record_impact(session, learning.get_review(session, review_id),
                                      actor.name, impact)
