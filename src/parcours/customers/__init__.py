"""Single customer view: source records, identifiers and the golden record derived from them."""
