"""French: day/month/year, 24-hour times (Django's French formats for the rest)."""

SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
