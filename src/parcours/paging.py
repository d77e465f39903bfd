"""Pages of a list, the one rule every paged list of the project follows."""

from __future__ import annotations


def page_count(total: int, page_size: int) -> int:
    """How many pages ``total`` items fill, ``page_size`` a page — at least one: the page that
    says the list is empty."""
    return max(1, -(-total // page_size))
