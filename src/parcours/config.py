"""Settings read from ``PARCOURS_*`` environment variables.

Secrets never fall back to a default outside development: a production instance that forgot to set
``PARCOURS_SECRET_KEY`` refuses to start instead of signing sessions with a guessable key.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from parcours.customers.matching.policy import CONFLICT_RULES

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARCOURS_", extra="ignore")

    environment: Environment = "development"
    home: Path = Path("./var")
    database_url: str | None = None
    default_region: str = Field(default="FR", min_length=2, max_length=2)
    secret_key: str | None = None
    #: Trust of each source for survivorship, e.g. "store=3,web=2,callcentre=1" (unlisted: 0).
    source_trust: str = ""
    import_batch_size: int = Field(default=1000, ge=1, le=100_000)
    #: Interactions are small rows: bigger transactions write each index page once for more of
    #: them (bench/ingest.py: 7,900/s at 1,000 a batch, 9,000/s at 5,000).
    interaction_batch_size: int = Field(default=5000, ge=1, le=100_000)
    #: Where e-mail leaves (smtp://, smtp+starttls://, smtps://); none: messages wait in the
    #: outbox (``parcours outbox list``).
    smtp_url: str | None = None
    mail_from: str = "Parcours <parcours@localhost>"
    #: Attachments larger than this are refused (the message is kept, the refusal noted on it).
    max_attachment_mb: int = Field(default=10, ge=1, le=100)
    #: The address customers reach this instance at (links in survey e-mails).
    public_url: str = "http://127.0.0.1:8000"
    #: Match probability from which records become one customer without a person.
    match_auto_threshold: float = Field(default=0.99, gt=0, le=1)
    #: Match probability from which a pair waits in the review queue.
    match_review_threshold: float = Field(default=0.5, gt=0, le=1)
    #: Strong conflicts that forbid an automatic merge (comma-separated; empty: none).
    match_conflicts: str = ",".join(CONFLICT_RULES)

    @model_validator(mode="after")
    def _known_conflicts(self) -> Settings:
        known = set(CONFLICT_RULES)
        unknown = sorted(self.conflict_rules - known)
        if unknown:
            raise ValueError(
                f"PARCOURS_MATCH_CONFLICTS: unknown {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        return self

    @model_validator(mode="after")
    def _thresholds_in_order(self) -> Settings:
        if self.match_review_threshold > self.match_auto_threshold:
            raise ValueError(
                "PARCOURS_MATCH_REVIEW_THRESHOLD must not exceed PARCOURS_MATCH_AUTO_THRESHOLD"
            )
        return self

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production" and (
            not self.secret_key or self.secret_key.lower() in {"changeme", "secret", "default"}
        ):
            raise ValueError(
                "PARCOURS_SECRET_KEY must be set to a long random value when "
                "PARCOURS_ENVIRONMENT=production"
            )
        if (
            self.secret_key is not None
            and self.environment == "production"
            and len(self.secret_key) < 32
        ):
            raise ValueError("PARCOURS_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'parcours.db').resolve()}"

    @property
    def conflict_rules(self) -> frozenset[str]:
        return frozenset(item.strip() for item in self.match_conflicts.split(",") if item.strip())

    @property
    def trust_by_source(self) -> dict[str, int]:
        trust: dict[str, int] = {}
        for item in self.source_trust.split(","):
            if not item.strip():
                continue
            name, _, level = item.partition("=")
            trust[name.strip()] = int(level.strip() or 0)
        return trust

    def effective_secret_key(self) -> str:
        """The configured key, or in development a random one kept under ``home``."""
        if self.secret_key:
            return self.secret_key
        key_file = self.home / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.home.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        key_file.write_text(key)
        key_file.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
