"""Typed application keys shared by the bot's routes and its app factory."""

from __future__ import annotations

from aiohttp import web

from iticket.bot.sender import Sender
from iticket.bot.settings import BotSettings
from iticket.bot.store import InboundStore
from iticket.core.db import Database

DB = web.AppKey("db", Database)
SETTINGS = web.AppKey("settings", BotSettings)
STORE = web.AppKey("store", InboundStore)
SENDER = web.AppKey("sender", Sender)
