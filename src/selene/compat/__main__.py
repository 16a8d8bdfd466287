"""``python -m selene.compat IN.yml OUT.yaml [--lr LR]``: convert a Selene SDK config.

Writes the experiment(s), logs a note for every key mapped loosely or dropped, and prints the
command(s) that run them, one per line. Errors name ``file:line``, the key and what to do, and
exit with status 2.
"""

from __future__ import annotations

import argparse
import logging
import sys

from selene.compat.convert import convert

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the converter; returns the exit status (0, or 2 for a config it cannot convert)."""
    parser = argparse.ArgumentParser(
        prog="python -m selene.compat",
        description="Convert a Selene SDK YAML into a Hydra experiment for selene's apps.",
    )
    parser.add_argument("config", help="the Selene SDK config (.yml)")
    parser.add_argument(
        "out",
        help="the experiment to write, ideally DIR/experiment/NAME.yaml (then run with "
        "+experiment=NAME 'hydra.searchpath=[file://DIR]')",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate when the config has no `lr` (Selene's parse_configs_and_run(lr=))",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        result = convert(args.config, args.out, lr=args.lr)
    except (ValueError, FileNotFoundError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    for path in result.files:
        logging.getLogger("selene.compat").info("wrote %s", path)
    sys.stdout.write("\n".join(result.commands) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
