"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A 4xx answer (403 from `require_role` or a DRF permission, 404, 400) is the client's
    error, not the server's: log its one line and drop the traceback Django attaches
    (`django.request` passes the exception as exc_info for PermissionDenied)."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


class ClientErrorAccessAtInfo(logging.Filter):
    """runserver's access line ("GET /x HTTP/1.1" 403) of a 4xx is INFO, like any other
    request: the WARNING for a 403 is django.request's one line, not a second one."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500 and record.levelno == logging.WARNING:
            record.levelno = logging.INFO
            record.levelname = logging.getLevelName(logging.INFO)
        return True
