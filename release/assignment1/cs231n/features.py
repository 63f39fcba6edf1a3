"""Hand-made image features (provided code): HOG and a hue histogram, as in the course.

The course computed these one image at a time (and used scipy for HOG). Here `hog_feature`
and `color_histogram_hsv` take either one image (H, W, C) -> (F,) or a batch (N, H, W, C)
-> (N, F) and are vectorised over the batch, so that the features of all 60000 CIFAR-10
images take seconds instead of minutes. Each image's features are the same as the course's.
"""
import matplotlib.colors
import numpy as np

# Images per call of a feature function in extract_features: bounds the memory of the
# batched intermediates (a few float64 arrays of N x 32 x 32) to some tens of MB.
_CHUNK_SIZE = 2000


def extract_features(imgs, feature_fns, verbose=False):
    """
    Given pixel data for images and several feature functions that can operate on
    single images, apply all feature functions to all images, concatenating the
    feature vectors for each image and storing the features for all images in
    a single matrix.

    Inputs:
    - imgs: N x H x W x C array of pixel data for N images.
    - feature_fns: List of k feature functions. The ith feature function should
      take as input an H x W x D array and return a (one-dimensional) array of
      length F_i. It may also take a batch N x H x W x D and return N x F_i
      (like hog_feature and color_histogram_hsv); such functions are called on
      whole chunks of images, which is much faster.
    - verbose: Boolean; if true, print progress.

    Returns:
    An array of shape (N, F_1 + ... + F_k) where each row is the concatenation
    of all features for a single image.
    """
    num_images = imgs.shape[0]
    if num_images == 0:
        return np.array([])

    batched = [_accepts_batches(fn, imgs[:1]) for fn in feature_fns]
    imgs_features = None
    for start in range(0, num_images, _CHUNK_SIZE):
        chunk = imgs[start:start + _CHUNK_SIZE]
        feats = [fn(chunk) if is_batched else _apply_per_image(fn, chunk)
                 for fn, is_batched in zip(feature_fns, batched)]
        feats = np.hstack([np.asarray(f, dtype=float).reshape(len(chunk), -1) for f in feats])
        if imgs_features is None:
            imgs_features = np.zeros((num_images, feats.shape[1]))
        imgs_features[start:start + len(chunk)] = feats
        if verbose:
            print('Done extracting features for %d / %d images' % (start + len(chunk), num_images))
    return imgs_features


def _accepts_batches(feature_fn, one_image_batch):
    """Whether feature_fn maps a batch (1, H, W, C) to a (1, F) array (else it is per-image)."""
    try:
        out = np.asarray(feature_fn(one_image_batch))
    except Exception:
        return False
    return out.ndim == 2 and out.shape[0] == 1


def _apply_per_image(feature_fn, imgs):
    """The course's way: call a single-image feature function on each image in turn."""
    feats = [np.asarray(feature_fn(img.squeeze())) for img in imgs]
    assert all(f.ndim == 1 for f in feats), 'Feature functions must be one-dimensional'
    return np.vstack(feats)


def rgb2gray(rgb):
    """Convert RGB image to grayscale

      Parameters:
        rgb : RGB image (..., 3), one image or a batch

      Returns:
        gray : grayscale image (...)

    The weights are the course's, including its 0.144 for blue (the usual value is
    0.114): keeping it makes the features identical to the original ones.
    """
    return np.dot(rgb[..., :3], [0.299, 0.587, 0.144])


