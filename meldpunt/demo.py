"""Demo data: realistic reports for trying the system and for load tests.

Texts come from the triage corpus (original, varied Dutch and some other
languages), combined with invented places, dates spread over the past year
and a plausible workflow state. Each distinct text is classified once, so a
million reports can be created in minutes with bulk inserts.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from importlib import resources

import triage
from flask import current_app
from sqlalchemy import insert, select

from meldpunt.extensions import db
from meldpunt.models import URGENCY_RANK, Report, StatusEvent, TriageSuggestion

STREETS = [
    "Dorpsstraat", "Kerkstraat", "Molenweg", "Industrieweg", "Havenkade", "Stationsplein",
    "Beukenlaan", "Julianastraat", "Nieuwe Haven", "Polderweg", "Marktplein", "Schoolstraat",
    "Vlasakker", "Zuiddijk", "Handelsweg", "Parkweg", "Wilhelminakade", "Oude Kade",
]
POSTCODE_AREAS = ["3311", "3312", "3313", "3314", "3315", "3316", "3317", "3318", "3319", "3328"]
CAMPAIGNS = [None, None, None, None, "poster-2026", "krant-najaar", "buurtapp", "ondernemers26"]
HEARD_VIA = [None, None, "sociale_media", "krant", "website", "poster", "wijkagent", "bekende"]


def corpus_texts() -> list[dict]:
    """Labelled texts shipped with the triage package (training files only)."""
    folder = resources.files("triage") / "data" / "corpus"
    rows: list[dict] = []
    if not folder.is_dir():
        return rows
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".jsonl"):
            for line in entry.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows.append(
                        {
                            "text": row["text"],
                            "reporter_type": row.get("reporter_type", "onbekend"),
                            "place_type": row.get("place_type", "onbekend"),
                        }
                    )
    return rows


def has_reports() -> bool:
    return db.session.scalar(select(Report.id).limit(1)) is not None


def _status_for(age_days: float, rng: random.Random) -> str:
    """Older reports are further along the workflow, as in a real queue."""
    if age_days < 3:
        return rng.choice(["nieuw", "nieuw", "in_behandeling"])
    if age_days < 30:
        return rng.choice(["in_behandeling", "doorgestuurd", "doorgestuurd", "afgerond"])
    return rng.choice(["afgerond", "afgerond", "afgerond", "doorgestuurd", "niet_ontvankelijk"])


def seed_reports(count: int, seed: int = 7, now: datetime | None = None, chunk: int = 5000) -> int:
    """Insert ``count`` demo reports; returns how many were created."""
    from meldpunt.models import OUTCOMES

    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    texts = corpus_texts()
    if not texts:
        raise RuntimeError("the triage corpus is missing; cannot make demo texts")
    routing = current_app.config.get("ROUTING_FILE")
    results = triage.classify_many(texts, routing_file=routing)
    receipt_key = current_app.config["RECEIPT_KEY"].encode()
    created = 0
    while created < count:
        batch = min(chunk, count - created)
        report_rows = []
        picks = []
        for i in range(batch):
            n = created + i
            pick = rng.randrange(len(texts))
            picks.append(pick)
            source, result = texts[pick], results[pick]
            created_at = now - timedelta(days=rng.random() ** 1.3 * 365, minutes=rng.randrange(1440))
            age = (now - created_at).total_seconds() / 86400
            status = _status_for(age, rng)
            closed = status in ("afgerond", "niet_ontvankelijk")
            area = rng.choice(POSTCODE_AREAS)
            street = rng.choice(STREETS)
            number = str(rng.randrange(1, 180))
            first_action = created_at + timedelta(hours=rng.uniform(0.2, 60)) if status != "nieuw" else None
            report_rows.append(
                {
                    "created_at": created_at,
                    "receipt_hash": hashlib.sha256(receipt_key + f"demo-{seed}-{n}".encode()).hexdigest(),
                    "text": source["text"],
                    "location": f"{street} {number}",
                    "postcode": area + rng.choice(["AB", "CD", "GH", "KL", "MN"]),
                    "postcode_area": area,
                    "house_number": number,
                    "location_key": f"{street.lower()} {number}",
                    "place_type": source["place_type"],
                    "reporter_type": source["reporter_type"],
                    "ongoing": rng.choice(["ja", "nee", "onbekend"]),
                    "campaign_code": rng.choice(CAMPAIGNS),
                    "heard_via": rng.choice(HEARD_VIA),
                    "language": result.language,
                    "anonymous": rng.random() < 0.7,
                    "share_identity": False,
                    "status": status,
                    "outcome": rng.choice(OUTCOMES) if status == "afgerond" else None,
                    "theme": result.theme,
                    "urgency": result.urgency,
                    "urgency_rank": URGENCY_RANK[result.urgency],
                    "route": result.route,
                    "review": result.review,
                    "has_attachments": rng.random() < 0.2,
                    "first_opened_at": first_action,
                    "first_action_at": first_action,
                    "closed_at": min(now, (first_action or created_at) + timedelta(days=rng.uniform(1, 40)))
                    if closed
                    else None,
                    "unread_for_staff": False,
                    "wants_email_notice": False,
                }
            )
        ids = db.session.scalars(insert(Report).returning(Report.id), report_rows).all()
        suggestion_rows = []
        event_rows = []
        for report_id, row, pick in zip(ids, report_rows, picks, strict=True):
            result = results[pick]
            suggestion_rows.append(
                {
                    "report_id": report_id,
                    "created_at": row["created_at"],
                    "theme": row["theme"],
                    "secondary_themes": list(result.secondary_themes),
                    "urgency": row["urgency"],
                    "route": row["route"],
                    "confidence": float(result.confidence),
                    "review": row["review"],
                    "explanation": list(result.explanation),
                    "language": row["language"],
                    "model_version": result.model_version,
                }
            )
            event_rows.append({"report_id": report_id, "created_at": row["created_at"], "status": "nieuw"})
            if row["status"] != "nieuw":
                event_rows.append(
                    {"report_id": report_id, "created_at": row["first_action_at"], "status": row["status"],
                     "outcome": row["outcome"]}
                )
        db.session.execute(insert(TriageSuggestion), suggestion_rows)
        db.session.execute(insert(StatusEvent), event_rows)
        db.session.commit()
        created += batch
    return created


DEMO_STAFF_EMAIL = "demo@meldpunt.example"
DEMO_STAFF_PASSWORD = "demo-wachtwoord"


def ensure_demo_staff():
    """The demo coordinator account, created once; its credentials for the console."""
    from meldpunt import staff

    user = staff.find_by_email(DEMO_STAFF_EMAIL)
    if user is None:
        return staff.create_user(DEMO_STAFF_EMAIL, "coordinator", password=DEMO_STAFF_PASSWORD)
    return staff.NewAccount(
        user=user,
        password=DEMO_STAFF_PASSWORD,
        totp_secret=staff.totp_secret(user) or "",
        provisioning_uri=staff.provisioning_uri(user),
    )
