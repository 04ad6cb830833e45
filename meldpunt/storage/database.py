"""The database store: attachments and pending uploads as rows (the default on PostgreSQL).

Attachments are written and deleted in the caller's session, so a blob commits or
rolls back with its report: "all or nothing" is the database's job, with no file
clean-up code. Statements run at once (Core insert/update/delete instead of ORM
objects), so a multi-megabyte blob is not kept in the session until the commit.

Pending uploads belong to no report transaction yet: a form page that keeps them must
not commit the request's session (views never commit). They are written in short
transactions of their own on a separate connection, as a file would be written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, literal, select, update

from meldpunt.extensions import db
from meldpunt.models import AttachmentBlob, PendingUpload, UTCDateTime, utcnow
from meldpunt.storage.base import MissingBlob, PreparedUpload

# Names read per query while iterating: a page of names, never the blobs themselves.
NAME_PAGE = 500


class DatabaseAttachments:
    kind = "database"
    transactional = True

    def put(self, name: str, encrypted: bytes | bytearray) -> None:
        db.session.execute(insert(AttachmentBlob).values(storage_name=name, data=encrypted, created_at=utcnow()))

    def replace(self, name: str, encrypted: bytes | bytearray) -> None:
        done = db.session.execute(
            update(AttachmentBlob).where(AttachmentBlob.storage_name == name).values(data=encrypted)
        )
        if not getattr(done, "rowcount", 0):
            raise MissingBlob(name)

    def copy_from_pending(self, name: str, token: str, file_id: str) -> bool:
        """Store a pending upload as this attachment's content inside the database, in the
        caller's transaction: the photo never travels to the worker and back."""
        done = db.session.execute(
            insert(AttachmentBlob).from_select(
                ["storage_name", "created_at", "data"],
                select(literal(name), literal(utcnow(), UTCDateTime()), PendingUpload.data).where(
                    PendingUpload.token == token, PendingUpload.file_id == file_id
                ),
            )
        )
        return bool(getattr(done, "rowcount", 0))

    def get(self, name: str) -> bytes:
        query = select(AttachmentBlob.data).where(AttachmentBlob.storage_name == name)
        connection = db.session.connection()
        if connection.dialect.driver == "psycopg":
            # bytea in binary format: a third of the time of the hex text format for a photo.
            data = _fetch_binary(connection, query)
        else:
            data = connection.execute(query).scalar_one_or_none()
        if data is None:
            raise MissingBlob(name)
        return bytes(data)

    def exists(self, name: str) -> bool:
        found = db.session.execute(
            select(AttachmentBlob.storage_name).where(AttachmentBlob.storage_name == name)
        ).scalar_one_or_none()
        return found is not None

    def delete(self, names: Sequence[str]) -> None:
        for start in range(0, len(names), NAME_PAGE):
            db.session.execute(
                delete(AttachmentBlob)
                .where(AttachmentBlob.storage_name.in_(list(names[start : start + NAME_PAGE])))
                .execution_options(synchronize_session=False)
            )

    def names(self, older_than: datetime | None = None) -> Iterator[str]:
        # Keyset pages: safe while the caller deletes some of the names already seen.
        last = ""
        while True:
            query = select(AttachmentBlob.storage_name).where(AttachmentBlob.storage_name > last)
            if older_than is not None:
                query = query.where(AttachmentBlob.created_at < older_than)
            page = list(db.session.scalars(query.order_by(AttachmentBlob.storage_name).limit(NAME_PAGE)))
            if not page:
                return
            yield from page
            last = page[-1]


def _fetch_binary(connection, query) -> bytes | None:
    """One value through a psycopg cursor in binary format, on the session's connection
    (so inside its transaction). SQLAlchemy asks psycopg for text results only."""
    compiled = query.compile(dialect=connection.dialect)
    raw = connection.connection.driver_connection
    with raw.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        row = cursor.fetchone()
    return None if row is None else row[0]


class DatabasePending:
    kind = "database"

    def add(self, token: str, prepared: PreparedUpload) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                insert(PendingUpload).values(
                    token=token,
                    file_id=prepared.file_id,
                    created_at=utcnow(),
                    meta_encrypted=prepared.encrypted_meta,
                    data=prepared.encrypted_data,
                )
            )

    def entries(self, token: str) -> list[tuple[str, bytes]]:
        with db.engine.connect() as conn:
            rows = conn.execute(
                select(PendingUpload.file_id, PendingUpload.meta_encrypted)
                .where(PendingUpload.token == token)
                .order_by(PendingUpload.created_at, PendingUpload.file_id)
            ).all()
        return [(file_id, bytes(meta)) for file_id, meta in rows]

    def get(self, token: str, file_id: str) -> bytes | None:
        with db.engine.connect() as conn:
            data = conn.execute(
                select(PendingUpload.data).where(PendingUpload.token == token, PendingUpload.file_id == file_id)
            ).scalar_one_or_none()
        return None if data is None else bytes(data)

    def replace(self, token: str, file_id: str, encrypted_meta: bytes, encrypted_data: bytes | bytearray) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                update(PendingUpload)
                .where(PendingUpload.token == token, PendingUpload.file_id == file_id)
                .values(meta_encrypted=encrypted_meta, data=encrypted_data)
            )

    def remove(self, token: str, file_id: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(PendingUpload).where(PendingUpload.token == token, PendingUpload.file_id == file_id))

    def discard(self, token: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(PendingUpload).where(PendingUpload.token == token))

    def purge_stale(self, cutoff: datetime) -> int:
        # A token's age is its newest upload's, as a folder's modification time is.
        stale = (
            select(PendingUpload.token)
            .group_by(PendingUpload.token)
            .having(func.max(PendingUpload.created_at) < cutoff)
        )
        with db.engine.begin() as conn:
            tokens = list(conn.scalars(stale))
            for start in range(0, len(tokens), NAME_PAGE):
                conn.execute(delete(PendingUpload).where(PendingUpload.token.in_(tokens[start : start + NAME_PAGE])))
        return len(tokens)

    def tokens(self) -> Iterator[str]:
        with db.engine.connect() as conn:
            found = list(conn.scalars(select(PendingUpload.token).distinct().order_by(PendingUpload.token)))
        yield from found
