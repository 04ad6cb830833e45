"""A partner's answer to a forwarded report: what came of it, and questions to the meldpunt.

The outcome codes are those of the statistics (``models.OUTCOMES``), so a
coordinator closing the report can take the partner's outcome over as it is.
Each feedback marks the report ``feedback_unread``, which puts it back in the
default queue ("Nieuwe info") until a staff member opens it.
"""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.casework.workflow import get_report
from meldpunt.extensions import db
from meldpunt.models import OUTCOMES, PartnerFeedback, StaffUser
from meldpunt.plaintext import sanitise
from meldpunt.staff import access, audit
from meldpunt.transactions import unit_of_work

MAX_QUESTION = 3000


class FeedbackError(ValueError):
    """The message is a code for the view."""


@unit_of_work
def record(report_id: int, partner: StaffUser, outcome: str | None, question: str | None) -> PartnerFeedback:
    report = get_report(report_id)
    if not access.is_partner(partner) or not access.can_view_report(partner, report):
        raise FeedbackError("not_allowed")
    outcome = outcome or None
    if outcome is not None and outcome not in OUTCOMES:
        raise FeedbackError("unknown_outcome")
    text = sanitise(question or "", MAX_QUESTION) or None
    if outcome is None and text is None:
        raise FeedbackError("empty")
    row = PartnerFeedback(report_id=report.id, staff_id=partner.id, route=partner.route or "", outcome=outcome,
                          question=text)
    db.session.add(row)
    report.feedback_unread = True
    db.session.flush()
    # The question's words stay out of the audit log (it may quote the report); its presence is logged.
    audit.record(audit.PARTNER_FEEDBACK, partner, "report", report.id,
                 {"feedback_id": row.id, "route": row.route, "outcome": outcome, "question": text is not None})
    db.session.commit()
    return row


def for_report(report_id: int) -> list[PartnerFeedback]:
    return list(
        db.session.scalars(
            select(PartnerFeedback).where(PartnerFeedback.report_id == report_id).order_by(PartnerFeedback.id)
        )
    )
