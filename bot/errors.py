"""The errors bot/ raises on purpose. cli.main turns each into one line on stderr and an exit code."""

from __future__ import annotations

EXIT_FAILURE = 1
EXIT_USAGE = 2  # the command or its configuration must change before trying again
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


class QabotError(Exception):
    """An error reported to the person running qabot, in one line, ending the command."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, exit_code: int | None = None, command: str | None = None) -> None:
        super().__init__(message)
        self.command = command  # the subcommand the message is about ("index"), if one
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(QabotError):
    """A configuration value that cannot be used; the message names the variable."""

    exit_code = EXIT_USAGE


class StartError(QabotError):
    """The Telegram bot could not start: a missing or rejected token, an unreachable API, a taken port."""
