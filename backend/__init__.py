"""wow-rag: an offline knowledge-base chat app."""

from backend import ast_lock

__version__ = "0.1.0"

ast_lock.install()
