"""One exception hierarchy, rooted at SearchlibError."""

from __future__ import annotations

import searchlib
from searchlib import errors


def test_every_error_is_a_searchlib_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, searchlib.SearchlibError)
        assert getattr(searchlib, name) is cls, f"{name} is not exported by searchlib"


def test_errors_are_distinct() -> None:
    kinds = [
        errors.InputError,
        errors.QueryError,
        errors.IndexNotFound,
        errors.IndexCorrupt,
        errors.IndexLocked,
    ]
    for i, a in enumerate(kinds):
        for b in kinds[i + 1 :]:
            assert not issubclass(a, b) and not issubclass(b, a)
