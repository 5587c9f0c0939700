"""Local date formats: each language its own (dressdb.i18n; settings.FORMAT_MODULE_PATH)."""
