"""Any photo to network inputs: read it safely, find the faces, and crop each the way the training faces were.

The steps, each a library call:

1. **Read** with Pillow, whatever the file: a grayscale, palette, 16-bit or CMYK photo becomes RGB, a
   transparent one is laid on white, one larger than ``MAX_SIDE`` is shrunk (a face detector needs no more,
   and a 100-megapixel photo would fill the memory). A file that is not an image, or a decompression bomb, is
   refused with a :class:`PhotoError` that says which file and what to do.
2. **Find the faces** with OpenCV's Haar cascade for frontal faces (Viola & Jones, 2001), whose trained model
   ships inside the ``opencv-python-headless`` wheel (``cv2.data.haarcascades``): nothing is downloaded.
   It finds upright, frontal faces; profiles and tilted heads escape it. The detector looks at a copy of the
   photo shrunk to ``DETECT_SIDE`` pixels, so that the same photo gives the same faces at any resolution (its
   smallest face is fixed in pixels: on a portrait scaled to 6,000 pixels it found 11 "faces" in the hair
   and the background), and a box less than ``RELATIVE_SIDE`` of the largest one's side is dropped as the
   background's (beside a 239-pixel face, a 52-pixel box on the portrait's uniform).
3. **Turn upright**: where OpenCV's bundled eye cascade finds both eyes and they lean by ``LEVEL`` degrees
   or more, the photo is turned about the face's centre until they are level, as Adience's faces were
   aligned. Glasses or a small face often leave one eye unfound; the face is then cropped as it is.
4. **Crop like Adience**: the aligned Adience faces (and the mirror's) show the head with some hair and
   neck, so the detector's box, which hugs eyes to mouth, is widened by ``MARGIN`` on every side and made
   square, then resized exactly as the image cache resizes a training image (``image_cache.resize``), the
   training mean subtracted and the centre crop taken (``pipeline``). A face from the training data fed
   through here gets the answer the evaluation pipeline gives it (tested), with probabilities equal but for
   the decoders: Pillow decodes a JPEG with libjpeg's accurate DCT, the cache with TensorFlow's faster one,
   and the two differ by a few of 255 levels on some pixels.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from pathlib import Path

import numpy as np

MAX_SIDE = 4096  # pixels: a longer side is shrunk to this before anything else
# Of the detector's box, added on every side: on the mirror's aligned faces the box is 0.6 of the image's side
# (median over 120), so 0.6 x (1 + 2 x 0.33) gives back the whole aligned frame.
MARGIN = 0.33
# Of OpenCV's frontal cascades, the one that found most of the mirror's faces (67 of 120; "default" 51).
CASCADE = "haarcascade_frontalface_alt2.xml"
# Measured on matplotlib's Grace Hopper portrait (512 x 600) at its size and at 1,024 and 6,000 pixels wide, and on
# 12 photos composed of 5 mirror faces (80-180 pixels, photos about 800 x 250): with both rules, exactly her face
# at each size, and 41 of the 60 composed faces with no box on the background, as before the rules.
DETECT_SIDE = 1024  # pixels: the longer side of the copy the detector sees (a smaller photo is not enlarged)
RELATIVE_SIDE = 1 / 3  # a box under this share of the largest box's side is dropped (faces in a group photo
# differ in size by a factor of 2-3 between the front and the back row; lower it for a crowd seen in depth)
EYES = "haarcascade_eye.xml"  # OpenCV's bundled eye cascade, for turning a tilted face upright
# degrees: eyes leaning less than this are left as they are (the eye boxes' own jitter). On 12 composed photos,
# 11 of the 41 faces found had both eyes found and 7 leaned 3 degrees or more; turning them changed 2 answers.
LEVEL = 3.0


class PhotoError(ValueError):
    """A photo the kit cannot use, with the reason and what to do."""


@dataclasses.dataclass
class Photo:
    pixels: np.ndarray  # H x W x 3 uint8, RGB
    path: Path | None
    notes: list  # what was done to make it usable (converted, shrunk)


def read_photo(source, name: str | None = None) -> Photo:
    """The photo at ``source`` (a path, or a file's bytes as an upload gives them, called ``name`` in messages)
    as RGB pixels, converted and shrunk where needed (:class:`PhotoError` if unusable)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, (bytes, bytearray, memoryview)):
        path, opened_from, shown = None, io.BytesIO(bytes(source)), name or "the uploaded file"
    else:
        path = Path(source)
        opened_from, shown = path, path
        if not path.is_file():
            raise PhotoError(f"{path}: no such file. Pass the path of a photo (JPEG, PNG, ...) as photo=...")
    notes = []
    try:
        with Image.open(opened_from) as opened:
            image = ImageOps.exif_transpose(opened)  # a phone's rotation flag, applied
            if max(image.size) > MAX_SIDE:
                notes.append(f"shrunk from {image.size[0]} x {image.size[1]} to fit {MAX_SIDE} pixels")
                image.thumbnail((MAX_SIDE, MAX_SIDE))
            if image.mode != "RGB":
                notes.append(f"converted from {image.mode} to RGB")
                if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
                    image = Image.alpha_composite(white, image.convert("RGBA"))
                image = image.convert("RGB")
            pixels = np.asarray(image, np.uint8)
    except Image.DecompressionBombError as error:
        raise PhotoError(f"{shown}: too many pixels to open safely ({error}). Shrink it first, e.g. to "
                         f"{MAX_SIDE} pixels on its longer side") from None
    except (UnidentifiedImageError, OSError) as error:
        raise PhotoError(f"{shown} is not an image Pillow can read ({type(error).__name__}: {error}). Pass a "
                         "JPEG, PNG, BMP, GIF, TIFF or WebP photo") from None
    return Photo(pixels, path, notes)


