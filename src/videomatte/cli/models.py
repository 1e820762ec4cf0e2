"""``videomatte models``: list the registered variants, or fetch their official weights ahead of time."""
from __future__ import annotations

import argparse

COMMAND = "models"
HELP = "list model variants or fetch their official weights"
EPILOG = """examples:
  videomatte models                   list variants, parameters and whether weights are cached
  videomatte models fetch mobilenetv3 download, verify and cache the official weights
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=["list", "fetch"], default="list")
    parser.add_argument("names", nargs="*", metavar="NAME", help="variants to fetch (default: mobilenetv3)")


def run(args: argparse.Namespace) -> int:
    from videomatte.models.registry import MODELS, get_spec
    from videomatte.models.weights.download import cached_weights_path, verify_cached

    if args.action == "list":
        width = max(len(name) for name in MODELS)
        print(f"{'name':<{width}} {'params':>11}  {'weights':<11} description")
        for spec in MODELS.values():
            if not spec.released_weights:
                weights = "none"
            else:
                weights = "cached" if verify_cached(cached_weights_path(spec)) else "not cached"
            print(f"{spec.name:<{width}} {spec.num_params:>11,}  {weights:<11} {spec.description}")
        return 0
    from videomatte.models.weights.zoo import fetch_official

    for name in args.names or ["mobilenetv3"]:
        print(f"{name}: {fetch_official(get_spec(name))}")
    return 0
