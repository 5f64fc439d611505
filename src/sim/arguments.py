"""Command-line argument parsing whose errors are one line, for every cpsim command.

argparse prints a usage line before its error; cpsim's commands end a user error with
exactly one line naming what is wrong and exit status 2 (``--help`` still shows usage).
"""

from __future__ import annotations

import argparse
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr, with exit status 2."""

    def error(self, message: str) -> NoReturn:
        """End with ``<prog>: error: <message>`` and exit status 2."""
        self.exit(2, f"{self.prog}: error: {message}\n")
