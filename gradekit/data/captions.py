"""`gradekit data captions`: assignment 3's COCO captioning data, imported or generated offline.

The course's `coco_captioning.zip` (COCO 2014 captions, VGG-16 fc7 features, Flickr URLs; about
1 GB) cannot be downloaded on machines without internet, and its large files are not available
anywhere we can reach. So:

- `gradekit data captions --from PATH` takes a folder (or zip) in the real layout, such as an
  instructor's own copy of the official download, verifies its layout and copies it;
- `gradekit data captions` without `--from` generates a stand-in dataset with **exactly the same
  layout**, deterministically from `DEFAULT_SEED` (231, the course's seed), in a few seconds.

Layout (`<dest>/coco_captioning/`, as in the course, spec §5.2):

    coco2014_captions.h5         train_captions (N, 17) int32, train_image_idxs (N,) int32,
                                 val_captions, val_image_idxs
    coco2014_vocab.json          {"idx_to_word": [...], "word_to_idx": {...}};
                                 <NULL> 0, <START> 1, <END> 2, <UNK> 3
    train2014_vgg16_fc7.h5       features (num_train_images, 4096) float32 (and val2014_...)
    train2014_vgg16_fc7_pca.h5   features (num_train_images, 512) float32 (and val2014_...)
    train2014_urls.txt           one URL per image (and val2014_urls.txt)

The generated set adds `images/{train,val}/NNNNNN.png` and `SHA256SUMS` (sha256 of every other
file, checked on every fetch). Its URLs are relative references (`images/train/000000.png`) so
that the folder can be moved or copied; `load_coco_data` resolves them against its `base_dir`
into `file://` URLs (absolute URLs, such as the real Flickr ones, are left unchanged).

**Scenes.** Each image (96x96 RGB, rendered at 2x with Pillow and box-downsampled) shows 1-3
objects on a grey background with a faint vertical gradient. An object has a shape (circle,
square, triangle, diamond, star), a colour (red, green, blue, yellow, purple, orange, white),
a size (big, small) and a cell of a 3x3 grid (at most one object per cell), with jittered
position and colour. Every scene is drawn independently, so an image's index says nothing
about it; caption rows are shuffled as well.

**Captions.** 3-5 per image from a small grammar with paraphrases ("a big red circle on the
left", "there is a small blue square to the right of a big red circle", "three shapes a red
circle a green star and a white square", ...). Objects are named in reading order (left to
right, then top to bottom). Like real captions, some add an uninformative adjective ("a shiny
big red circle"), use a rare synonym ("crimson", "rhombus") or contain a typo; words seen fewer
than `MIN_WORD_COUNT` times in the training captions are not in the vocabulary and become
<UNK>. The vocabulary is ordered by training frequency, as the real one.

**Features** (the stand-in for VGG-16 fc7; a fixed function of the pixels only):
1. Background per row: the median of the two outermost pixel columns on each side. A pixel's
   foreground strength is its largest channel difference from the background, mapped to a soft
   mask (0 below 0.06, 1 above 0.18) and a hard mask (> 0.12).
2. For each cell of the 3x3 grid (24 values): foreground area; mean foreground colour (3);
   histogram of the foreground pixels' nearest palette colour (7); bounding-box height and
   width (2) and fill ratio (1); histogram of Sobel gradient orientations of the soft mask in 8
   bins of 22.5 degrees, weighted by magnitude (8); centroid offset (2).
3. Object slots (3 x 30 values): the occupied cells (>= 12 foreground pixels) in reading order,
   each with its 24 cell values and a one-hot row and column; empty slots are zeros.
4. Global (13 values): palette histogram of all foreground pixels (7), one-hot object count
   (3), background level, background gradient, foreground fraction.
These 319 values are standardised with the training split's mean and std. The `_pca` file holds
`z @ Q` (Q: 319x512 with orthonormal rows), standardised again with training statistics; the
"fc7" file holds `relu(z @ A)` (A: 319x4096 Gaussian / sqrt(319)), a fixed random expansion.
Q and A come from `numpy.random.default_rng(PROJECTION_SEED)` whatever the dataset seed.
Features are rounded to 4 decimals before being stored as float32, so that last-bit differences
between BLAS builds cannot change the bytes.

Bytes are the same for the same seed and sizes (h5py without timestamps; Pillow's PNG writer
with the zlib its pinned wheel bundles).
"""
import json
import os
import shutil
import time
import zipfile

