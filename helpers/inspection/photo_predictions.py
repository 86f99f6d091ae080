"""The trained networks on a photo: every face found, its gender and age group, each with its probability.

The photo goes through ``helpers.data.photo`` (read, find the faces, crop and prepare each as the training
faces were); each task's network then answers with the mean image of its own training split. Nothing here
raises on a bad photo: a file that is not an image, a photo without a face, come back as a message, so that
a notebook shows a sentence and not a traceback.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from helpers.data import labels, photo


@dataclasses.dataclass
class FacesFound:
    pixels: np.ndarray | None  # the photo as read (None when it could not be)
    boxes: np.ndarray  # (faces, 4): x, y, width, height of each detected face
    table: pd.DataFrame  # one row per face: its box, each task's answer and probability
    message: str  # what happened, in a sentence


def predict_faces(faces, networks: dict, size: int, crop_size: int) -> pd.DataFrame:
    """Face images -> one row per face: for each task in ``networks`` ({task: (model, mean image)}) the answer,
    its probability, and every class's probability."""
    table = pd.DataFrame()
    if len(faces) == 0:
        return table
    for task, (model, mean) in networks.items():
        probabilities = np.asarray(model.predict(photo.face_inputs(faces, size, crop_size, mean), verbose=0))
        table[task] = [labels.CLASSES[task][i] for i in probabilities.argmax(axis=1)]
        table[f"p({task})"] = probabilities.max(axis=1)
        table[f"{task} probabilities"] = list(probabilities)
    return table


def predict_photo(source, networks: dict, size: int, crop_size: int, min_side: int = 24,
                  name: str | None = None) -> FacesFound:
    """Find the faces of a photo (a path, a file's bytes called ``name``, or pixels already in memory) and
    answer every task for each."""
    empty = np.zeros((0, 4), int)
    if isinstance(source, np.ndarray):
        found = photo.Photo(np.asarray(source, np.uint8), None, [])
    else:
        try:
            found = photo.read_photo(source, name)
        except photo.PhotoError as error:
            return FacesFound(None, empty, pd.DataFrame(), f"No prediction: {error}.")
    name = found.path or name or "the photo"
    boxes = photo.detect_faces(found.pixels, min_side)
    height, width = found.pixels.shape[:2]
    notes = f" ({'; '.join(found.notes)})" if found.notes else ""
    if len(boxes) == 0:
        return FacesFound(found.pixels, empty, pd.DataFrame(),
                          f"No face found in {name}, {width} x {height} pixels{notes}: the detector finds upright, "
                          f"frontal faces of at least {min_side} pixels. Try a photo with a face turned to the camera.")
    table = predict_faces(photo.crop_faces(found.pixels, boxes), networks, size, crop_size)
    table.insert(0, "box", [tuple(int(v) for v in box) for box in boxes])
    return FacesFound(found.pixels, boxes, table, f"{len(boxes)} face(s) found in {name}, {width} x {height} "
                                                  f"pixels{notes}.")


def captions(table: pd.DataFrame) -> list[str]:
    """One caption per face of :func:`predict_photo`'s table: each answer with its probability."""
    return [f"{row.gender} {row['p(gender)']:.2f} · {row.age} {row['p(age)']:.2f}" for _, row in table.iterrows()]


def upload_widget(networks: dict, size: int, crop_size: int):  # pragma: no mutate block (draws: a widget)
    """A file-upload button (ipywidgets) that answers the chosen photo below it: the boxes drawn, each face's
    gender and age group with their probabilities. In JupyterLab it waits for a click; under papermill it is
    shown and nothing waits. Setting the button's ``value`` from Python (as a test does) answers the same way."""
    import ipywidgets
    from IPython.display import display
    from matplotlib import pyplot

    from helpers import plots

    upload = ipywidgets.FileUpload(accept="image/*", multiple=False, description="Your photo")
    shown = ipywidgets.Output()

    def answer(change) -> None:
        with shown:
            shown.clear_output()
            for uploaded in change["new"]:
                found = predict_photo(bytes(uploaded["content"]), networks, size, crop_size, name=uploaded["name"])
                print(found.message)
                if len(found.table):
                    figure = plots.photo_with_faces(found.pixels, found.boxes, captions(found.table),
                                                    title=uploaded["name"])
                    display(figure)
                    pyplot.close(figure)  # shown once, here, not again by the notebook

    upload.observe(answer, names="value")
    return ipywidgets.VBox([upload, shown])


def awkward_photos(pixels: np.ndarray, directory) -> dict:
    """Files that real users pass, written under ``directory`` from one photo: grayscale, transparent (RGBA
    PNG), huge (6,000 pixels wide), one without a face (a blank sky), and a text file named like a JPEG."""
    from pathlib import Path

    from PIL import Image

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(np.asarray(pixels, np.uint8))
    paths = {kind: directory / name for kind, name in
             [("grayscale", "grayscale.jpg"), ("transparent", "transparent.png"), ("huge", "huge.jpg"),
              ("no face", "sky.jpg"), ("not an image", "notes.jpg")]}
    image.convert("L").save(paths["grayscale"])
    transparent = image.convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    alpha.paste(0, (0, 0, image.width // 20, image.height))  # a transparent strip on the left
    transparent.putalpha(alpha)
    transparent.save(paths["transparent"])
    image.resize((6000, round(6000 * image.height / image.width))).save(paths["huge"], quality=80)
    Image.linear_gradient("L").resize(image.size).convert("RGB").save(paths["no face"])
    paths["not an image"].write_text("These are notes, not a photo.\n")
    return paths
