"""SQLAlchemy 2.0 typed models.

A report is written once, by the intake. Everything after that adds records
(triage suggestion, staff decisions, status events, messages, forwards, notes),
so history is never rewritten. The few "current state" columns on ``Report``
(status, theme, urgency, route) are a cache of the latest event, kept so the
staff queue can filter and sort a million reports on indexed columns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meldpunt.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def _live(flag: str | None = None, assigned: bool = False) -> dict[str, Any]:
    """The WHERE of a partial back-office index: live reports (and ``flag`` true, or with an
    assignee), written per database the way SQLAlchemy renders ``.is_(True)`` there, so the
    query implies it (0021_backoffice_indexes)."""
    conditions = {"postgresql": ["purged_at IS NULL"], "sqlite": ["purged_at IS NULL"]}
    if flag:
        conditions["postgresql"].insert(0, f"{flag} IS true")
        conditions["sqlite"].insert(0, f"{flag} IS 1")
    if assigned:
        for parts in conditions.values():
            parts.insert(0, "assignee_id IS NOT NULL")
    return {f"{name}_where": text(" AND ".join(parts)) for name, parts in conditions.items()}


class UTCDateTime(db.TypeDecorator):  # type: ignore[name-defined]
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Status codes of the workflow; labels come from the translations.
STATUSES = ("nieuw", "in_behandeling", "doorgestuurd", "afgerond", "niet_ontvankelijk")
CLOSED_STATUSES = ("afgerond", "niet_ontvankelijk")
OUTCOMES = (
    "controle_uitgevoerd",
    "gebruikt_in_onderzoek",
    "bestuurlijke_maatregel",
    "geen_vervolg_mogelijk",
    "doorverwezen",
)
URGENCY_RANK = {"acuut": 0, "hoog": 1, "normaal": 2, "laag": 3}


class Report(db.Model):  # type: ignore[name-defined]
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Only a keyed hash of the receipt code is stored (receipts.py).
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Hash of the one-time key the form carried (submission_keys.py): the same form sent
    # twice (the back button, a double tap) is recognised instead of stored again.
    submission_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, nullable=True)

    text: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(6), index=True)
    # The four digits of the postcode: the finest area statistics ever show.
    postcode_area: Mapped[str | None] = mapped_column(String(4), index=True)
    house_number: Mapped[str | None] = mapped_column(String(12))
    # Normalised "street housenumber" or business name, for finding related reports.
    location_key: Mapped[str | None] = mapped_column(String(120), index=True)
    place_type: Mapped[str] = mapped_column(String(20), default="onbekend")
    reporter_type: Mapped[str] = mapped_column(String(20), default="onbekend", index=True)
    occurred: Mapped[str | None] = mapped_column(String(200))
    ongoing: Mapped[str] = mapped_column(String(10), default="onbekend")
    # The reporter's own answer to "Is er nu iemand in gevaar?": True (ja), False (nee),
    # None ("weet ik niet" or not answered). Passed to the triage as ``danger_now``.
    danger_now: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    campaign_code: Mapped[str | None] = mapped_column(String(40), index=True)
    heard_via: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8), default="nl")

    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    share_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    # Name, e-mail and phone as one encrypted JSON document (crypto.py).
    contact_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    wants_email_notice: Mapped[bool] = mapped_column(Boolean, default=False)

    # Current state (cache of the newest decision / status event).
    status: Mapped[str] = mapped_column(String(20), default="nieuw")
    outcome: Mapped[str | None] = mapped_column(String(30))
    theme: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(10))
    urgency_rank: Mapped[int] = mapped_column(Integer)
    route: Mapped[str] = mapped_column(String(30))
    review: Mapped[bool] = mapped_column(Boolean, default=False)
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)

    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reporter_last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unread_for_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # A partner recorded an outcome or asked a question that no staff member has read yet.
    feedback_unread: Mapped[bool] = mapped_column(Boolean, default=False)
    # When staff last acted on the news (a decision, a message, "gelezen"): what the reporter
    # or a partner added after it is marked new on the report page. Opening the page is no act.
    staff_caught_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff asked the reporter something and the reporter has not answered yet.
    awaiting_reporter: Mapped[bool] = mapped_column(Boolean, default=False)
    # The default queue: new or in progress, or (whatever the status) unread news from the
    # reporter or a partner. Kept by ``_keep_needs_action`` on every insert and update.
    needs_action: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who works on the report (casework/assignment.py); the staff id, audited on every change.
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when retention removed the content; the skeleton stays for statistics.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    suggestion: Mapped[TriageSuggestion | None] = relationship(
        back_populates="report", uselist=False, cascade="all, delete-orphan"
    )
    decisions: Mapped[list[TriageDecision]] = relationship(
        back_populates="report", order_by="TriageDecision.id", cascade="all, delete-orphan"
    )
    status_events: Mapped[list[StatusEvent]] = relationship(
        back_populates="report", order_by="StatusEvent.id", cascade="all, delete-orphan"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="report", order_by="Message.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # The queue: open reports, urgent first, oldest first.
        Index("ix_report_queue", "status", "urgency_rank", "created_at"),
        Index("ix_report_theme_created", "theme", "created_at"),
        Index("ix_report_route_status", "route", "status"),
        # Live reports in queue order, ending in the full order key (0021_backoffice_indexes):
        # capped counts and deep pages read the index alone, "next" is a range scan.
        Index("ix_report_live_order", "urgency_rank", "created_at", "id", "status", **_live()),
        Index("ix_report_live_theme", "theme", "urgency_rank", "created_at", "id", "status", **_live()),
        Index("ix_report_live_route", "route", "urgency_rank", "created_at", "id", "status", **_live()),
        Index("ix_report_live_status", "status", "urgency_rank", "created_at", "id", **_live()),
        # The saved views' flags hold for a few thousand reports: only those are indexed.
        Index("ix_report_live_needs_action", "urgency_rank", "created_at", "id", **_live("needs_action")),
        Index("ix_report_live_awaiting", "urgency_rank", "created_at", "id", **_live("awaiting_reporter")),
        Index("ix_report_live_assignee", "assignee_id", "urgency_rank", "created_at", "id", **_live(assigned=True)),
    )

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class Attachment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Random name on disk; the reporter's filename never reaches the file system.
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    # The original name, encrypted, for staff who download the file.
    name_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))  # image, pdf, video, text
    size: Mapped[int] = mapped_column(Integer)
    # "intake" or "followup": added later through the receipt code.
    source: Mapped[str] = mapped_column(String(10), default="intake")
    # Files a reporter added later belong to the message they came with.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL"), index=True
    )

    report: Mapped[Report] = relationship(back_populates="attachments")
    message: Mapped[Message | None] = relationship(back_populates="attachments")


class AttachmentBlob(db.Model):  # type: ignore[name-defined]
    """An attachment's encrypted content, for the database store (meldpunt/storage/).

    Keyed by the attachment's storage name, without a foreign key: the filesystem
    store keeps the same names as files, and the migration tool moves blobs between
    the two by name. Written in the same transaction as the attachment row.
    """

    __tablename__ = "attachment_blob"

    storage_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A Fernet token, exactly the bytes the filesystem store writes to a file.
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PendingUpload(db.Model):  # type: ignore[name-defined]
    """A cleaned, encrypted upload waiting for its report (database store)."""

    __tablename__ = "pending_upload"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Name, type, kind and sizes as encrypted JSON: the reporter's filename is personal.
    meta_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class TriageSuggestion(db.Model):  # type: ignore[name-defined]
    """What the triage suggested at intake, kept unchanged beside staff decisions."""

    __tablename__ = "triage_suggestion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("report.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    theme: Mapped[str] = mapped_column(String(30))
    secondary_themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgency: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(30))
    confidence: Mapped[float] = mapped_column(Float)
    review: Mapped[bool] = mapped_column(Boolean)
    explanation: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8))
    model_version: Mapped[str] = mapped_column(String(40))

    report: Mapped[Report] = relationship(back_populates="suggestion")


class TriageDecision(db.Model):  # type: ignore[name-defined]
    """A staff member confirming or correcting theme, urgency and route."""

    __tablename__ = "triage_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    theme: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(30))
    # Which of theme/urgency/route differ from the triage suggestion.
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)

    report: Mapped[Report] = relationship(back_populates="decisions")


class StatusEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "status_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))

    report: Mapped[Report] = relationship(back_populates="status_events")


class Message(db.Model):  # type: ignore[name-defined]
    """Two-way contact with the reporter, shown on the follow-up page."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "staff" (question or update to the reporter) or "reporter" (added information).
    sender: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str | None] = mapped_column(Text)

    report: Mapped[Report] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="message")


