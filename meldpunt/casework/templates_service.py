"""Message templates per theme, kept by coordinators, inserted into a message to the reporter."""

from __future__ import annotations

from sqlalchemy import select

from meldpunt.extensions import db
from meldpunt.models import MessageTemplate, StaffUser, utcnow
from meldpunt.plaintext import sanitise
from meldpunt.staff import audit
from meldpunt.transactions import unit_of_work


def all_templates() -> list[MessageTemplate]:
    return list(db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.theme, MessageTemplate.title)))


def for_theme(theme: str) -> list[MessageTemplate]:
    return list(
        db.session.scalars(
            select(MessageTemplate).where(MessageTemplate.theme == theme).order_by(MessageTemplate.title)
        )
    )


@unit_of_work
def save(staff: StaffUser, theme: str, title: str, body: str, template_id: int | None = None) -> MessageTemplate:
    from triage.taxonomy import THEMES

    if theme not in THEMES:
        raise ValueError("unknown theme")
    clean_title, clean_body = sanitise(title, 120), sanitise(body, 5000)
    if not clean_title or not clean_body:
        raise ValueError("empty")
    row = db.session.get(MessageTemplate, template_id) if template_id else None
    if template_id and row is None:
        raise LookupError(template_id)
    change = "edited" if row is not None else "saved"
    if row is None:
        row = MessageTemplate(theme=theme, title=clean_title, body=clean_body)
        db.session.add(row)
    row.theme, row.title, row.body, row.updated_at, row.updated_by = theme, clean_title, clean_body, utcnow(), staff.id
    db.session.flush()
    audit.record(audit.TEMPLATE_CHANGE, staff, "template", row.id, {"theme": theme, "change": change})
    db.session.commit()
    return row


@unit_of_work
def delete(staff: StaffUser, template_id: int) -> None:
    row = db.session.get(MessageTemplate, template_id)
    if row is None:
        raise LookupError(template_id)
    audit.record(audit.TEMPLATE_CHANGE, staff, "template", row.id, {"theme": row.theme, "change": "deleted"})
    db.session.delete(row)
    db.session.commit()
