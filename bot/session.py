"""What Kömek remembers about one person between messages: no text, no name, no id."""

from __future__ import annotations

from dataclasses import dataclass, replace

STACK_DEPTH = 20
RECENT_MESSAGES = 50


@dataclass(frozen=True, slots=True)
class Session:
    lang: str | None = None
    node: str | None = None
    stack: tuple[str, ...] = ()
    pending: str | None = None  # a deep-link target waiting for the language choice
    screen_message: int | None = None  # the bot message that shows the current screen
    recent_messages: tuple[int, ...] = ()  # ids only, for a later safe exit

    def visit(self, target: str) -> Session:
        """Move to target, remembering where the reader came from."""
        stack = self.stack
        if self.node is not None and self.node != target:
            stack = (*stack, self.node)[-STACK_DEPTH:]
        return replace(self, node=target, stack=stack)

    def shown(self, message_id: int) -> Session:
        """The screen now lives in message_id."""
        recent = (*[m for m in self.recent_messages if m != message_id], message_id)
        return replace(self, screen_message=message_id,
                       recent_messages=recent[-RECENT_MESSAGES:])

    def received(self, message_id: int) -> Session:
        recent = (*self.recent_messages, message_id)
        return replace(self, recent_messages=recent[-RECENT_MESSAGES:])
