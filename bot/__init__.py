"""qabot's front ends: the answer API, its renderers, the console and the Telegram bot."""
