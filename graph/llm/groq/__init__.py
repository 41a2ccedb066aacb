"""The Groq adapter: `GroqProvider` (client.py) with its stream parser (stream.py), lean HTTP
transport (transport.py) and error mapping (errors.py)."""

from graph.llm.groq.client import GroqConfig, GroqProvider

__all__ = ["GroqConfig", "GroqProvider"]
