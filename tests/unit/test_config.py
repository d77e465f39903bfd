"""Settings: defaults for the embedded mode, and no default secret in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from parcours.config import Settings


def test_the_default_database_is_a_sqlite_file_under_parcours_home(tmp_path: Path):
    settings = Settings(home=tmp_path)

    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/parcours.db"
    assert settings.default_region == "FR"


def test_an_explicit_database_url_wins():
    url = "postgresql+psycopg://parcours@db.example/parcours"
    assert Settings(database_url=url).resolved_database_url == url


@pytest.mark.parametrize(
    "secret", [None, "changeme", "short-but-not-default"], ids=["missing", "default", "too-short"]
)
def test_production_refuses_a_missing_default_or_short_secret(secret: str | None):
    with pytest.raises(ValidationError, match="PARCOURS_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)


def test_production_accepts_a_long_random_secret():
    settings = Settings(environment="production", secret_key="k" * 48)
    assert settings.effective_secret_key() == "k" * 48


def test_development_keeps_a_random_secret_under_home(tmp_path: Path):
    first = Settings(home=tmp_path).effective_secret_key()
    second = Settings(home=tmp_path).effective_secret_key()

    assert first == second
    assert len(first) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_source_trust_reads_name_equals_level_pairs():
    settings = Settings(source_trust="store=3, web=2,callcentre")
    assert settings.trust_by_source == {"store": 3, "web": 2, "callcentre": 0}
