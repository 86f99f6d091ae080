"""Sizes of the synthetic mirrors. ``tiny`` feeds the smoke profile and CI; the others are for study."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Preset:
    name: str
    adience_users: int  # Flickr users (subjects); split evenly over the 5 folds
    adience_faces_per_user: float  # mean people per user
    adience_photos_per_face: float  # mean photos per person
    adience_size: int  # side of the aligned JPEGs
    celeba_identities: int
    celeba_photos_per_identity: float
    wiki_entries: int
    wiki_size: tuple[int, int]  # range of the (square) crop sides
    difficulty: float = 0.5  # 0 studio portraits ... 1 bad snapshots; also how unreliable gender cues are
    label_noise: float = 0.03  # share of people drawn with a neighbouring age group / the other gender


PRESETS = {
    # Many small albums: each fold holds about 40 users, so that a smoke-size test fold is not decided by the
    # handful of people 16 albums would give (the real Adience has 168 users with about 14 people each).
    "tiny": Preset("tiny", adience_users=200, adience_faces_per_user=2, adience_photos_per_face=3.5,
                   adience_size=128, celeba_identities=80, celeba_photos_per_identity=8,
                   wiki_entries=600, wiki_size=(96, 176)),
    "small": Preset("small", adience_users=168, adience_faces_per_user=6, adience_photos_per_face=6,
                    adience_size=256, celeba_identities=400, celeba_photos_per_identity=12,
                    wiki_entries=4000, wiki_size=(128, 320)),
    # Counts close to the real Adience (168 users, about 2,300 people, 19,500 rows).
    "medium": Preset("medium", adience_users=168, adience_faces_per_user=13.6, adience_photos_per_face=8.5,
                     adience_size=256, celeba_identities=2000, celeba_photos_per_identity=20,
                     wiki_entries=20000, wiki_size=(128, 480)),
}
