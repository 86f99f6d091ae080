#!/usr/bin/env python3
"""Generate the offline synthetic mirrors of Adience, CelebA and IMDB-WIKI.

    python data_scripts/make_synthetic.py --out data/synthetic --preset tiny --seed 0

writes DATA_DIR/adience, DATA_DIR/celeba and DATA_DIR/wiki_crop in the real datasets' formats
(see README.md, "Datasets"). The same preset and seed always give byte-identical files.
"""

import argparse
import sys

from helpers import synthetic
from helpers.synthetic.mirror import NotAMirrorError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[1], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", required=True, help="folder to write (empty, new, or an earlier mirror)")
    parser.add_argument("--preset", default="tiny", choices=sorted(synthetic.PRESETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="processes drawing images (default: all cores)")
    parser.add_argument(
        "--difficulty",
        type=float,
        default=None,
        help="0 studio portraits ... 1 bad snapshots (default: the preset's, 0.5)",
    )
    parser.add_argument(
        "--label-noise",
        type=float,
        default=None,
        help="share of people drawn with a neighbouring age group or the other gender (default 0.03)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier mirror in --out")
    args = parser.parse_args(argv)
    try:
        report = synthetic.generate(
            args.out,
            args.preset,
            args.seed,
            workers=args.workers,
            overwrite=args.overwrite,
            difficulty=args.difficulty,
            label_noise=args.label_noise,
        )
    except (NotAMirrorError, ValueError) as error:
        print(f"make_synthetic.py: {error}", file=sys.stderr)
        return 2
    images = report["images"]
    print(
        f"Wrote {sum(images.values())} images to {args.out} (adience {images['adience']} in "
        f"{report['adience_rows']} fold-file rows, celeba {images['celeba']}, wiki_crop {images['wiki_crop']}) "
        f"in {report['seconds']:.1f} s: {report['images_per_second']:.0f} images/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
