"""The intake: one function that stores a new report, all or nothing.

Report, triage suggestion, first status event, attachment rows and attachment
contents are stored together. With the database store (meldpunt/storage/) the
contents are part of the transaction; with the filesystem store files are written
before the commit and, if anything fails, the transaction rolls back and the files
written so far are removed. Either way there is never a half-stored report nor an
orphan file. The reporter's pending uploads stay where they were, so a retry loses
nothing.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import triage
from meldpunt import counters, crypto, routing, storage, triage_model
from meldpunt.extensions import db
from meldpunt.intake import insert_rows, receipts, submission_keys
from meldpunt.models import (
    URGENCY_RANK,
    Attachment,
    Message,
    Report,
    StatusEvent,
    TriageSuggestion,
)
from meldpunt.plaintext import clean_text, location_key, normalise_postcode, sanitise

log = logging.getLogger(__name__)


class AlreadySubmitted(Exception):
    """This form was sent before (its one-time key is used): nothing stored again."""


class SubmissionFailed(Exception):
    """Storing failed; nothing was kept. Carries a reference for the error page."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


@dataclass
class NewReport:
    text: str
    location: str = ""
    postcode: str = ""
    place_type: str = "onbekend"
    reporter_type: str = "onbekend"
    occurred: str = ""
    ongoing: str = "onbekend"
    # "Is er nu iemand in gevaar?": True, False, or None (weet ik niet / no answer).
    danger_now: bool | None = None
    campaign_code: str | None = None
    heard_via: str | None = None
    anonymous: bool = True
    name: str = ""
    email: str = ""
    phone: str = ""
    share_identity: bool = False
    wants_email_notice: bool = False
    # The language the reporter used the form in (not the text's language).
    language: str = "nl"
    pending_token: str | None = None
    pending_ids: list[str] = field(default_factory=list)
    submission_key_hash: str | None = None


@dataclass(frozen=True)
class Submitted:
    report_id: int
    receipt_code: str
    theme: str
    urgency: str
    reporter_type: str
    # False when the automatic triage failed and the fallback below was stored:
    # the thank-you page then gives general advice instead of advice for a theme.
    triage_ok: bool = True
    # The triage flagged its suggestion for review (low confidence, a language it does
    # not support, a conflict between signals): not sure enough to advise on a theme.
    review: bool = False
    danger_now: bool | None = None
    # How many files were stored with the report: the thank-you page confirms them.
    files: int = 0

    @property
    def advice_theme(self) -> str | None:
        """The theme whose advice the reporter may see: only a confident suggestion has one."""
        if not self.triage_ok or self.review:
            return None
        return self.theme


# When the automatic triage fails (a broken model file, a bad routing override, a
# bug), the report is stored all the same: a reporter must never lose a report to a
# helper that only makes a suggestion. The fallback follows the contract in
# taxonomy.md: the codes are the only ones the data may hold, so there is no
# "unknown" theme; a suggestion nothing supports is flagged for review with zero
# confidence, and a person decides. Each value is chosen so that nothing happens
# to the report before that person has looked:
# - route "doorverwijzen" cannot be forwarded (forwarding.NOT_FORWARDABLE), so no
#   partner receives anything until staff pick a real route;
# - theme "geen_ondermijning" is the theme of that route (and inflates no
#   undermining theme in the statistics while it waits);
# - urgency "hoog": missing an acute report is the worst error (taxonomy.md) and a
#   failed triage cannot rule it out, so it goes to the top of the normal queue;
# - the explanation says in plain words that this is not a suggestion.
FALLBACK_THEME = "geen_ondermijning"
FALLBACK_URGENCY = "hoog"
FALLBACK_ROUTE = "doorverwijzen"
FALLBACK_MODEL_VERSION = "geen (triage mislukt)"


def fallback_suggestion(
    text: str, reference: str, error_name: str, danger_now: bool | None = None
) -> triage.TriageResult:
    """The suggestion stored when ``classify`` failed; see the comment above.

    When the reporter answered that someone is in danger now, the urgency is
    ``acuut`` (as the triage itself would make it), so the report still tops the queue.
    """
    try:
        language = triage.detect_language(text)
    except Exception:
        language = "nl"
    return triage.TriageResult(
        theme=FALLBACK_THEME,
        secondary_themes=(),
        urgency="acuut" if danger_now else FALLBACK_URGENCY,
        route=FALLBACK_ROUTE,
        confidence=0.0,
        review=True,
        explanation=[
            f"De automatische triage is mislukt ({error_name}, kenmerk {reference}). "
            "Thema, urgentie en route hieronder zijn geen voorstel maar een veilige standaard: "
            "lees de melding en bepaal ze zelf."
        ],
        language=language,
        model_version=FALLBACK_MODEL_VERSION,
    )