class Note(db.Model):  # type: ignore[name-defined]
    """Internal staff note; never shown to the reporter."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str | None] = mapped_column(Text)


class Forward(db.Model):  # type: ignore[name-defined]
    __tablename__ = "forward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    route: Mapped[str] = mapped_column(String(30), index=True)
    # Identity goes along only when the reporter consented to sharing it.
    with_identity: Mapped[bool] = mapped_column(Boolean, default=False)
    # The reporter added information after the forward (partner_news_at) that no partner
    # of the route has opened since (partner_seen_at); the last notice e-mail about such
    # news (partner_notified_at: at most one an hour per report and route).
    partner_news_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    partner_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    partner_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def partner_unread(self) -> bool:
        return self.partner_news_at is not None and (
            self.partner_seen_at is None or self.partner_seen_at < self.partner_news_at
        )


class ReportLink(db.Model):  # type: ignore[name-defined]
    """Two reports staff judged to be about the same place or case."""

    __tablename__ = "report_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("report_id", "other_id", name="uq_report_link_pair"),)


ROLES = ("triage", "coordinator", "communicatie", "admin", "partner")


class StaffUser(UserMixin, db.Model):  # type: ignore[name-defined]
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # Partner accounts are bound to one route code.
    route: Mapped[str | None] = mapped_column(String(30))
    totp_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last accepted TOTP time step, so a code cannot be replayed.
    last_totp_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Changing this invalidates all sessions of the user (Flask-Login id).
    session_token: Mapped[str] = mapped_column(String(64))

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Append-only, hash-chained record of staff actions (audit.py)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(db.Model):  # type: ignore[name-defined]
    """The audit chain's head after each commit, shared by every app node (staff/anchor.py).

    Used when ``AUDIT_ANCHOR_DATABASE_URL`` is set (PostgreSQL, several machines); the
    embedded default keeps its anchor in a file. Rows are written only through that
    second connection, whose role may INSERT and SELECT and nothing else; triggers
    refuse UPDATE, DELETE and TRUNCATE (migration 0020). Each row carries a keyed MAC
    over its predecessor's, so a changed or removed row breaks the anchor's own chain.
    """

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Position in the anchor's own chain (1, 2, 3 …): a gap means a removed row.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The audit chain's head: how many events up to and including event ``event_id``.
    count: Mapped[int] = mapped_column(Integer, index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    event_hash: Mapped[str] = mapped_column(String(64))
    legacy: Mapped[int | None] = mapped_column(Integer)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), unique=True)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """An e-mail waiting for delivery; written in the same transaction as its cause."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    # Staff and partner addresses. Empty for mail to a reporter: their address is read
    # from the report's encrypted contact details at the moment of sending, so it is
    # never stored in plain text here (outbox.py).
    recipient: Mapped[str] = mapped_column(String(254))
    reporter_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("report.id", ondelete="SET NULL"), nullable=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(300))


