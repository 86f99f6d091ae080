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
    # Many people with few photos each, unlike the real Adience (168 users with about 14 people and 8.5 photos
    # each): what a network can learn about gender from about 1,400 images is set by how many people they show.
    # 600 users of about 2 people and 1.17 photos (about 120 users per fold) let the smoke baseline learn gender
    # on every seed, where 200 users of 3.5 photos (the same number of images) did not; difficulty 0.25, between
    # studio portraits and snapshots (measured, bench/RESULTS.md "The tiny mirror of 600 users"). CelebA's
    # mirror likewise: 240 people of about 2.7 photos (its test split holds about 24 people); 80 of 8 photos
    # left the pre-trained gender network answering one class on 8 test people.
    "tiny": Preset("tiny", adience_users=600, adience_faces_per_user=2, adience_photos_per_face=1.17,
                   adience_size=128, celeba_identities=240, celeba_photos_per_identity=2.67,
                   wiki_entries=600, wiki_size=(96, 176), difficulty=0.25),
    "small": Preset("small", adience_users=168, adience_faces_per_user=6, adience_photos_per_face=6,
                    adience_size=256, celeba_identities=400, celeba_photos_per_identity=12,
                    wiki_entries=4000, wiki_size=(128, 320)),
    # Counts close to the real Adience (168 users, about 2,300 people, 19,500 rows).
    "medium": Preset("medium", adience_users=168, adience_faces_per_user=13.6, adience_photos_per_face=8.5,
                     adience_size=256, celeba_identities=2000, celeba_photos_per_identity=20,
                     wiki_entries=20000, wiki_size=(128, 480)),
}
