"""Warning categories of the selene package."""

from __future__ import annotations


class SeleneWarning(UserWarning):
    """Something in the user's input looks wrong but is handled (e.g. skipped) rather than fatal.

    Filter it like any warning category, e.g.
    ``warnings.filterwarnings("ignore", category=SeleneWarning)``.
    """
