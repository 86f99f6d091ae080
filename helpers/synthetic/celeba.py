"""The CelebA mirror: ``img_align_celeba/`` at 178x218 and the three official list files.

Real layout::

    celeba/img_align_celeba/000001.jpg ...
    celeba/list_attr_celeba.txt     count line, 40 names (trailing space), rows of 40 values '-1'/' 1'; CRLF
    celeba/list_eval_partition.txt  '000001.jpg 0' (0 train, 1 validation, 2 test); CRLF
    celeba/identity_CelebA.txt      '000001.jpg 2880'; CRLF

Identities never cross partitions (as in the real split), and images are numbered in partition order.
These attributes are drawn into the pictures and therefore agree with them: Male, Young, Smiling,
Mouth_Slightly_Open, Eyeglasses, Wearing_Hat, Blurry, Bald, Gray_Hair, Black_Hair, Blond_Hair,
Brown_Hair, No_Beard, Mustache, 5_o_Clock_Shadow, Receding_Hairline, Wearing_Lipstick, Heavy_Makeup,
Wearing_Earrings. The other 21 are random with the real marginal frequencies and mean nothing.
"""

from __future__ import annotations

import numpy as np

from helpers.synthetic import people

SIZE = (178, 218)
# Share of +1 per attribute in the real list_attr_celeba.txt, in the real column order.
ATTRIBUTE_FREQUENCIES = {
    "5_o_Clock_Shadow": 0.1111, "Arched_Eyebrows": 0.267, "Attractive": 0.5125, "Bags_Under_Eyes": 0.2046,
    "Bald": 0.0224, "Bangs": 0.1516, "Big_Lips": 0.2408, "Big_Nose": 0.2345, "Black_Hair": 0.2393,
    "Blond_Hair": 0.148, "Blurry": 0.0509, "Brown_Hair": 0.2052, "Bushy_Eyebrows": 0.1422, "Chubby": 0.0576,
    "Double_Chin": 0.0467, "Eyeglasses": 0.0651, "Goatee": 0.0628, "Gray_Hair": 0.0419, "Heavy_Makeup": 0.3869,
    "High_Cheekbones": 0.455, "Male": 0.4168, "Mouth_Slightly_Open": 0.4834, "Mustache": 0.0415,
    "Narrow_Eyes": 0.1151, "No_Beard": 0.8349, "Oval_Face": 0.2841, "Pale_Skin": 0.0429, "Pointy_Nose": 0.2774,
    "Receding_Hairline": 0.0798, "Rosy_Cheeks": 0.0657, "Sideburns": 0.0565, "Smiling": 0.4821,
    "Straight_Hair": 0.2084, "Wavy_Hair": 0.3196, "Wearing_Earrings": 0.1889, "Wearing_Hat": 0.0485,
    "Wearing_Lipstick": 0.4724, "Wearing_Necklace": 0.123, "Wearing_Necktie": 0.0727, "Young": 0.7736,
}
ATTRIBUTES = list(ATTRIBUTE_FREQUENCIES)
PARTITION_SHARES = np.array([162770, 19867, 19962], dtype=float) / 202599
REAL_IDENTITIES = 10177


def drawn_attributes(person: people.Person, extras: people.Extras) -> dict[str, bool]:
    """The attributes that the picture of ``person`` with ``extras`` shows."""
    grey = person.age > person.greying_age  # more than half of the hair is grey
    has_hair = person.hair_style != "bald" and not extras.hat
    return {
        "Male": person.gender == "m",
        "Young": person.age < 36,
        "Smiling": extras.smiling,
        "Mouth_Slightly_Open": extras.mouth_open,
        "Eyeglasses": extras.eyeglasses,
        "Wearing_Hat": extras.hat,
        "Blurry": extras.blurry,
        "Bald": person.hair_style == "bald" and not extras.hat,
        "Gray_Hair": bool(grey and has_hair),
        "Black_Hair": has_hair and not grey and person.hair_colour == "black",
        "Blond_Hair": has_hair and not grey and person.hair_colour == "blond",
        "Brown_Hair": has_hair and not grey and person.hair_colour in ("brown", "light_brown"),
        "No_Beard": person.facial_hair != "beard",
        "Mustache": person.facial_hair in ("moustache", "beard"),
        "5_o_Clock_Shadow": person.facial_hair == "stubble",
        "Receding_Hairline": 0.3 < person.balding <= 0.85 and not extras.hat,
        "Wearing_Lipstick": person.lipstick,
        "Heavy_Makeup": person.lipstick and person.eyeliner,
        "Wearing_Earrings": person.earrings,
    }


