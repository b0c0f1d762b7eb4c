"""searchlib: full-text search for news archives."""
