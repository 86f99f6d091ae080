#!/usr/bin/env python3
"""Turn a dataset's index files into the kit's clean index (CSV), with an account of every rejected row.

    python data_scripts/prepare_data.py adience --root DATA_DIR/adience --out adience.csv --rejects rejects.csv
    python data_scripts/prepare_data.py celeba --root DATA_DIR/celeba --out celeba.csv
    python data_scripts/prepare_data.py imdb_wiki --root DATA_DIR/wiki_crop --out wiki.csv --check-images

The same functions serve the notebooks: helpers.data.adience.load_adience,
helpers.data.celeba.load_celeba, helpers.data.imdb_wiki.load_imdb_wiki. Exit status: 0 on success, 2 when the
input cannot be read at all.
"""

import argparse
import sys
from pathlib import Path

from helpers.data import adience, celeba, image_checks, imdb_wiki


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=["adience", "celeba", "imdb_wiki"])
    parser.add_argument("--root", required=True, type=Path, help="the dataset's folder (holding its index files)")
    parser.add_argument("--out", required=True, type=Path, help="index CSV to write")
    parser.add_argument("--rejects", type=Path, help="CSV of the rows left out, with file, line and reason")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="Adience: exactly the rows of the official per-fold lists (canonical ages, m/f)",
    )
    parser.add_argument(
        "--check-images",
        action="store_true",
        help="open every image (in parallel) and reject unreadable, truncated or tiny ones",
    )
    parser.add_argument("--mat", default=None, help="imdb_wiki: wiki.mat (default) or imdb.mat")
    parser.add_argument("--no-file-check", action="store_true", help="keep rows whose image file is missing")
    args = parser.parse_args(argv)

    if args.strict and args.dataset != "adience":
        parser.error("--strict applies to adience only")
    require_files = not args.no_file_check
    try:
        if args.dataset == "adience":
            result = adience.load_adience(args.root, strict=args.strict, require_files=require_files)
        elif args.dataset == "celeba":
            result = celeba.load_celeba(args.root, require_files=require_files)
        else:
            result = imdb_wiki.load_imdb_wiki(args.root, mat_name=args.mat or "wiki.mat", require_files=require_files)
    except (FileNotFoundError, ValueError) as error:
        print(f"prepare_data.py: --root {args.root}: {error}", file=sys.stderr)
        return 2
    if args.check_images:
        result = image_checks.apply_image_checks(result, args.root)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result.index.to_csv(args.out, index=False)
    if args.rejects:
        result.rejects.to_csv(args.rejects, index=False)
    print(result.summary())
    print(f"index: {args.out}" + (f", rejects: {args.rejects}" if args.rejects else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