class DailyCounter(db.Model):  # type: ignore[name-defined]
    """Aggregate-only traffic counters (form views, submissions, follow-up logins).

    A counter is a day and a number: nothing about who caused it.
    """

    __tablename__ = "daily_counter"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class JobOccurrence(db.Model):  # type: ignore[name-defined]
    """One due occurrence of a scheduled job, and the record of its run (jobs.py).

    The unique (job, due_at) pair is the claim: of all scheduler processes that
    try to insert the same occurrence, exactly one succeeds and runs the job.
    """

    __tablename__ = "job_occurrence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "running", "ok" or "error"
    outcome: Mapped[str] = mapped_column(String(10), default="running")
    # Counts only: never report content or anything about a person.
    summary: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        UniqueConstraint("job", "due_at", name="uq_job_occurrence_job_due_at"),
        Index("ix_job_occurrence_job_claimed_at", "job", "claimed_at"),
    )


class ReminderSent(db.Model):  # type: ignore[name-defined]
    """A coordinator reminder that went out for one report under one rule (reminders.py)."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("report_id", "rule", name="uq_reminder_sent_report_rule"),)


# --- Statistics: aggregate-only tables kept by meldpunt/stats/rollup.py -----------------
# A row is a day (Europe/Amsterdam), a category and a number: nothing about a report.


class DailyReportStat(db.Model):  # type: ignore[name-defined]
    """Reports submitted per local day, per dimension value ("total" has value "")."""

    __tablename__ = "daily_report_stat"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class DailyClosureStat(db.Model):  # type: ignore[name-defined]
    """Reports closed per local day of closing, per outcome."""

    __tablename__ = "daily_closure_stat"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class DailyDurationStat(db.Model):  # type: ignore[name-defined]
    """How many reports took a given (bucketed) time, so medians need no report rows.

    ``measure`` "first_action" is keyed by the day of submission, "closing" by the
    day of closing; ``bucket_hours`` is the upper bound of the bucket in hours.
    """

    __tablename__ = "daily_duration_stat"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(20), primary_key=True)
    bucket_hours: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class StatRollupState(db.Model):  # type: ignore[name-defined]
    """One row: how far the statistics rollup got (its watermark)."""

    __tablename__ = "stat_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Changes to reports before this moment are in the aggregate tables.
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # New whenever the rollup changed the aggregate tables: a cache key for computed statistics.
    token: Mapped[str] = mapped_column(String(32))


class StatPublication(db.Model):  # type: ignore[name-defined]
    """One published period (a quarter or a year), frozen: written once by the rollup job
    when the period is over, never changed afterwards (meldpunt/stats/publication.py).

    ``payload`` is JSON of the figures as published: exact period totals and one-way
    tables whose small categories are merged, or which are not shown at all.
    """

    __tablename__ = "stat_publication"
    __table_args__ = (UniqueConstraint("kind", "start", name="uq_stat_publication_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)  # exclusive
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)


# The incremental rollup finds reports changed since its previous run (migration 0003).
Index("ix_stat_status_event_created", StatusEvent.created_at)
Index("ix_stat_triage_decision_created", TriageDecision.created_at)
Index("ix_stat_report_first_action", Report.first_action_at)
Index("ix_stat_report_last_seen", Report.reporter_last_seen_at)


class PartnerFeedback(db.Model):  # type: ignore[name-defined]
    """A partner's answer to a forwarded report: an outcome (codes of the statistics) and/or
    a question to the meldpunt (casework/partner_feedback.py)."""

    __tablename__ = "partner_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    route: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(30))
    question: Mapped[str | None] = mapped_column(Text)


class MessageTemplate(db.Model):  # type: ignore[name-defined]
    """A text coordinators keep per theme, to insert into a message to the reporter."""

    __tablename__ = "message_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme: Mapped[str] = mapped_column(String(30), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


# --- Routing set by coordinators, and place keys for related reports (migration 0006) ------------


class RoutingThemeSetting(db.Model):  # type: ignore[name-defined]
    """A theme's default route as set on the routing page; wins over the routing file.

    Changes are audited (meldpunt/casework/routing_settings.py); this row only holds the current value.
    """

    __tablename__ = "routing_theme_setting"

    theme: Mapped[str] = mapped_column(String(30), primary_key=True)
    route: Mapped[str] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class PartnerAddressSetting(db.Model):  # type: ignore[name-defined]
    """The e-mail address(es) that get a partner route's forwarding notices; wins over PARTNER_EMAILS."""

    __tablename__ = "partner_address_setting"

    route: Mapped[str] = mapped_column(String(30), primary_key=True)
    addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class RoutingVersion(db.Model):  # type: ignore[name-defined]
    """One row: the version of the routing settings, bumped in the transaction of every change.

    Each process caches its routing table under this number (meldpunt/routing.py), so a
    change made by any worker on any machine counts from every worker's next request.
    """

    __tablename__ = "routing_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class ReportPlaceKey(db.Model):  # type: ignore[name-defined]
    """One normalised key of a report's place (meldpunt/places.py), for finding related reports.

    Written with the report (the listener below) and removed by the retention
    purge together with the location it was derived from.
    """

    __tablename__ = "report_place_key"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(140), primary_key=True)

    __table_args__ = (Index("ix_report_place_key_key", "key", "report_id"),)