import numpy as np

from gradekit.data import DataError
from gradekit.data.fetch import checksum, extract_zip, staging

FOLDER = "coco_captioning"
DEFAULT_SEED = 231
NUM_TRAIN = 4000
NUM_VAL = 1000
PROJECTION_SEED = 2014
MIN_WORD_COUNT = 8
CAPTION_LENGTH = 17  # <START>, at most 15 words, <END>, padded with <NULL>
SPECIAL = ["<NULL>", "<START>", "<END>", "<UNK>"]
MANIFEST = "SHA256SUMS"
PCA_DIM, FC7_DIM = 512, 4096

CAPTIONS_FILE = "coco2014_captions.h5"
VOCAB_FILE = "coco2014_vocab.json"
SPLITS = ("train", "val")


def features_file(split, pca):
    return f"{split}2014_vgg16_fc7{'_pca' if pca else ''}.h5"


def urls_file(split):
    return f"{split}2014_urls.txt"


REQUIRED = [CAPTIONS_FILE, VOCAB_FILE] + [name for split in SPLITS for name in (
    features_file(split, True), features_file(split, False), urls_file(split))]

# --------------------------------------------------------------------------------------------
# fetch


def fetch_captions(dest, source=None, log=print, seed=DEFAULT_SEED, num_train=NUM_TRAIN,
                   num_val=NUM_VAL):
    """Put a verified `coco_captioning/` into `dest` (copied from `source`, else generated)."""
    with staging(dest, FOLDER) as (tmp, staged):
        if source is None:
            log(f"generating the offline captioning data (seed {seed}, {num_train} train / {num_val} val "
                "images); for the real data pass --from with a copy of the official coco_captioning")
            start = time.perf_counter()
            generate(staged, seed=seed, num_train=num_train, num_val=num_val)
            log(f"generated in {time.perf_counter() - start:.1f} s")
            verify_coco(staged)
        else:
            folder = find_source(source, tmp)
            verify_coco(folder)
            log(f"{folder}: layout verified" + (f", {MANIFEST} checked" if os.path.exists(
                os.path.join(folder, MANIFEST)) else ""))
            shutil.copytree(folder, staged)
    target = os.path.join(dest, FOLDER)
    log(f"COCO captioning ready in {target}")
    return target


def find_source(source, tmp):
    """The folder holding the data: `source` itself, its `coco_captioning/`, or a zip's."""
    if os.path.isfile(source) and zipfile.is_zipfile(source):
        extract_zip(source, os.path.join(tmp, "unzipped"))
        source = os.path.join(tmp, "unzipped")
    elif not os.path.exists(source):
        raise DataError(f"{source}: no such file or folder")
    elif not os.path.isdir(source):
        raise DataError(f"{source}: neither a folder nor a zip file")
    for folder in (source, os.path.join(source, FOLDER)):
        if os.path.exists(os.path.join(folder, CAPTIONS_FILE)):
            return folder
    return source  # verify_coco names what is missing


# --------------------------------------------------------------------------------------------
# verify


def verify_coco(folder):
    """The real layout (files, datasets, dtypes, consistent sizes) and the manifest if present."""
    import h5py

    for name in REQUIRED:
        if not os.path.exists(os.path.join(folder, name)):
            raise DataError(f"{os.path.join(folder, name)}: missing")
    if os.path.exists(os.path.join(folder, MANIFEST)):
        verify_manifest(folder)
    vocab_size = verify_vocab(os.path.join(folder, VOCAB_FILE))
    path = os.path.join(folder, CAPTIONS_FILE)
    try:
        with h5py.File(path, "r") as f:
            arrays = {f"{s}_{k}": np.asarray(f[f"{s}_{k}"]) for s in SPLITS
                      for k in ("captions", "image_idxs")}
    except (OSError, KeyError) as exc:
        raise DataError(f"{path}: not the captions file ({exc})") from None
    for split in SPLITS:
        images = verify_features(folder, split)
        captions, idxs = arrays[f"{split}_captions"], arrays[f"{split}_image_idxs"]
        if captions.ndim != 2 or captions.dtype.kind not in "iu":
            raise DataError(f"{path}: {split}_captions should be an integer (N, T) array")
        if idxs.shape != captions.shape[:1] or idxs.dtype.kind not in "iu":
            raise DataError(f"{path}: {split}_image_idxs should be {captions.shape[0]} integers")
        if captions.size and (captions.min() < 0 or captions.max() >= vocab_size):
            raise DataError(f"{path}: {split}_captions has word indices outside 0..{vocab_size - 1}")
        if idxs.size and (idxs.min() < 0 or idxs.max() >= images):
            raise DataError(f"{path}: {split}_image_idxs point outside the {images} images")


