"""Answer generation: providers, the model-server client, GGUF, prompts, extractive."""
