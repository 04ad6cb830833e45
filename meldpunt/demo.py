"""Demo data: realistic reports for trying the system and for load tests.

Texts come from the triage corpus (original, varied Dutch and some other
languages), combined with invented places, dates and a plausible workflow
state. ``seed_municipality`` (the default of ``flask seed-demo``) lays two
years of a mid-sized municipality out in time, with seasons, a campaign and
the daily counters; ``seed_reports`` alone spreads reports over the past
year. Each distinct text is classified once, so a million reports can be
created in minutes with bulk inserts.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import resources

from flask import current_app
from sqlalchemy import func, select, text

import triage
from meldpunt import routing
from meldpunt.extensions import db
from meldpunt.models import URGENCY_RANK, Report, StatusEvent, TriageSuggestion
from meldpunt.plaintext import location_key

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


# Sentences around a corpus text, so a million reports do not repeat a few hundred texts.
OPENERS = [
    "", "", "", "",
    "Ik wil graag iets melden.",
    "Ik weet niet of dit klopt, maar ik wil het toch doorgeven.",
    "Al een paar weken zie ik iets vreemds.",
    "Misschien is het niets, maar het zit me niet lekker.",
    "Via via hoorde ik het volgende.",
    "Ik durf dit niet bij de politie te melden, daarom doe ik het hier.",
    "Goedendag, ik woon hier al twintig jaar en dit heb ik nog nooit meegemaakt.",
    "Na lang twijfelen meld ik dit toch.",
]
CLOSERS = [
    "", "", "", "",
    "Het gebeurt vooral 's avonds laat.",
    "Dit speelt al sinds vorig jaar.",
    "Ik durf het niet aan te spreken.",
    "Andere buren hebben het ook gezien.",
    "Het valt vooral in het weekend op.",
    "Ik heb foto's gemaakt maar weet niet of ik die mag sturen.",
    "Sinds de zomer is het erger geworden.",
    "Ik hoop dat er iemand naar kijkt.",
    "Het is meestal tussen tien en twee uur 's nachts.",
    "Er rijden ook vaak auto's met buitenlandse kentekens.",
]
MORE_STREETS = [
    "Lindelaan", "Eikenlaan", "Sluisweg", "Nieuwstraat", "Voorstraat", "Achterweg", "Veerdam",
    "Emmastraat", "Oranjelaan", "Prins Hendrikkade", "Kanaalweg", "Spoorlaan", "Weverstraat",
    "Gildeweg", "Koestraat", "Boerenweg", "Lange Dijk", "Korte Gracht", "Bedrijvenpark Noord",
    "Energieweg", "Transportweg", "Ambachtsweg", "Veilingweg", "Zeedijk", "Jachthaven",
    "Bosrand", "Heideweg", "Kastanjelaan", "Esdoornstraat", "Merelstraat", "Lijsterstraat",
    "Zwanenhof", "Raadhuisplein", "Vismarkt", "Korenbeurs", "Hofstraat", "Singel",
]
BUSINESS_NAMES = [
    "Nagelstudio Glamour", "Kapsalon Elegance", "Belwinkel Connect", "Autohandel De Snelweg",
    "Shoarma Palace", "Minimarkt Centrum", "Shisha Lounge Sahara", "Car Wash Express",
    "Uitzendbureau FlexWerk", "Bandenservice Noord", "Café De Zwaan", "Goudinkoop Centrum",
]
POSTCODE_LETTERS = ["AB", "AC", "AD", "CD", "EF", "GH", "JK", "KL", "MN", "PR", "ST", "VW"]
# Reports come in more in the evening than at night.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 9, 8, 5, 2]
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _status_for(age_days: float, urgency: str, rng: random.Random) -> str:
    """Older reports are further along the workflow, as in a real queue; acute ones move fast."""
    if urgency == "acuut" and age_days >= 0.25:
        # Acute reports are forwarded within hours, not left in the queue.
        return rng.choice(["doorgestuurd", "afgerond", "afgerond"])
    if age_days < 3:
        return rng.choice(["nieuw", "nieuw", "in_behandeling"])
    if age_days < 30:
        return rng.choice(["in_behandeling", "doorgestuurd", "doorgestuurd", "afgerond"])
    return rng.choice(["afgerond", "afgerond", "afgerond", "doorgestuurd", "niet_ontvankelijk"])


def text_pool(size: int, rng: random.Random) -> list[dict]:
    """``size`` varied texts: a corpus text, sometimes a sentence from another text on the
    same theme, and everyday openers and closers. Each is classified once by the caller."""
    texts = corpus_texts()
    if not texts:
        raise RuntimeError("the triage corpus is missing; cannot make demo texts")
    base_results = triage.classify_many(texts, routing=routing.current_table())
    by_theme: dict[str, list[str]] = {}
    for source, result in zip(texts, base_results, strict=True):
        sentences = [p for p in _SENTENCE.split(source["text"]) if len(p) > 20]
        by_theme.setdefault(result.theme, []).extend(sentences)
    pool = []
    for i in range(size):
        if i < len(texts):
            pool.append(dict(texts[i]))
            continue
        pick = rng.randrange(len(texts))
        source = texts[pick]
        parts = [rng.choice(OPENERS), source["text"]]
        same_theme = by_theme.get(base_results[pick].theme) or []
        if same_theme and rng.random() < 0.4:
            parts.append(rng.choice(same_theme))
        parts.append(rng.choice(CLOSERS))
        text = " ".join(p for p in parts if p)
        pool.append({**source, "text": text})
    return pool


def _location(rng: random.Random, place_type: str) -> tuple[str, str, str, str, str]:
    """(location, postcode, area, house number, location key), some places far more often than others."""
    area = POSTCODE_AREAS[min(int(rng.expovariate(0.35)), len(POSTCODE_AREAS) - 1)]
    if place_type in ("bedrijfspand", "horeca") and rng.random() < 0.25:
        name = rng.choice(BUSINESS_NAMES)
        return name, area + "BV", area, "", location_key(name)[0] or name.lower()
    streets = STREETS + MORE_STREETS
    street = streets[min(int(rng.expovariate(0.06)), len(streets) - 1)]
    number = str(1 + min(int(rng.expovariate(0.02)), 400))
    letters = POSTCODE_LETTERS[(zlib.crc32(street.encode()) + int(number) // 20) % len(POSTCODE_LETTERS)]
    return f"{street} {number}", area + letters, area, number, f"{street.lower()} {number}"


# What came of closed reports, roughly as a municipal meldpunt sees it: most give no follow-up
# of their own, about a third lead to a check, an investigation or a measure.
OUTCOME_WEIGHTS = (24, 10, 5, 48, 13)


def _report_row(
    n: int, seed: int, receipt_key: bytes, source: dict, result, now: datetime, rng: random.Random, day_offset: float
) -> dict:
    from meldpunt.models import OUTCOMES

    day = (now - timedelta(days=day_offset)).replace(hour=0, minute=0, second=0, microsecond=0)
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    created_at = day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60))
    if created_at >= now:  # today, later than now: somewhere in the part of today that has been
        created_at = day + (now - day) * rng.random()
    age = (now - created_at).total_seconds() / 86400
    status = _status_for(age, result.urgency, rng)
    location, postcode, area, number, key = _location(rng, source["place_type"])
    first_action = None
    if status != "nieuw":
        first_hours = rng.uniform(0.1, 2) if result.urgency == "acuut" else rng.lognormvariate(2.6, 0.9)
        first_action = created_at + timedelta(hours=first_hours)
        if first_action >= now:  # not yet: still waiting for a first action
            status, first_action = "nieuw", None
    closed_at = None
    if status in ("afgerond", "niet_ontvankelijk"):
        closed_at = _closed_at(created_at, first_action, rng)
        if closed_at >= now:  # not closed yet
            status, closed_at = "doorgestuurd", None
    anonymous = rng.random() < 0.7
    return {
        "created_at": created_at,
        "receipt_hash": hashlib.sha256(receipt_key + f"demo-{seed}-{n}".encode()).hexdigest(),
        "text": source["text"],
        "location": location,
        "postcode": postcode,
        "postcode_area": area,
        "house_number": number or None,
        "location_key": key,
        "place_type": source["place_type"],
        "reporter_type": source["reporter_type"],
        "ongoing": rng.choice(["ja", "nee", "onbekend"]),
        "campaign_code": rng.choice(CAMPAIGNS),
        "heard_via": rng.choice(HEARD_VIA),
        "language": result.language,
        "anonymous": anonymous,
        "share_identity": False,
        "status": status,
        "outcome": rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0] if status == "afgerond" else None,
        "theme": result.theme,
        "urgency": result.urgency,
        "urgency_rank": URGENCY_RANK[result.urgency],
        "route": result.route,
        "review": result.review,
        "has_attachments": rng.random() < 0.2,
        "first_opened_at": first_action,
        "first_action_at": first_action,
        "closed_at": closed_at,
        "reporter_last_seen_at": None,
        "unread_for_staff": False,
        "wants_email_notice": False,
        # Bulk inserts skip the ORM's listener that keeps this flag (models.needs_action).
        "needs_action": status in ("nieuw", "in_behandeling"),
    }


def _closed_at(created_at: datetime, first_action: datetime | None, rng: random.Random) -> datetime:
    """Closing follows the first action after days to weeks, a few after months."""
    days = rng.lognormvariate(2.3, 0.8)  # median about 10 days
    return (first_action or created_at) + timedelta(days=days)


REPORT_COLUMNS = (
    "id", "created_at", "receipt_hash", "text", "location", "postcode", "postcode_area", "house_number",
    "location_key", "place_type", "reporter_type", "ongoing", "campaign_code", "heard_via", "language",
    "anonymous", "share_identity", "status", "outcome", "theme", "urgency", "urgency_rank", "route",
    "review", "has_attachments", "first_opened_at", "first_action_at", "closed_at", "reporter_last_seen_at",
    "unread_for_staff",
    "wants_email_notice", "needs_action",
)
SUGGESTION_COLUMNS = (
    "report_id", "created_at", "theme", "secondary_themes", "urgency", "route", "confidence", "review",
    "explanation", "language", "model_version",
)
EVENT_COLUMNS = ("report_id", "created_at", "status", "outcome")


def _next_ids(count: int) -> list[int]:
    """Reserve ``count`` report ids (a sequence on PostgreSQL, max+1 on SQLite)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return list(
            db.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('report', 'id')) FROM generate_series(1, :n)"),
                {"n": count},
            )
        )
    start = (db.session.scalar(select(func.max(Report.id))) or 0) + 1
    return list(range(start, start + count))