def hog_feature(im):
    """Compute Histogram of Gradient (HOG) feature for an image

         Modified from skimage.feature.hog
         http://pydoc.net/Python/scikits-image/0.4.2/skimage.feature.hog

       Reference:
         Histograms of Oriented Gradients for Human Detection
         Navneet Dalal and Bill Triggs, CVPR 2005

      Parameters:
        im : an input grayscale (H, W) or rgb (H, W, C) image, or a batch of rgb
             images (N, H, W, C)

      Returns:
        feat: Histogram of Gradient (HOG) feature, (F,) for one image and (N, F)
              for a batch; F = 9 * 4 * 4 = 144 for a 32x32 image

    The gradient magnitude of each pixel is put into one of 9 orientation bins of
    20 degrees, then averaged over each 8x8 cell. The course did the averaging with
    scipy's uniform_filter sampled at the cell centres, which is the cell mean;
    the order of the output (cell column, cell row, bin) is the course's too.
    """
    # convert rgb to grayscale if needed
    if im.ndim == 4:
        image = rgb2gray(im)
    elif im.ndim == 3:
        image = rgb2gray(im)[None]
    else:
        image = np.atleast_2d(im)[None]

    n, sx, sy = image.shape  # number of images, image size
    orientations = 9  # number of gradient bins
    cx, cy = (8, 8)  # pixels per cell

    gx = np.zeros(image.shape)
    gy = np.zeros(image.shape)
    gx[:, :, :-1] = np.diff(image, n=1, axis=2)  # compute gradient on x-direction
    gy[:, :-1, :] = np.diff(image, n=1, axis=1)  # compute gradient on y-direction
    grad_mag = np.sqrt(gx ** 2 + gy ** 2)  # gradient magnitude
    grad_ori = np.arctan2(gy, (gx + 1e-15)) * (180 / np.pi) + 90  # gradient orientation

    n_cellsx = int(np.floor(sx / cx))  # number of cells in x
    n_cellsy = int(np.floor(sy / cy))  # number of cells in y
    orientation_histogram = np.zeros((n, n_cellsy, n_cellsx, orientations))
    for i in range(orientations):
        # isolate orientations in this range (the course's exact comparisons; orientation 0 is dropped)
        in_bin = ((grad_ori < 180 / orientations * (i + 1))
                  & (grad_ori >= 180 / orientations * i)
                  & (grad_ori > 0))
        # select magnitudes for those orientations
        temp_mag = np.where(in_bin, grad_mag, 0)
        # mean over each cx x cy cell, transposed to (cell column, cell row) as the course's `.T`
        cells = temp_mag[:, :n_cellsx * cx, :n_cellsy * cy]
        cells = cells.reshape(n, n_cellsx, cx, n_cellsy, cy).mean(axis=(2, 4))
        orientation_histogram[:, :, :, i] = cells.transpose(0, 2, 1)

    feats = orientation_histogram.reshape(n, -1)
    return feats if im.ndim == 4 else feats[0]


def color_histogram_hsv(im, nbin=10, xmin=0, xmax=255, normalized=True):
    """
    Compute color histogram for an image using hue.

    Inputs:
    - im: H x W x C array of pixel data for an RGB image, or N x H x W x C for a
      batch of images.
    - nbin: Number of histogram bins. (default: 10)
    - xmin: Minimum pixel value (default: 0)
    - xmax: Maximum pixel value (default: 255)
    - normalized: Whether to normalize the histogram (default: True)

    Returns:
      1D vector of length nbin giving the color histogram over the hue of the
      input image (N x nbin for a batch).

    The course called np.histogram(hue, bins, density=normalized) and multiplied
    by the bin widths; with normalized=True each histogram is the fraction of the
    pixels in each bin. This does the same per image, for a whole batch at once.
    """
    batch = im if im.ndim == 4 else im[None]
    bins = np.linspace(xmin, xmax, nbin + 1)
    hsv = matplotlib.colors.rgb_to_hsv(batch / xmax) * xmax
    hue = hsv[..., 0].reshape(len(batch), -1)

    # np.histogram's bins: [bins[k], bins[k+1]), the last one closed; values outside are dropped
    idx = np.searchsorted(bins, hue, side='right') - 1
    idx[hue == bins[-1]] = nbin - 1
    inside = (idx >= 0) & (idx < nbin)
    rows = np.broadcast_to(np.arange(len(batch))[:, None], idx.shape)
    counts = np.bincount(rows[inside] * nbin + idx[inside], minlength=len(batch) * nbin)
    counts = counts.reshape(len(batch), nbin)

    widths = np.diff(bins)
    if normalized:
        # the same operations as np.histogram(density=True), then times the bin widths
        imhist = counts / widths / counts.sum(axis=1, keepdims=True) * widths
    else:
        imhist = counts * widths

    # return histogram
    return imhist if im.ndim == 4 else imhist[0]
