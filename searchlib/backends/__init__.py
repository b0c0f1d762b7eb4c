"""Search engines behind searchlib's one narrow boundary (see ``shared/DESIGN.md``)."""