def _write_batch(reports: list[dict], suggestions: list[dict], events: list[dict]) -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # COPY: an order of magnitude faster than INSERT for bulk data.
        # A checked-out connection always has its DBAPI connection; the Optional type is for detached ones.
        cursor = db.session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        for table, columns, rows in (
            ("report", REPORT_COLUMNS, reports),
            ("triage_suggestion", SUGGESTION_COLUMNS, suggestions),
            ("status_event", EVENT_COLUMNS, events),
        ):
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [json.dumps(row[c]) if isinstance(row.get(c), list) else row.get(c) for c in columns]
                    )
        return
    # Core table inserts: one executemany per table, no ORM bookkeeping per row.
    db.session.execute(Report.__table__.insert(), reports)
    db.session.execute(TriageSuggestion.__table__.insert(), suggestions)
    db.session.execute(StatusEvent.__table__.insert(), events)


def seed_reports(
    count: int,
    seed: int = 7,
    now: datetime | None = None,
    chunk: int = 20000,
    ages: list[float] | None = None,
    decorate: Callable[[dict, random.Random], None] | None = None,
) -> int:
    """Insert ``count`` demo reports with suggestions and status events; returns how many.

    ``ages`` (days before ``now``, oldest first) places the reports in time; by default
    they are spread over the past year, more in recent months. ``decorate`` may change a
    report's row (its campaign, a return visit) before it is written.
    """
    rng = random.Random(seed)  # noqa: S311  # seeded on purpose: reproducible demo data, not a secret  # nosec B311
    now = now or datetime.now(UTC)
    pool = text_pool(min(max(count, 1), max(len(corpus_texts()), 6000)), rng)
    results = triage.classify_many(pool, routing=routing.current_table())
    receipt_key = current_app.config["RECEIPT_KEY"].encode()
    # Ages drawn up front and sorted oldest first: ids then follow arrival order and the
    # table is laid out in time order, as a real one is (more recent days hold more reports).
    if ages is None:
        ages = sorted((rng.random() ** 1.3 * 365 for _ in range(count)), reverse=True)
    count = len(ages)
    created = 0
    while created < count:
        batch = min(chunk, count - created)
        ids = _next_ids(batch)
        reports, suggestions, events = [], [], []
        for i, report_id in enumerate(ids):
            pick = rng.randrange(len(pool))
            result = results[pick]
            row = _report_row(created + i, seed, receipt_key, pool[pick], result, now, rng, ages[created + i])
            row["id"] = report_id
            if decorate is not None:
                decorate(row, rng)
            reports.append(row)
            suggestions.append(
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
            events.append({"report_id": report_id, "created_at": row["created_at"], "status": "nieuw", "outcome": None})
            if row["status"] != "nieuw":
                events.append(
                    {
                        "report_id": report_id,
                        "created_at": row["first_action_at"],
                        "status": row["status"],
                        "outcome": row["outcome"],
                    }
                )
        _write_batch(reports, suggestions, events)
        db.session.commit()
        created += batch
    return created


# --- a mid-sized municipality over two years ------------------------------------------

DEMO_CAMPAIGN = "poster-2026"
# Reports per week through the year (January first): quieter in summer and at Christmas.
SEASON = (1.0, 1.05, 1.1, 1.1, 1.05, 0.95, 0.8, 0.75, 1.0, 1.1, 1.1, 0.85)


def _poisson(rate: float, rng: random.Random) -> int:
    """Knuth's method: fine for the few reports of one day."""
    limit, k, product = math.exp(-rate), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def municipality_timeline(
    now: datetime, years: int = 2, per_week: float = 15, seed: int = 7
) -> tuple[list[float], dict[date, int], date]:
    """Report ages (days before ``now``, oldest first), reports per local day, and the day a
    poster campaign started (about ten months ago, so its before and after are both visible)."""
    rng = random.Random(seed)  # noqa: S311  # reproducible demo data, not a secret  # nosec B311
    today = now.date()
    campaign = today - timedelta(days=300)
    ages: list[float] = []
    per_day: dict[date, int] = {}
    for back in range(365 * years, -1, -1):
        day = today - timedelta(days=back)
        rate = per_week / 7 * SEASON[day.month - 1] * (0.9 + 0.1 * (365 * years - back) / (365 * years))
        rate *= 0.7 if day.weekday() >= 5 else 1.1
        since = (day - campaign).days
        if 0 <= since < 56:
            rate *= 1.0 + 0.8 * (1 - since / 56)  # the campaign's effect, fading over eight weeks
        n = _poisson(rate, rng)
        if back == 0:
            hours_so_far = now.hour + now.minute / 60
            n = min(n, int(n * hours_so_far / 24 + 0.5))
        per_day[day] = n
        ages.extend([float(back)] * n)
    return ages, per_day, campaign


def _decorator(now: datetime, campaign: date) -> Callable[[dict, random.Random], None]:
    def decorate(row: dict, rng: random.Random) -> None:
        since = (row["created_at"].date() - campaign).days
        if 0 <= since < 56 and rng.random() < 0.45:
            row["campaign_code"], row["heard_via"] = DEMO_CAMPAIGN, "poster"
        elif row["campaign_code"] == DEMO_CAMPAIGN and since < 0:
            row["campaign_code"] = None
        # About a quarter of reporters come back with their receipt code within weeks.
        if rng.random() < 0.27:
            seen = row["created_at"] + timedelta(days=rng.uniform(0.5, 30))
            if seen < now:
                row["reporter_last_seen_at"] = seen

    return decorate


def seed_municipality(years: int = 2, per_week: float = 15, seed: int = 7, now: datetime | None = None) -> int:
    """Two years of a mid-sized municipality: about 15 reports a week with seasons, a poster
    campaign with a visible effect, closing times and outcomes, and the daily counters (form
    views, submissions, visits with a receipt code) the site would have kept."""
    from meldpunt.models import DailyCounter

    now = now or datetime.now(UTC)
    ages, per_day, campaign = municipality_timeline(now, years, per_week, seed)
    made = seed_reports(len(ages), seed=seed, now=now, ages=ages, decorate=_decorator(now, campaign))
    rng = random.Random(seed + 1)  # noqa: S311  # reproducible demo data, not a secret  # nosec B311
    existing = {(r.day, r.name) for r in db.session.execute(select(DailyCounter.day, DailyCounter.name))}
    rows = []
    recent: list[int] = []
    for day, sent in sorted(per_day.items()):
        since = (day - campaign).days
        boost = 1.0 + (1.5 * (1 - since / 56) if 0 <= since < 56 else 0)
        recent = (recent + [sent])[-30:]
        counts = {
            "form_view": int(sent * rng.uniform(5, 8) + rng.uniform(4, 14) * boost),
            "submission": sent,
            "followup_login": _poisson(sum(recent) * 0.02 + 0.2, rng),
        }
        for name, count in counts.items():
            if (day, name) not in existing and count:
                rows.append({"day": day, "name": name, "count": count})
    if rows:
        db.session.execute(DailyCounter.__table__.insert(), rows)
    db.session.commit()
    return made


DEMO_STAFF_EMAIL = "demo@meldpunt.example"
DEMO_STAFF_PASSWORD = "demo-wachtwoord"  # noqa: S105  # documented demo login for local `make run`  # nosec B105
# The coordinator runs the daily work; the admin also sees what only admins may (the demo's
# sent e-mail, scheduled jobs, the triage model, user accounts), so the whole product can be
# tried without creating accounts first.
DEMO_ACCOUNTS = ((DEMO_STAFF_EMAIL, "coordinator"), ("beheerder@meldpunt.example", "admin"))


def ensure_demo_staff(email: str = DEMO_STAFF_EMAIL, role: str = "coordinator"):
    """A demo account, created once; its credentials for the console."""
    from meldpunt.staff import accounts as staff

    user = staff.find_by_email(email)
    if user is None:
        account = staff.create_user(email, role, password=DEMO_STAFF_PASSWORD)
        # The demo password and authenticator secret are printed on every run, so they
        # must keep working: the demo account skips the forced password change and has
        # its authenticator confirmed (every real account enrols at its first sign-in).
        account.user.must_change_password = False
        account.user.totp_confirmed = True
        db.session.commit()
        return account
    return staff.NewAccount(
        user=user,
        password=DEMO_STAFF_PASSWORD,
        totp_secret=staff.totp_secret(user) or "",
        provisioning_uri=staff.provisioning_uri(user),
    )