def verify_vocab(path):
    try:
        with open(path) as f:
            vocab = json.load(f)
        idx_to_word, word_to_idx = vocab["idx_to_word"], vocab["word_to_idx"]
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{path}: not a vocabulary file ({exc})") from None
    if idx_to_word[:4] != SPECIAL:
        raise DataError(f"{path}: the first words should be {SPECIAL}")
    if {w: i for i, w in enumerate(idx_to_word)} != word_to_idx:
        raise DataError(f"{path}: idx_to_word and word_to_idx disagree")
    return len(idx_to_word)


def verify_features(folder, split):
    """Both feature files hold 2-D float `features` with one row per URL; returns that count."""
    import h5py

    with open(os.path.join(folder, urls_file(split))) as f:
        urls = [line.strip() for line in f]
    for pca in (True, False):
        path = os.path.join(folder, features_file(split, pca))
        try:
            with h5py.File(path, "r") as f:
                shape, dtype = f["features"].shape, f["features"].dtype
        except (OSError, KeyError) as exc:
            raise DataError(f"{path}: no readable `features` dataset ({exc})") from None
        if len(shape) != 2 or dtype.kind != "f" or shape[0] != len(urls):
            raise DataError(f"{path}: features should be float ({len(urls)}, D), one row per line of "
                            f"{urls_file(split)}; found {dtype} {shape}")
    for url in urls:
        if "://" not in url and not os.path.exists(os.path.join(folder, url)):
            raise DataError(f"{os.path.join(folder, url)}: missing (listed in {urls_file(split)})")
    return len(urls)


def write_manifest(folder):
    """`SHA256SUMS` (sha256sum format) of every file in `folder`, sorted by path."""
    paths = sorted(os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
                   for root, _, names in os.walk(folder) for name in names if name != MANIFEST)
    with open(os.path.join(folder, MANIFEST), "w", newline="\n") as f:
        for rel in paths:
            f.write(f"{checksum(os.path.join(folder, rel))}  {rel}\n")


def verify_manifest(folder):
    with open(os.path.join(folder, MANIFEST)) as f:
        entries = [line.rstrip("\n").split("  ", 1) for line in f if line.strip()]
    for digest, rel in entries:
        path = os.path.join(folder, rel)
        if not os.path.exists(path):
            raise DataError(f"{path}: missing (listed in {MANIFEST})")
        if checksum(path) != digest:
            raise DataError(f"{path}: sha256 differs from {MANIFEST} (corrupt or modified)")


# --------------------------------------------------------------------------------------------
# scenes

IMAGE_SIZE, GRID = 96, 3
CELL = IMAGE_SIZE // GRID
SHAPES = ["circle", "square", "triangle", "diamond", "star"]
PALETTE = {"red": (215, 35, 35), "green": (40, 175, 60), "blue": (35, 70, 225),
           "yellow": (235, 215, 40), "purple": (140, 45, 175), "orange": (245, 135, 25),
           "white": (240, 240, 240)}
COLOURS = list(PALETTE)
SIZES = {"big": (21, 27), "small": (10, 14)}  # side of the bounding box in pixels
MARGIN = 2


