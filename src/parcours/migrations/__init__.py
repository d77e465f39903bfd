"""Alembic migrations; ``parcours db upgrade`` runs them."""
