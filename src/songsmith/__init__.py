"""songsmith: a self-hosted Suno-compatible music generation server."""
