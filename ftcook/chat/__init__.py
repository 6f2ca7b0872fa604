"""Chat exports: readers for each app's export (``whatsapp``, ``telegram``), each giving ``ChatMessage``s, and
the shaping of messages into turns, sessions and examples (``shape``). Used by the ``chat`` recipe."""