def sample_scene(rng):
    """One scene: background and 1-3 objects in distinct cells, listed in reading order."""
    count = int(rng.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))
    cells = sorted(rng.choice(GRID * GRID, size=count, replace=False).tolist(),
                   key=lambda c: (c % GRID, c // GRID))  # reading order: column, then row
    objects = []
    for cell in cells:
        row, col = cell // GRID, cell % GRID
        size = ["big", "small"][int(rng.integers(2))]
        side = int(rng.integers(SIZES[size][0], SIZES[size][1] + 1))
        slack = (CELL - side) // 2 - MARGIN
        cx = col * CELL + CELL / 2 + int(rng.integers(-slack, slack + 1))
        cy = row * CELL + CELL / 2 + int(rng.integers(-slack, slack + 1))
        colour = COLOURS[int(rng.integers(len(COLOURS)))]
        rgb = tuple(int(np.clip(v + rng.integers(-15, 16), 0, 255)) for v in PALETTE[colour])
        objects.append({"shape": SHAPES[int(rng.integers(len(SHAPES)))], "colour": colour,
                        "size": size, "row": row, "col": col, "side": side,
                        "cx": cx, "cy": cy, "rgb": rgb})
    return {"background": int(rng.integers(25, 91)), "gradient": int(rng.integers(-12, 13)),
            "objects": objects}


def render(scene):
    """The scene as a (96, 96, 3) uint8 image: drawn at 2x, then box-downsampled."""
    from PIL import Image, ImageDraw

    big = 2 * IMAGE_SIZE
    ramp = scene["background"] + scene["gradient"] * (np.arange(big) / (big - 1) - 0.5) * 2
    canvas = np.repeat(np.round(ramp).astype(np.uint8)[:, None], big, axis=1)
    image = Image.fromarray(np.repeat(canvas[:, :, None], 3, axis=2), "RGB")
    draw = ImageDraw.Draw(image)
    for obj in scene["objects"]:
        cx, cy, r = 2 * obj["cx"], 2 * obj["cy"], obj["side"]  # r: half the side at 2x
        if obj["shape"] == "circle":
            draw.ellipse([cx - r, cy - r, cx + r - 1, cy + r - 1], fill=obj["rgb"])
        elif obj["shape"] == "square":
            draw.rectangle([cx - r, cy - r, cx + r - 1, cy + r - 1], fill=obj["rgb"])
        else:
            draw.polygon(outline(obj["shape"], cx, cy, r), fill=obj["rgb"])
    return np.asarray(image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX))


def outline(shape, cx, cy, r):
    if shape == "triangle":
        return [(cx, cy - r), (cx + r, cy + r - 1), (cx - r, cy + r - 1)]
    if shape == "diamond":
        return [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    angles = -np.pi / 2 + np.arange(10) * np.pi / 5  # star: 5 points, inner radius 0.45 r
    radii = np.where(np.arange(10) % 2 == 0, r, 0.45 * r)
    return [(float(round(cx + a * np.cos(t), 3)), float(round(cy + a * np.sin(t), 3)))
            for a, t in zip(radii, angles)]


# --------------------------------------------------------------------------------------------
# captions

COMMON_PARAPHRASES = {"big": (["large"], 0.3), "small": (["little"], 0.25)}
RARE_SYNONYMS = {
    "red": ["crimson", "scarlet", "ruby"], "green": ["emerald", "lime", "olive"],
    "blue": ["azure", "navy", "cobalt"], "yellow": ["golden", "lemon", "mustard"],
    "purple": ["violet", "magenta", "lilac"], "orange": ["amber", "tangerine", "apricot"],
    "white": ["ivory", "snowy", "pale"], "circle": ["disc", "ball", "ring"],
    "square": ["box", "block", "tile"], "triangle": ["pyramid", "wedge", "cone"],
    "diamond": ["rhombus", "lozenge", "kite"], "star": ["asterisk", "pentagram", "starlet"],
    "big": ["huge", "giant", "enormous"], "small": ["tiny", "minuscule", "wee"],
}
RARE_RATE = 0.01
TYPO_RATE = 0.008
FILLER_RATE = 0.15
FILLERS = (
    "simple plain nice bright shiny flat solid lonely neat pretty vivid glossy clean bold lovely "
    "odd cute matte crisp smooth sharp tidy perfect strange funny cheerful humble quiet proud lone "
    "modest sturdy gentle jolly curious friendly elegant dainty chunky glowing polished radiant "
    "sleek stubby whimsical brave calm eager fancy gleaming handsome jaunty lucky merry nimble "
    "plucky quirky rustic serene snug spotless trusty upbeat vibrant wistful zesty breezy cozy "
    "dapper earnest feisty giddy hearty jovial keen lively mellow nifty peppy quaint rosy sassy "
    "spunky tranquil unusual wacky youthful zany").split()
POSITIONS = {
    (0, 0): ["in the top left corner", "at the top left"],
    (0, 1): ["at the top", "near the top"],
    (0, 2): ["in the top right corner", "at the top right"],
    (1, 0): ["on the left", "on the left side"],
    (1, 1): ["in the middle", "in the center"],
    (1, 2): ["on the right", "on the right side"],
    (2, 0): ["in the bottom left corner", "at the bottom left"],
    (2, 1): ["at the bottom", "near the bottom"],
    (2, 2): ["in the bottom right corner", "at the bottom right"],
}
NUMBERS = {2: "two", 3: "three"}


class Talker:
    """Turns scenes into captions; all choices come from one random generator."""

    def __init__(self, rng):
        self.rng = rng

    def pick(self, options):
        return options[int(self.rng.integers(len(options)))]

    def word(self, word):
        """The word itself, or sometimes a paraphrase or a rare synonym."""
        if word in COMMON_PARAPHRASES:
            options, rate = COMMON_PARAPHRASES[word]
            if self.rng.random() < rate:
                word = self.pick(options)
        if word in RARE_SYNONYMS and self.rng.random() < RARE_RATE:
            return self.pick(RARE_SYNONYMS[word])
        return word

    def typo(self, word):
        """A letter dropped, swapped with the next, doubled or replaced (words of 4+ letters)."""
        if len(word) < 4:
            return word
        i = int(self.rng.integers(len(word) - 1))
        kind = int(self.rng.integers(4))
        if kind == 0:
            return word[:i] + word[i + 1:]
        if kind == 1:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if kind == 2:
            return word[:i] + word[i] + word[i:]
        return word[:i] + "abcdefghijklmnopqrstuvwxyz"[int(self.rng.integers(26))] + word[i + 1:]

    def noun_phrase(self, obj, size=True):
        words = ([self.word(obj["size"])] if size else []) + [self.word(obj["colour"]),
                                                               self.word(obj["shape"])]
        return words

    def caption(self, scene):
        """One caption: every template fits in 15 words; a filler is added only if it still fits."""
        objects = scene["objects"]
        nps = [self.noun_phrase(o, size=self.rng.random() < 0.85) for o in objects]
        words = self.template(objects, nps)
        if self.rng.random() < FILLER_RATE and len(words) < CAPTION_LENGTH - 2:
            words = self.add_filler(words)
        words = [self.typo(w) if self.rng.random() < TYPO_RATE else w for w in with_articles(words)]
        assert len(words) <= CAPTION_LENGTH - 2, words
        return " ".join(words)

    def template(self, objects, nps):
        np_ = [["A"] + p for p in nps]  # "A" becomes "a" or "an" once the next word is known
        if len(objects) == 1:
            where = self.pick(POSITIONS[(objects[0]["row"], objects[0]["col"])]).split()
            return self.pick([
                np_[0] + where, ["there", "is"] + np_[0] + where, where + ["there", "is"] + np_[0],
                ["a", "picture", "of"] + np_[0] + where, np_[0] + ["by", "itself"] + where,
            ])
        if len(objects) == 2:
            a, b = objects
            if a["col"] < b["col"]:
                rel, inverse = self.pick([["to", "the", "left", "of"], ["left", "of"]]), \
                    self.pick([["to", "the", "right", "of"], ["right", "of"]])
            else:
                rel, inverse = ["above"], ["below"]
            return self.pick([
                np_[0] + rel + np_[1], np_[1] + inverse + np_[0], ["there", "is"] + np_[0] + rel + np_[1],
                np_[0] + ["and"] + np_[1], ["two", "shapes"] + np_[0] + ["and"] + np_[1],
                np_[0] + ["next", "to"] + np_[1],
            ])
        options = [np_[0] + ["with"] + np_[1] + ["and"] + np_[2],
                   ["three", "shapes"] + np_[0] + np_[1] + ["and"] + np_[2],
                   np_[0] + ["next", "to"] + np_[1] + ["and"] + np_[2]]
        if len({o["col"] for o in objects}) == 3:  # sizes left out to fit in 15 words
            short = [["A"] + p[-2:] for p in nps]
            options.append(short[0] + short[1] + ["and"] + short[2] + ["from", "left", "to", "right"])
        return self.pick(options)

    def add_filler(self, words):
        """An uninformative adjective after one article, Zipf-distributed over FILLERS."""
        slots = [i for i, w in enumerate(words) if w == "A"]
        weights = 1.0 / np.arange(1, len(FILLERS) + 1)
        filler = FILLERS[int(self.rng.choice(len(FILLERS), p=weights / weights.sum()))]
        at = slots[int(self.rng.integers(len(slots)))] + 1
        return words[:at] + [filler] + words[at:]


def with_articles(words):
    return [("an" if nxt[0] in "aeiou" else "a") if w == "A" else w
            for w, nxt in zip(words, words[1:] + [""])]


def build_vocab(captions):
    """Words seen at least MIN_WORD_COUNT times, most frequent first (ties alphabetical)."""
    counts = {}
    for caption in captions:
        for word in caption.split():
            counts[word] = counts.get(word, 0) + 1
    words = sorted((w for w, c in counts.items() if c >= MIN_WORD_COUNT), key=lambda w: (-counts[w], w))
    idx_to_word = SPECIAL + words
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


def encode(captions, word_to_idx):
    out = np.zeros((len(captions), CAPTION_LENGTH), dtype=np.int32)
    for i, caption in enumerate(captions):
        ids = [1] + [word_to_idx.get(w, 3) for w in caption.split()] + [2]
        out[i, :len(ids)] = ids
    return out


# --------------------------------------------------------------------------------------------
# features

SLOTS, MIN_OBJECT_PIXELS, BINS = 3, 12, 8
PALETTE_RGB = np.array(list(PALETTE.values()), dtype=np.float64) / 255


def descriptors(images, batch=128):
    """The 319 raw feature values of each (96, 96, 3) uint8 image (see the module docstring)."""
    return np.concatenate([_descriptors(images[i:i + batch]) for i in range(0, len(images), batch)])


def _descriptors(images):
    n = len(images)
    x = images.astype(np.float64) / 255
    channels = [x[..., c] for c in range(3)]
    background = np.stack([median4(c[:, :, [0, 1, -2, -1]]) for c in channels], axis=2)  # (n, H, 3)
    strength = np.abs(channels[0] - background[:, :, 0:1])
    for c in (1, 2):
        np.maximum(strength, np.abs(channels[c] - background[:, :, c:c + 1]), out=strength)
    soft = np.clip((strength - 0.06) / 0.12, 0, 1)
    hard = strength > 0.12

    # sums of integers are exact, so these do not depend on the order of summation
    count = per_cell(hard.astype(np.int64)).astype(np.float64)
    safe = np.maximum(count, 1)
    colour = np.stack([per_cell(hard * images[..., c].astype(np.int64)) for c in range(3)],
                      axis=2) / 255 / safe[..., None]
    palette = palette_histogram(x, hard) / safe[..., None]
    height, width = extent(hard, axis=2), extent(hard, axis=1)
    fill = count / np.maximum(height * width, 1)
    orientation = orientations(soft)
    ys, xs = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE] % CELL * 2 - (CELL - 1)  # odd integers
    centroid = np.stack([per_cell(hard * ys), per_cell(hard * xs)], axis=2) / safe[..., None] / CELL
    cells = np.concatenate([(count / CELL ** 2)[..., None], colour, palette,
                            (height / CELL)[..., None], (width / CELL)[..., None], fill[..., None],
                            orientation, centroid], axis=2)  # (n, 9, 24)
    occupied = count >= MIN_OBJECT_PIXELS
    slots = object_slots(cells, occupied)
    total = np.maximum(count.sum(axis=1), 1)
    global_palette = (palette * count[..., None]).sum(axis=1) / total[:, None]
    objects = np.minimum(occupied.sum(axis=1), SLOTS)
    number = (objects[:, None] == np.arange(1, SLOTS + 1)).astype(np.float64)
    level = background.mean(axis=(1, 2))
    ramp = background[:, -4:].mean(axis=(1, 2)) - background[:, :4].mean(axis=(1, 2))
    overall = count.sum(axis=1) / IMAGE_SIZE ** 2
    return np.concatenate([cells.reshape(n, -1), slots.reshape(n, -1), global_palette, number,
                           level[:, None], ramp[:, None], overall[:, None]], axis=1)


def median4(values):
    """The median of the 4 values along the last axis: (sum - max - min) / 2."""
    a, b, c, d = (values[..., i] for i in range(4))
    top = np.maximum(np.maximum(a, b), np.maximum(c, d))
    bottom = np.minimum(np.minimum(a, b), np.minimum(c, d))
    return (a + b + c + d - top - bottom) / 2


def per_cell(values):
    """(n, H, W) -> (n, 9): sums over each cell of the 3x3 grid, cells in row-major order."""
    n = len(values)
    return values.reshape(n, GRID, CELL, GRID, CELL).sum(axis=4).sum(axis=2).reshape(n, GRID * GRID)


def palette_histogram(x, hard):
    """Per cell, how many foreground pixels are nearest to each palette colour: (n, 9, 7)."""
    n = len(x)
    image, row, col = np.nonzero(hard)
    pixels = x[image, row, col].astype(np.float64)
    nearest = ((PALETTE_RGB ** 2).sum(axis=1) - 2 * pixels @ PALETTE_RGB.T).argmin(axis=1)
    cell = image * GRID * GRID + (row // CELL) * GRID + col // CELL
    k = len(PALETTE)
    return np.bincount(cell * k + nearest, minlength=n * GRID * GRID * k).reshape(n, GRID * GRID, k)


def extent(mask, axis):
    """Per cell, the number of rows (axis=2) or columns (axis=1) between the first and last hit."""
    n = len(mask)
    cells = mask.reshape(n, GRID, CELL, GRID, CELL) > 0
    lines = cells.any(axis=4 if axis == 2 else 2)  # (n, 3, 32, 3) rows or (n, 3, 3, 32) cols
    if axis == 2:
        lines = lines.transpose(0, 1, 3, 2)  # (n, 3, 3, 32)
    first = lines.argmax(axis=3)
    last = CELL - 1 - lines[..., ::-1].argmax(axis=3)
    return np.where(lines.any(axis=3), last - first + 1, 0).reshape(n, GRID * GRID).astype(np.float64)


def orientations(soft):
    """Per cell, the Sobel gradient orientations (mod 180 degrees, 8 bins), weighted by magnitude."""
    n = len(soft)
    p = np.pad(soft, ((0, 0), (1, 1), (1, 1)))
    across = p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]  # Sobel, separably: smooth, then difference
    down = p[:, :, :-2] + 2 * p[:, :, 1:-1] + p[:, :, 2:]
    gx, gy = across[:, :, 2:] - across[:, :, :-2], down[:, 2:] - down[:, :-2]
    image, row, col = np.nonzero((gx != 0) | (gy != 0))  # edges are sparse
    gx, gy = gx[image, row, col], gy[image, row, col]
    angle = np.mod(np.arctan2(gy, gx), np.pi)
    bins = np.floor(angle / (np.pi / BINS) + 0.5).astype(np.int64) % BINS  # centred on k * 22.5
    cell = image * GRID * GRID + (row // CELL) * GRID + col // CELL
    hist = np.bincount(cell * BINS + bins, weights=np.hypot(gx, gy),
                       minlength=n * GRID * GRID * BINS).reshape(n, GRID * GRID, BINS)
    return hist / np.maximum(hist.sum(axis=2, keepdims=True), 1e-9)


def object_slots(cells, occupied):
    """The occupied cells' values in reading order (column, then row), with one-hot row and column."""
    n = len(cells)
    order = [r * GRID + c for c in range(GRID) for r in range(GRID)]
    rows, cols = np.eye(GRID)[np.arange(9) // GRID], np.eye(GRID)[np.arange(9) % GRID]
    described = np.concatenate([cells, np.broadcast_to(np.concatenate([rows, cols], axis=1),
                                                       (n, 9, 2 * GRID))], axis=2)
    slots = np.zeros((n, SLOTS, described.shape[2]))
    for i in range(n):
        chosen = [cell for cell in order if occupied[i, cell]][:SLOTS]
        slots[i, :len(chosen)] = described[i, chosen]
    return slots


def projections(dim):
    rng = np.random.default_rng(PROJECTION_SEED)
    q, _ = np.linalg.qr(rng.standard_normal((PCA_DIM, PCA_DIM)))
    return q[:dim], rng.standard_normal((dim, FC7_DIM)) / np.sqrt(dim)


def standardise(train, *others):
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 1e-8, std, 1.0)
    return [(a - mean) / std for a in (train,) + others]


def features(train_images, val_images):
    """{split: (pca (n, 512), fc7 (n, 4096))} float32, standardised with training statistics."""
    z_train, z_val = standardise(descriptors(train_images), descriptors(val_images))
    q, a = projections(z_train.shape[1])
    pca = standardise(z_train @ q, z_val @ q)
    return {"train": (store(pca[0]), expand(z_train, a)), "val": (store(pca[1]), expand(z_val, a))}


def store(values):
    """Rounded to 4 decimals, so that last-bit differences between BLAS builds vanish; float32."""
    return np.round(values, 4).astype(np.float32)


def expand(z, a, rows=500):
    """The "fc7" features relu(z @ a), a few rows at a time to bound memory."""
    return np.concatenate([store(np.maximum(z[i:i + rows] @ a, 0)) for i in range(0, len(z), rows)])


# --------------------------------------------------------------------------------------------
# generate


def make_dataset(seed=DEFAULT_SEED, num_train=NUM_TRAIN, num_val=NUM_VAL):
    """The whole dataset in memory: scenes, images, captions, vocabulary, features per split."""
    rng = np.random.default_rng(seed)
    talker = Talker(rng)
    data = {}
    for split, count in (("train", num_train), ("val", num_val)):
        scenes = [sample_scene(rng) for _ in range(count)]
        texts, idxs = [], []
        for i, scene in enumerate(scenes):
            seen = set()
            for _ in range(int(rng.integers(3, 6))):
                text = talker.caption(scene)
                for _ in range(5):  # avoid repeating a caption of the same image
                    if text not in seen:
                        break
                    text = talker.caption(scene)
                seen.add(text)
                texts.append(text)
                idxs.append(i)
        order = rng.permutation(len(texts))
        data[split] = {"scenes": scenes, "images": np.stack([render(s) for s in scenes]),
                       "texts": [texts[i] for i in order],
                       "image_idxs": np.asarray(idxs, dtype=np.int32)[order]}
    data["idx_to_word"], data["word_to_idx"] = build_vocab(data["train"]["texts"])
    for split, (pca, fc7) in features(data["train"]["images"], data["val"]["images"]).items():
        data[split].update(captions=encode(data[split]["texts"], data["word_to_idx"]), pca=pca, fc7=fc7)
    return data


def generate(folder, seed=DEFAULT_SEED, num_train=NUM_TRAIN, num_val=NUM_VAL):
    """Write a generated dataset into `folder` in the real layout, with images and SHA256SUMS."""
    write_dataset(make_dataset(seed, num_train, num_val), folder)
    write_manifest(folder)
    return folder


def write_dataset(data, folder):
    import h5py
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    with h5py.File(os.path.join(folder, CAPTIONS_FILE), "w") as f:
        for split in SPLITS:
            for key in ("captions", "image_idxs"):
                f.create_dataset(f"{split}_{key}", data=data[split][key], track_times=False)
    with open(os.path.join(folder, VOCAB_FILE), "w") as f:
        json.dump({"idx_to_word": data["idx_to_word"], "word_to_idx": data["word_to_idx"]}, f)
    for split in SPLITS:
        for pca in (True, False):
            with h5py.File(os.path.join(folder, features_file(split, pca)), "w") as f:
                f.create_dataset("features", data=data[split]["pca" if pca else "fc7"], track_times=False)
        images = os.path.join(folder, "images", split)
        os.makedirs(images, exist_ok=True)
        urls = []
        for i, image in enumerate(data[split]["images"]):
            name = f"{i:06d}.png"
            Image.fromarray(image).save(os.path.join(images, name), optimize=False, compress_level=6)
            urls.append(f"images/{split}/{name}")
        with open(os.path.join(folder, urls_file(split)), "w", newline="\n") as f:
            f.write("\n".join(urls) + "\n")
