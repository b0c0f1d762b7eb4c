"""The Whoosh backend: everything that imports or handles Whoosh objects lives here."""
