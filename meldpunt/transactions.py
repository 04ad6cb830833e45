"""Who owns a transaction: the service function that does the work.

A service takes plain values, does its work, writes its audit events and commits,
all in one transaction; views never commit or roll back. ``unit_of_work`` marks
such a function: when it raises (a refused action, a database error), its
transaction is rolled back before the error reaches the caller, so the view can
render its error page from a clean session.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from meldpunt.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def unit_of_work(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise

    return run
