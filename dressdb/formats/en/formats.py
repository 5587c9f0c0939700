"""English: ISO dates, 24-hour times (as the trial has always shown them)."""

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
