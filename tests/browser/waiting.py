"""Waiting for a condition in the page, for the browser tests."""

from __future__ import annotations

import time


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll ``expression`` with page.evaluate (wait_for_function would need eval, which the CSP forbids)."""
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)