# The routing settings version and the active triage model's id (None: the packaged model).
Settings = tuple[int, int | None]
_LAST_SETTINGS = "meldpunt_intake_settings"


def read_settings() -> Settings:
    """Both settings in one query: they are read for every report, to notice a change made
    on another machine or by another worker."""
    version, model_id = db.session.execute(_settings_query()).one()
    return version or 0, model_id


def classify(
    text: str, reporter_type: str, place_type: str, has_attachments: bool, danger_now: bool | None = None,
    ongoing: str | None = None, settings: Settings | None = None,
) -> triage.TriageResult:
    """The triage of one report (the contract of taxonomy.md); ``danger_now`` only when answered.

    ``ongoing`` is the form's "Gebeurt het nu nog?" answer (ja / nee / onbekend): "ja" lifts
    ongoing exploitation, production or extortion to at least ``hoog`` inside the triage.
    ``settings``: as ``read_settings`` gives them; read here when not given.
    """
    report: dict[str, object] = {
        "text": text,
        "reporter_type": reporter_type,
        "place_type": place_type,
        "has_attachments": has_attachments,
    }
    if ongoing in ("ja", "nee", "onbekend"):
        report["ongoing"] = ongoing
    if danger_now is not None:
        report["danger_now"] = danger_now
    if settings is None:
        settings = read_settings()
    table = routing.current_table(known_version=settings[0])
    return triage_model.classify(report, table, model_id=settings[1])


def _suggest(
    text: str, new: NewReport, has_files: bool, settings: Settings | None
) -> tuple[triage.TriageResult, bool, Settings | None]:
    """The suggestion, whether the triage worked, and the settings it used (None: unknown)."""
    try:
        if settings is None:
            settings = read_settings()
        suggestion = classify(
            text, new.reporter_type, new.place_type, has_files, new.danger_now, new.ongoing, settings
        )
        return suggestion, True, settings
    except Exception as exc:
        reference = receipts.new_code()[:9]
        # The type only: never the report text.
        log.error("triage failed, report stored with the fallback (ref %s): %s", reference, type(exc).__name__)
        return fallback_suggestion(text, reference, type(exc).__name__, new.danger_now), False, None


@functools.cache
def _settings_query():
    """Built once (the same statement for every report)."""
    return select(routing.version_query(), triage_model.active_model_query())


def attach_pending_files(
    report: Report,
    token: str | None,
    file_ids: list[str],
    source: str,
    written: list[str],
    message: Message | None = None,
) -> None:
    """Copy the chosen pending uploads into storage and add their rows.

    Every storage name written is appended to ``written``, so the caller can
    forget them all if the transaction does not commit.
    """
    if not token or not file_ids:
        return
    wanted = set(file_ids)
    for pending in storage.list_pending(token):
        if pending.file_id not in wanted:
            continue
        name = storage.new_storage_name()
        if not storage.attach_pending(name, token, pending.file_id):
            continue  # removed meanwhile (the reporter unticked it in another tab)
        # A write that fails leaves nothing (an atomic file write, or a statement of the
        # transaction), so only what was written needs forgetting after a rollback.
        written.append(name)
        report.attachments.append(
            Attachment(
                storage_name=name,
                name_encrypted=crypto.encrypt(pending.name.encode("utf-8")),
                content_type=pending.content_type,
                kind=pending.kind,
                size=pending.size,
                source=source,
                message=message,
            )
        )


def remove_written(names: list[str]) -> None:
    """After a rollback: nothing of the failed transaction stays in the store."""
    storage.forget_unsaved(names)


def _in_one_statement(has_files: bool) -> bool:
    """The usual report (text only) on PostgreSQL: report, suggestion, first status event
    and place keys in one statement, one round trip (insert_rows.py)."""
    return not has_files and db.session.get_bind().dialect.name == "postgresql"


def _insert_with_orm(
    new: NewReport, report_values: dict[str, Any], suggestion_values: dict[str, Any], written: list[str]
) -> int:
    """Report, suggestion, status event and attachments as ORM objects, flushed (not committed).

    Used with attachments and on SQLite; the rows are the same as insert_rows.insert_report's.
    """
    report = Report(**report_values)
    report.suggestion = TriageSuggestion(**suggestion_values)
    report.status_events.append(StatusEvent(status="nieuw"))
    db.session.add(report)
    attach_pending_files(report, new.pending_token, new.pending_ids, "intake", written)
    report.has_attachments = bool(report.attachments)
    db.session.flush()
    return report.id


