"""What Kömek remembers about one person between messages: no text, no name, no id."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.events import Vote

STACK_DEPTH = 20
DELETE_WINDOW = 48 * 3600  # Telegram lets a bot delete messages for 48 hours; ids older go
MAX_KEPT_MESSAGES = 1000  # a bound on the row, far above what 48 hours of reading produce

Seen = tuple[int, int]  # a message id and when it was seen (unix seconds): nothing else


@dataclass(frozen=True, slots=True)
class Session:
    lang: str | None = None
    node: str | None = None
    stack: tuple[str, ...] = ()
    pending: str | None = None  # a deep-link target waiting for the language choice
    screen_message: int | None = None  # the bot message that shows the current screen
    recent_messages: tuple[Seen, ...] = ()  # both directions, for the safe exit
    vote: Vote | None = None  # "was this helpful?" on the current screen only
    vote_changed: bool = False

    def visit(self, target: str) -> Session:
        """Move to target, remembering where the reader came from."""
        stack = self.stack
        if self.node is not None and self.node != target:
            stack = (*stack, self.node)[-STACK_DEPTH:]
        return replace(self.at(target), stack=stack)

    def at(self, target: str, stack: tuple[str, ...] | None = None) -> Session:
        """On target; a vote belongs to the screen it was given on, so it goes with it."""
        moved = self if target == self.node else replace(self, vote=None, vote_changed=False)
        return replace(moved, node=target, stack=self.stack if stack is None else stack)

    def shown(self, message_id: int, now: int) -> Session:
        """The screen now lives in message_id."""
        return replace(self.seen(message_id, now), screen_message=message_id)

    def seen(self, message_id: int, now: int) -> Session:
        """A message in this chat, either way, that the safe exit will delete."""
        kept = tuple((m, t) for m, t in self.recent_messages
                     if m != message_id and now - t < DELETE_WINDOW)
        return replace(self, recent_messages=(*kept, (message_id, now))[-MAX_KEPT_MESSAGES:])

    def pruned(self, now: int) -> Session:
        """Without the ids Telegram would no longer let the bot delete."""
        kept = tuple((m, t) for m, t in self.recent_messages if now - t < DELETE_WINDOW)
        return self if kept == self.recent_messages else replace(self, recent_messages=kept)

    def message_ids(self) -> tuple[int, ...]:
        return tuple(m for m, _ in self.recent_messages)
