"""Settings shared by every entry point, read from ``ITICKET_*`` environment variables.

The bot has its own WhatsApp settings (``iticket.bot.settings``); these are the ones the core,
the CLI and the TUI need.
"""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_path, user_data_path
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "iticket"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ITICKET_", extra="ignore")

    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the user data dir"
    )
    data_dir: Path = Field(default_factory=lambda: user_data_path(APP_NAME))
    config_dir: Path = Field(default_factory=lambda: user_config_path(APP_NAME))
    timezone: str | None = Field(default=None, description="IANA zone; default: the system's")
    lang: str = "es"
    session_hours: int = Field(default=12, description="lifetime of a login session")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'iticket.db'}"


def get_settings() -> Settings:
    return Settings()
