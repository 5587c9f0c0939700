"""API tokens for tests: a fresh hashed token, the way `create_api_token` makes one."""

from __future__ import annotations

from typing import Any

from dressdb import tokens


def api_key(user: Any, name: str = "test") -> str:
    """A new token for `user` (only its hash is stored); the token string is returned."""
    return tokens.token_create(user=user, name=name, via="command")[1]