def _store_place_keys(mapper: Any, connection: Any, target: Report) -> None:
    """After a report row is inserted (the intake, in its transaction): its place keys."""
    from meldpunt import places

    found = places.keys(target.location, target.postcode)
    if found:
        connection.execute(
            ReportPlaceKey.__table__.insert(), [{"report_id": target.id, "key": key} for key in found]
        )


ACTIVE_STATUSES = ("nieuw", "in_behandeling")


def needs_action(report: Report) -> bool:
    """Whether the report belongs in the default queue ("Te behandelen")."""
    return (
        report.status in ACTIVE_STATUSES or bool(report.unread_for_staff) or bool(report.feedback_unread)
    ) and report.purged_at is None


def _keep_needs_action(mapper: Any, connection: Any, target: Report) -> None:
    target.needs_action = needs_action(target)


def _listen() -> None:
    from sqlalchemy import event

    event.listen(Report, "after_insert", _store_place_keys)
    event.listen(Report, "before_insert", _keep_needs_action)
    event.listen(Report, "before_update", _keep_needs_action)


_listen()


class TriageModel(db.Model):  # type: ignore[name-defined]
    """A triage model built by ``flask triage-retrain``: its comparison, and its file when promoted.

    Every candidate is kept with the figures it was judged on and why it was promoted or
    refused. The model file itself (``triage/data/model.npz`` format, loaded without
    pickle) is stored here, in the database, so every app node can load the promoted
    version; a refused candidate's file is not kept (training is deterministic: the same
    corpus and decisions rebuild the same bytes).
    """

    __tablename__ = "triage_model"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The model's own version string (TriageResult.model_version, stored with every suggestion).
    version: Mapped[str] = mapped_column(String(40), index=True)
    # The version it was compared with: the model in use when the candidate was built.
    compared_with: Mapped[str] = mapped_column(String(40))
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(254))
    # Counts only (corpus examples, staff decisions trained on and held out), never texts.
    trained_on: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {"frozen"|"holdout": {"candidate": {...}, "current": {...}}}: aggregate figures only.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Why it was promoted or refused: [{"code": ..., "set": ..., "candidate": x, "current": y}].
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64))
    artifact_size: Mapped[int | None] = mapped_column(Integer)


class ActiveTriageModel(db.Model):  # type: ignore[name-defined]
    """One row: which ``TriageModel`` the app classifies with (none: the packaged model).

    Each process caches the loaded model under ``model_id`` (meldpunt/triage_model.py),
    so a promotion made on any machine counts from every worker's next report.
    """

    __tablename__ = "triage_model_active"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("triage_model.id"), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
