"""CSV injection (OWASP) for the core's CSV files: the same rule as reports/csvstream.py.

A text cell that could start a formula (= + - @ TAB CR LF) gets a leading ', and so does
every line start inside it (after a CR or LF) that could (= + - @ TAB "). The reports
floor keeps its own streaming writer; this is for pages on the lower floors (the security
log export of trialadmin), written with Python's csv module.
"""

from __future__ import annotations

import re

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_AFTER_BREAK = re.compile(r"(?<=[\r\n])(?=[=+\-@\t\"])")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    text = _AFTER_BREAK.sub("'", text)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text