@functools.cache
def _detector(cascade: str = CASCADE):
    import cv2

    detector = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / cascade))
    if detector.empty():
        raise RuntimeError(f"OpenCV could not load its bundled {cascade} from {cv2.data.haarcascades}: reinstall "
                           "opencv-python-headless below version 5 (make install)")
    return detector


def detect_faces(pixels: np.ndarray, min_side: int = 24, neighbours: int = 2) -> np.ndarray:
    """Boxes (x, y, width, height) of the frontal faces OpenCV's bundled Haar cascade finds, largest first, in
    the photo's own pixels. ``min_side`` is the smallest face in pixels of the copy the detector sees (the photo
    shrunk to ``DETECT_SIDE``).

    ``neighbours`` is how many overlapping detections a face needs: on 12 composed photos of 5 mirror faces each,
    2 found 41 of the 60 faces and 3 found 30, neither with a box on the background. Raise it if a real photo
    gets boxes where there is no face."""
    import cv2

    height, width = pixels.shape[:2]
    scale = min(1.0, DETECT_SIDE / max(height, width))
    gray = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2GRAY)
    if scale < 1:
        gray = cv2.resize(gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    boxes = _detector().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=neighbours,
                                         minSize=(min_side, min_side))
    boxes = np.asarray(boxes, int).reshape(-1, 4)
    sides = boxes[:, 2:].max(axis=1)
    boxes = boxes[sides >= RELATIVE_SIDE * sides.max()] if len(boxes) else boxes
    boxes = np.round(boxes / scale).astype(int)
    return boxes[np.argsort(-boxes[:, 2] * boxes[:, 3], kind="stable")]


def face_square(box, shape, margin: float = MARGIN) -> tuple[int, int, int, int]:
    """The square (x, y, side, side) around a detector's ``box``, widened by ``margin`` on every side and kept
    inside an image of ``shape`` (it shrinks where the face is near an edge)."""
    x, y, width, height = (int(value) for value in box)
    side = int(round(max(width, height) * (1 + 2 * margin)))
    side = min(side, shape[0], shape[1])
    centre_x, centre_y = x + width / 2, y + height / 2
    left = int(round(min(max(centre_x - side / 2, 0), shape[1] - side)))
    top = int(round(min(max(centre_y - side / 2, 0), shape[0] - side)))
    return left, top, side, side


def face_inputs(faces, size: int, crop_size: int, mean: np.ndarray) -> np.ndarray:
    """Face images (any sizes, uint8 RGB) -> the network's inputs: each resized to ``size`` as the image
    cache does, the training ``mean`` subtracted, the centre ``crop_size`` crop. (N, crop, crop, 3) float32."""
    from helpers.data import image_cache, pipeline

    return np.stack([np.asarray(pipeline.centre_crop(np.asarray(image_cache.resize(face, size), np.float32) - mean,
                                                     crop_size)) for face in faces])


def eye_tilt(pixels: np.ndarray, box) -> float | None:
    """How many degrees the line through a face's two eyes leans (positive: the right-hand eye in the picture is
    lower), from OpenCV's bundled eye cascade on the upper 60 % of the face's box; None unless it finds two
    eyes apart (glasses, a squint or a small face often leave one)."""
    import cv2

    x, y, width, height = (int(value) for value in box)
    gray = cv2.cvtColor(np.ascontiguousarray(pixels[y:y + height * 6 // 10, x:x + width]), cv2.COLOR_RGB2GRAY)
    eyes = np.asarray(_detector(EYES).detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3,
                                                       minSize=(max(4, width // 10),) * 2), float).reshape(-1, 4)
    if len(eyes) < 2:
        return None
    largest = eyes[np.argsort(-eyes[:, 2], kind="stable")[:2]]
    centres = largest[:, :2] + largest[:, 2:] / 2
    left, right = centres[np.argsort(centres[:, 0])]
    if right[0] - left[0] < width / 5:  # two boxes on one eye
        return None
    return float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))


def crop_faces(pixels: np.ndarray, boxes, margin: float = MARGIN, upright: bool = True) -> list[np.ndarray]:
    """The square face images around ``boxes`` (see :func:`face_square`). With ``upright``, a face whose two eyes
    are found leaning by ``LEVEL`` degrees or more is first turned about its centre so that they are level, as
    Adience's aligned faces are."""
    import cv2

    crops = []
    for box in boxes:
        tilt = eye_tilt(pixels, box) if upright else None
        source = pixels
        if tilt is not None and abs(tilt) >= LEVEL:
            centre = (box[0] + box[2] / 2, box[1] + box[3] / 2)
            turn = cv2.getRotationMatrix2D(centre, tilt, 1.0)  # positive: counter-clockwise, lifting the lower eye
            source = cv2.warpAffine(np.ascontiguousarray(pixels), turn, (pixels.shape[1], pixels.shape[0]),
                                    flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        left, top, side, _ = face_square(box, pixels.shape, margin)
        crops.append(source[top:top + side, left:left + side])
    return crops
