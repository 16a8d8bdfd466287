"""Datasets that ship with selene: a synthetic genome with planted motifs."""

from __future__ import annotations

from .synthetic import SyntheticData, make_synthetic

__all__ = ["SyntheticData", "make_synthetic"]
