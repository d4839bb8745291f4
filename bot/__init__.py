"""Kömek: a Telegram bot telling migrant workers and asylum seekers in Kazakhstan their rights."""

__version__ = "0.1.0"
