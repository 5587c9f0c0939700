"""Password validators: strength (zxcvbn) and the trial's own names.

- StrengthValidator: zxcvbn (Dropbox's estimator, PyPI `zxcvbn`) must score the password
  at least `min_score` (default 4: about 10^10 guesses). It refuses repeats
  (`aaaaaaaaaaaa`), keyboard walks (`qwertyuiopas`), season + year (`Summer2026!!`) and
  dictionary words with the usual substitutions, which length rules let through.
- TrialNamesValidator: a password may not contain the trial's or a site's name or code
  (DRESS, cyclosporine, dressdb, each site's code and name), compared case-insensitively
  after undoing common substitutions (0->o, 1->i, 3->e, 4->a, 5->s, 7->t, @->a, $->s).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

TRIAL_TERMS = (
    "dress",
    "dressdb",
    "cyclosporine",
    "ciclosporin",
    "cyclosporin",
    "corticosteroid",
    "prednisone",
    "nct04988256",
    "04988256",
)
# Short site codes (2 letters) would forbid too many ordinary words; codes of 3 or more
# characters and every site name are checked.
MIN_TERM_LENGTH = 3
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _normalise(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower().translate(_LEET))


def _plain(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def trial_terms() -> list[str]:
    """The trial's names and every site's code and name, normalised."""
    from dressdb.models import Site

    terms = set(TRIAL_TERMS)
    for code, name in Site.objects.values_list("code", "name"):
        terms.add(_plain(code))
        terms.add(_plain(name))
        terms.update(
            _plain(word) for word in re.split(r"[\s\-(),.]+", name) if len(_plain(word)) >= 5
        )
    return sorted(t for t in terms if len(t) >= MIN_TERM_LENGTH)


class StrengthValidator:
    def __init__(self, min_score: int = 4) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: Any = None) -> None:
        from zxcvbn import zxcvbn

        inputs = [
            str(getattr(user, attr, "") or "")
            for attr in ("username", "first_name", "last_name", "email")
        ]
        # zxcvbn refuses input over 72 characters (ValueError); a longer password is judged
        # on its first 72, which must be strong on their own.
        result = zxcvbn(password[:72], user_inputs=[i for i in inputs if i] + list(TRIAL_TERMS))
        if result["score"] < self.min_score:
            feedback = result.get("feedback") or {}
            hints = " ".join(
                part
                for part in [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
                if part
            )
            raise ValidationError(
                "This password is too easy to guess. " + (hints or "Use a longer passphrase."),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return (
            "Your password must be hard to guess: no repeats, keyboard rows, seasons with a "
            "year or common words. A passphrase of four unrelated words works well."
        )


class TrialNamesValidator:
    def validate(self, password: str, user: Any = None) -> None:
        normalised = _normalise(password)
        plain = _plain(password)
        for term in trial_terms():
            if term in normalised or term in plain:
                raise ValidationError(
                    "Your password may not contain the trial's or a site's name or code.",
                    code="password_contains_trial_name",
                )

    def get_help_text(self) -> str:
        return "Your password may not contain the trial's or a site's name or code."
