"""Text no field may hold: NUL bytes (PostgreSQL refuses them in text) and lone UTF-16
surrogates (not encodable as UTF-8). One rule for query strings, forms and JSON bodies."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_UNSAFE = re.compile("[\x00\ud800-\udfff]")

NUL_MESSAGE = "contains a NUL byte (\\x00), which is not allowed"
SURROGATE_MESSAGE = "contains an invalid character (a lone UTF-16 surrogate)"


def problem_in(text: str) -> str | None:
    """Why `text` is refused, or None when it is acceptable."""
    match = _UNSAFE.search(text)
    if match is None:
        return None
    return NUL_MESSAGE if match.group() == "\x00" else SURROGATE_MESSAGE


def _label(name: str) -> str:
    """A parameter name safe to echo back (itself stripped of what it is refused for)."""
    clean = _UNSAFE.sub("?", name)[:100]
    return clean or "?"


def first_unsafe_parameter(params: Any) -> tuple[str, str] | None:
    """(parameter, problem) for the first unsafe name or value of a QueryDict."""
    for name in params:
        problem = problem_in(name)
        if problem is not None:
            return _label(name), f"parameter name {problem}"
        for value in params.getlist(name):
            if isinstance(value, str):
                problem = problem_in(value)
                if problem is not None:
                    return _label(name), problem
    return None


def first_unsafe_in_json(data: Any, path: str = "") -> tuple[str, str] | None:
    """(dotted field path, problem) for the first unsafe key or string in parsed JSON."""
    if isinstance(data, str):
        problem = problem_in(data)
        return (path or "body", problem) if problem else None
    items: Iterable[tuple[str, Any]]
    if isinstance(data, Mapping):
        for key in data:
            problem = problem_in(str(key))
            if problem is not None:
                return (f"{path}.{_label(str(key))}" if path else _label(str(key))), (
                    f"field name {problem}"
                )
        items = ((str(k), v) for k, v in data.items())
    elif isinstance(data, list):
        items = ((str(i), v) for i, v in enumerate(data))
    else:
        return None
    for key, value in items:
        found = first_unsafe_in_json(value, f"{path}.{key}" if path else key)
        if found is not None:
            return found
    return None
