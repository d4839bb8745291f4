"""Channels adapt the pure conversation to a medium: Telegram, or a terminal."""
