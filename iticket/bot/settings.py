"""The bot's settings, read from ``ITICKET_WA_*`` environment variables (pydantic-settings).

Secrets (verify token, app secret, access token, phone number id) have no default: ``iticket bot
serve`` refuses to start without them (:meth:`BotSettings.missing`). Everything else has a
sensible default so a test or a demo only sets what it changes. The template is what the bot
sends outside the 24-hour window; its parameters are named here in the order the approved
template expects them (``ticket``: the number, ``text``: the rendered Spanish notice,
``message``: the staff's resolution message or rejection reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from iticket.core.config import Settings as CoreSettings

SECRETS = ("verify_token", "app_secret", "access_token", "phone_number_id")
TEMPLATE_PARAM_NAMES = ("ticket", "text", "message", "status")


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ITICKET_WA_", extra="ignore")

    verify_token: str = Field(default="", description="the token Meta echoes on GET /webhook")
    app_secret: str = Field(default="", description="signs every POST (X-Hub-Signature-256)")
    access_token: str = Field(default="", description="bearer token for the Graph API")
    phone_number_id: str = Field(default="", description="our WhatsApp number's id")
    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"
    template_name: str = "iticket_aviso"
    template_language: str = "es_AR"
    template_params: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["ticket", "text"])
    idle_timeout_minutes: int = Field(default=120, ge=1, description="conversation expiry")
    attachments_dir: Path | None = Field(default=None, description="default: <data dir>/attachments")
    bot_username: str = "wspbot"
    max_attempts: int = Field(default=8, ge=1, description="delivery attempts before giving up")
    max_body_bytes: int = 3 * 1024 * 1024
    max_media_bytes: int = 100 * 1024 * 1024
    retry_base_seconds: float = Field(default=2.0, gt=0, description="first retry delay")
    poll_seconds: float = Field(default=1.0, gt=0, description="how often idle workers look")

    @field_validator("template_params", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            value = [p.strip() for p in value.split(",") if p.strip()]
        if isinstance(value, list):
            bad = [p for p in value if p not in TEMPLATE_PARAM_NAMES]
            if bad:
                raise ValueError(f"unknown template parameter(s) {bad}; use {TEMPLATE_PARAM_NAMES}")
        return value

    def missing(self) -> list[str]:
        """Environment variable names of the secrets that are not set."""
        return [f"ITICKET_WA_{name.upper()}" for name in SECRETS if not getattr(self, name).strip()]

    def messages_url(self) -> str:
        return f"{self.graph_url.rstrip('/')}/{self.api_version}/{self.phone_number_id}/messages"

    def media_url(self, media_id: str) -> str:
        return f"{self.graph_url.rstrip('/')}/{self.api_version}/{media_id}"

    def resolved_attachments_dir(self, core: CoreSettings | None = None) -> Path:
        if self.attachments_dir is not None:
            return self.attachments_dir
        return (core or CoreSettings()).data_dir / "attachments"