def submit_report(new: NewReport) -> Submitted:
    """Store a new report with its triage suggestion and attachments."""
    text = clean_text(new.text)
    if not text:
        # The form refuses such a text with a message; a caller that skips the form
        # must not store an empty report (the triage has nothing to work on).
        raise ValueError("report text is empty once cleaned")
    postcode, area = normalise_postcode(new.postcode)
    location = sanitise(new.location, 300) or None
    key, house_number = location_key(location)
    has_files = bool(new.pending_token and new.pending_ids)
    one_statement = _in_one_statement(has_files)
    # On the one-statement path the triage uses the settings this process saw last and the
    # insert checks that they are still current (insert_rows.py): no query of its own for them.
    known = current_app.extensions.get(_LAST_SETTINGS) if one_statement else None
    suggestion, triage_ok, settings = _suggest(text, new, has_files, known)

    code = receipts.new_code()
    contact = None
    if not new.anonymous:
        contact = crypto.encrypt_json(
            {"name": sanitise(new.name, 120), "email": new.email.strip(), "phone": new.phone.strip(),
             # The language of the form, for the notice e-mail (reporter_notice.py).
             "language": new.language}
        )

    def values(suggestion: triage.TriageResult) -> tuple[dict[str, Any], dict[str, Any]]:
        return _report_values(suggestion), _suggestion_values(suggestion)

    def _report_values(suggestion: triage.TriageResult) -> dict[str, Any]:
        return dict(
            receipt_hash=receipts.hash_code(code),
            text=text,
            location=location,
            postcode=postcode,
            postcode_area=area,
            house_number=house_number,
            location_key=key,
            place_type=new.place_type,
            reporter_type=new.reporter_type,
            occurred=sanitise(new.occurred, 200) or None,
            ongoing=new.ongoing,
            danger_now=new.danger_now,
            campaign_code=new.campaign_code,
            heard_via=new.heard_via,
            language=suggestion.language,
            anonymous=new.anonymous,
            share_identity=bool(new.share_identity and not new.anonymous),
            contact_encrypted=contact,
            wants_email_notice=bool(new.wants_email_notice and not new.anonymous and new.email),
            status="nieuw",
            theme=suggestion.theme,
            urgency=suggestion.urgency,
            urgency_rank=URGENCY_RANK[suggestion.urgency],
            route=suggestion.route,
            review=suggestion.review,
            submission_key_hash=new.submission_key_hash,
        )
    def _suggestion_values(suggestion: triage.TriageResult) -> dict[str, Any]:
        return dict(
            theme=suggestion.theme,
            secondary_themes=list(suggestion.secondary_themes),
            urgency=suggestion.urgency,
            route=suggestion.route,
            confidence=float(suggestion.confidence),
            review=bool(suggestion.review),
            explanation=list(suggestion.explanation),
            language=suggestion.language,
            model_version=suggestion.model_version,
        )

    written: list[str] = []
    try:
        if one_statement:
            report_id = insert_rows.insert_report(*values(suggestion), expect=settings)
            if report_id is None:
                # The routing settings or the triage model changed (another worker or machine)
                # since this process last read them: read them now and classify again.
                suggestion, triage_ok, settings = _suggest(text, new, has_files, None)
                report_id = insert_rows.insert_report(*values(suggestion), expect=settings)
                if report_id is None:  # changed once more in between: as before, store it anyway
                    report_id = insert_rows.insert_report(*values(suggestion), expect=None)
            if report_id is None:  # pragma: no cover - an unchecked insert always gives its id
                raise RuntimeError("report row not written")
        else:
            report_id = _insert_with_orm(new, *values(suggestion), written)
        # Everything the receipt needs is known before the commit: nothing is read back
        # afterwards (that could fail, database gone, after the report was stored).
        submitted = Submitted(
            report_id=report_id,
            receipt_code=code,
            theme=suggestion.theme,
            urgency=suggestion.urgency,
            reporter_type=new.reporter_type,
            triage_ok=triage_ok,
            review=bool(suggestion.review),
            danger_now=new.danger_now,
            files=len(written),
        )
        db.session.commit()
        if one_statement and settings is not None:
            current_app.extensions[_LAST_SETTINGS] = settings
    except IntegrityError as exc:
        db.session.rollback()
        remove_written(written)
        if new.submission_key_hash and submission_keys.already_used(new.submission_key_hash):
            raise AlreadySubmitted from exc  # the same form, sent twice at the same moment
        reference = receipts.new_code()[:9]
        log.error("report submission failed (ref %s): %s", reference, type(exc).__name__)
        raise SubmissionFailed(reference) from exc
    except Exception as exc:
        db.session.rollback()
        remove_written(written)
        reference = receipts.new_code()[:9]
        # Log the failure type only: never the report text or anything about the reporter.
        log.error("report submission failed (ref %s): %s", reference, type(exc).__name__)
        raise SubmissionFailed(reference) from exc

    # Added up like a page view, after the commit: an upsert of today's one counter row
    # inside the transaction made concurrent submissions wait for each other's commits.
    counters.count_view(counters.SUBMISSION)
    if new.pending_token:
        storage.discard_pending(new.pending_token)
    return submitted
