"""wow-rag: an offline knowledge-base chat app."""

__version__ = "0.1.0"
