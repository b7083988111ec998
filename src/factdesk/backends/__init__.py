"""Built-in backends; importing this package registers them (plugins do the same)."""

from factdesk import index, websearch
from factdesk.backends import embedders, hosted, llama_cpp, scripted

__all__ = ["embedders", "hosted", "index", "llama_cpp", "scripted", "websearch"]
