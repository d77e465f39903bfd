"""Console users and API tokens."""
