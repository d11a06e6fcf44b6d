"""The log and the views on SQLite and PostgreSQL: URLs, recorders, view stores, outages."""
