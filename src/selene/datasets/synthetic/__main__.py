"""``python -m selene.datasets.synthetic OUT_DIR [options]``."""

from __future__ import annotations

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
