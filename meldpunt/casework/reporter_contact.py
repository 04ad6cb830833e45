"""A named reporter's contact details: hidden by default, shown with a reason.

Showing them is allowed to coordinators and admins only (access.py), needs a
stated reason and writes an audit event; nothing is kept about the showing
except that event.
"""

from __future__ import annotations

from dataclasses import dataclass

from meldpunt import crypto
from meldpunt.extensions import db
from meldpunt.models import Report, StaffUser
from meldpunt.plaintext import sanitise
from meldpunt.staff import access, audit
from meldpunt.transactions import unit_of_work


class ContactError(ValueError):
    pass


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    phone: str


def has_contact(report: Report) -> bool:
    return bool(not report.anonymous and report.contact_encrypted)


def decrypt_contact(report: Report) -> Contact | None:
    if not has_contact(report) or report.contact_encrypted is None:  # has_contact implies it is set
        return None
    data = crypto.decrypt_json(report.contact_encrypted)
    return Contact(name=data.get("name") or "", email=data.get("email") or "", phone=data.get("phone") or "")


@unit_of_work
def reveal(report: Report, staff: StaffUser, reason: str) -> Contact:
    if not access.may_reveal_contact(staff):
        raise PermissionError("role may not see contact details")
    reason = sanitise(reason, 300)
    if len(reason) < 5:
        raise ContactError("reason_required")
    contact = decrypt_contact(report)
    if contact is None:
        raise ContactError("no_contact")
    audit.record(audit.CONTACT_VIEW, staff, "report", report.id, {"reason": reason})
    db.session.commit()
    return contact


def shared_with_partner(report: Report, partner: StaffUser) -> Contact | None:
    """The identity a partner may see: only with the reporter's consent (audited)."""
    if not access.partner_sees_identity(report):
        return None
    contact = decrypt_contact(report)
    if contact is not None:
        audit.record(audit.CONTACT_VIEW, partner, "report", report.id, {"reason": "toestemming melder"})
        db.session.commit()
    return contact