def build(preset, rng: np.random.Generator):
    """Return (rows, render jobs); a row is (file name, attribute dict, partition, identity)."""
    identities = rng.choice(np.arange(1, REAL_IDENTITIES + 1), size=preset.celeba_identities, replace=False)
    cut = np.round(np.cumsum(PARTITION_SHARES)[:2] * len(identities)).astype(int)
    partition_of = {int(identity): int(np.searchsorted(cut, i, side="right"))
                    for i, identity in enumerate(identities)}
    photos = []  # (partition, identity, person, extras)
    for identity in identities:
        male = rng.random() < ATTRIBUTE_FREQUENCIES["Male"]
        age = rng.uniform(17, 36) if rng.random() < ATTRIBUTE_FREQUENCIES["Young"] else 36 + rng.gamma(2.0, 9.0)
        person = people.draw_person(rng, "m" if male else "f", float(min(age, 90)), preset.difficulty)
        wears_glasses = rng.random() < 0.25
        for _ in range(1 + int(rng.poisson(preset.celeba_photos_per_identity - 1))):
            smiling = bool(rng.random() < ATTRIBUTE_FREQUENCIES["Smiling"])
            extras = people.Extras(
                smiling=smiling,
                mouth_open=bool(rng.random() < (0.75 if smiling else 0.2)),
                eyeglasses=bool(wears_glasses and rng.random() < 0.26),
                hat=bool(rng.random() < ATTRIBUTE_FREQUENCIES["Wearing_Hat"]),
                blurry=bool(rng.random() < ATTRIBUTE_FREQUENCIES["Blurry"]),
            )
            photos.append((partition_of[int(identity)], int(identity), person, extras))
    order = sorted(range(len(photos)), key=lambda i: (photos[i][0], rng.random()))
    rows, jobs = [], []
    for number, index in enumerate(order, start=1):
        partition, identity, person, extras = photos[index]
        name = f"{number:06d}.jpg"
        attributes = {a: bool(rng.random() < f) for a, f in ATTRIBUTE_FREQUENCIES.items()}
        attributes.update(drawn_attributes(person, extras))
        rows.append((name, attributes, partition, identity))
        jobs.append(dict(path=f"celeba/img_align_celeba/{name}", person=person, size=SIZE, extras=extras,
                         face_fraction=0.25, seed=int(rng.integers(2**63))))
    return rows, jobs


def write_index(root, rows) -> None:
    """Write the three list files byte-for-byte in the real layout (CRLF, padded values)."""
    folder = root / "celeba"
    folder.mkdir(parents=True, exist_ok=True)
    attr_lines = [str(len(rows)), " ".join(ATTRIBUTES) + " "]
    attr_lines += [name + " " + " ".join(f"{1 if a[k] else -1:2d}" for k in ATTRIBUTES) for name, a, _, _ in rows]
    (folder / "list_attr_celeba.txt").write_bytes(("\r\n".join(attr_lines) + "\r\n").encode("ascii"))
    partition = "".join(f"{name} {part}\r\n" for name, _, part, _ in rows)
    (folder / "list_eval_partition.txt").write_bytes(partition.encode("ascii"))
    identity = "".join(f"{name} {ident}\r\n" for name, _, _, ident in rows)
    (folder / "identity_CelebA.txt").write_bytes(identity.encode("ascii"))
