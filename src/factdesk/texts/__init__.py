"""Reading whole texts to check: files, standard input, pasted text and web pages."""

from factdesk.texts.read import kind_of, read_bytes, read_pasted, read_path, read_url

__all__ = ["kind_of", "read_bytes", "read_pasted", "read_path", "read_url"]
