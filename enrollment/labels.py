"""Marks the human labels of the pure cores for the translation catalogue.

The cores import no Django, so they cannot call gettext; they wrap each label in
`gettext_noop(...)`, which returns it unchanged and lets `makemessages` find it
(`gettext_noop` is one of its keywords). The label is translated where it is shown:
`dressdb.choices.choices` gives Django's lazy translation of each label, so model and
form choices (and `get_<field>_display()`) read in the user's language.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    return message
