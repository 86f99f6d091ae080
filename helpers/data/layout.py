"""Where each dataset lives under a data root, and which of them are there.

The kit expects the real downloads and the synthetic mirrors in one layout::

    DATA_DIR/adience/fold_{0..4}_data.txt      DATA_DIR/adience/aligned/<user_id>/...
    DATA_DIR/celeba/list_attr_celeba.txt ...   DATA_DIR/celeba/img_align_celeba/000001.jpg ...
    DATA_DIR/wiki_crop/wiki.mat                DATA_DIR/wiki_crop/NN/<id>_<dob>_<year>.jpg
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

LAYOUT = {
    "adience": {"index": [f"adience/fold_{k}_data.txt" for k in range(5)], "images": "adience/aligned",
                "source": "https://talhassner.github.io/home/projects/Adience/Adience-data.html"},
    "celeba": {"index": ["celeba/list_attr_celeba.txt", "celeba/list_eval_partition.txt",
                         "celeba/identity_CelebA.txt"], "images": "celeba/img_align_celeba",
               "source": "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"},
    "imdb_wiki": {"index": ["wiki_crop/wiki.mat"], "images": "wiki_crop",
                  "source": "https://data.vision.ee.ethz.ch/cvl/rrothe/imdb-wiki/"},
}


def _count_images(folder: Path) -> int:
    count = 0
    for _, _, files in os.walk(folder):
        count += sum(name.lower().endswith((".jpg", ".jpeg", ".png")) for name in files)
    return count


def inventory(root) -> pd.DataFrame:
    """One row per dataset: is it there, is it the synthetic mirror, how many index files and images."""
    root = Path(root)
    manifest = root / "MANIFEST.json"
    kind = "synthetic" if manifest.exists() else "real"
    preset = json.loads(manifest.read_text()).get("preset") if manifest.exists() else None
    rows = []
    for name, layout in LAYOUT.items():
        present = [f for f in layout["index"] if (root / f).exists()]
        images = _count_images(root / layout["images"]) if present else 0
        status = "missing" if not present else ("complete" if len(present) == len(layout["index"]) else "partial")
        rows.append({
            "dataset": name,
            "status": status,
            "kind": kind if present else "",
            "preset": preset if present else None,
            "index files": f"{len(present)}/{len(layout['index'])}",
            "images": images,
            "where": str(root / name if name != "imdb_wiki" else root / "wiki_crop"),
            "get it from": layout["source"],
        })
    return pd.DataFrame(rows)
