"""The one exception for a file that cannot be accepted."""

from __future__ import annotations


class AttachmentRejected(Exception):
    """A file that cannot be accepted; ``reason`` is shown to the reporter."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(reason)
        self.filename = filename
        self.reason = reason

    def __reduce__(self):
        # Travels back from the child process that cleaned the file (isolation.py).
        return (AttachmentRejected, (self.filename, self.reason))
