"""Vector stores: the protocol, its factory, Qdrant Edge and qdrant-client stores."""
