"""im2col and col2im in pure numpy.

`im2col` lays every receptive field of a (zero-padded) image batch out as one column of a
matrix, so that a convolution becomes a single matrix product; `col2im` is its adjoint: it adds
the columns back into image positions (positions covered by several fields receive the sum).

Layout (as in the original course): `cols` has shape (C * field_height * field_width,
out_height * out_width * N); row index (c, i, j) with i, j the offsets inside the field, column
index (y, x, n) with y, x the output position and n the image.

`get_im2col_indices` gives the (channel, row, column) index arrays that describe this layout;
`im2col_indices` and `col2im_indices` produce the same result with strided views and one slice
per field offset, which is much faster than fancy indexing and `np.add.at`.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(H, W, field_height, field_width, padding, stride):
    """Output height and width of a sliding window (integer division, as the naive layers)."""
    out_height = (H + 2 * padding - field_height) // stride + 1
    out_width = (W + 2 * padding - field_width) // stride + 1
    if out_height < 1 or out_width < 1:
        raise ValueError("window %dx%d does not fit the padded %dx%d input"
                         % (field_height, field_width, H + 2 * padding, W + 2 * padding))
    return out_height, out_width


def pad_images(x, padding):
    """Zero-pad the two spatial axes of x (N, C, H, W) by `padding` on each side (keeps dtype)."""
    if padding == 0:
        return x
    N, C, H, W = x.shape
    x_padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=x.dtype)
    x_padded[:, :, padding:padding + H, padding:padding + W] = x
    return x_padded


def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    """
    Index arrays (k, i, j) such that x_padded[:, k, i, j] has shape
    (N, C * field_height * field_width, out_height * out_width): entry [n, r, q] is the
    input value that row r of the im2col matrix takes at output position q of image n.
    """
    N, C, H, W = x_shape
    out_height, out_width = output_size(H, W, field_height, field_width, padding, stride)

    i0 = np.repeat(np.arange(field_height), field_width)
    i0 = np.tile(i0, C)
    i1 = stride * np.repeat(np.arange(out_height), out_width)
    j0 = np.tile(np.arange(field_width), field_height * C)
    j1 = stride * np.tile(np.arange(out_width), out_height)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)

    k = np.repeat(np.arange(C), field_height * field_width).reshape(-1, 1)

    return (k, i, j)


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    """
    The im2col matrix of x (N, C, H, W): shape (C * field_height * field_width,
    out_height * out_width * N), same dtype as x. Equal to
    x_padded[:, k, i, j].transpose(1, 2, 0).reshape(C * field_height * field_width, -1)
    with (k, i, j) from `get_im2col_indices`.
    """
    N, C, H, W = x.shape
    out_height, out_width = output_size(H, W, field_height, field_width, padding, stride)
    x_padded = pad_images(x, padding)
    sN, sC, sH, sW = x_padded.strides
    windows = as_strided(x_padded,
                         shape=(C, field_height, field_width, out_height, out_width, N),
                         strides=(sC, sH, sW, stride * sH, stride * sW, sN),
                         writeable=False)
    return np.ascontiguousarray(windows).reshape(C * field_height * field_width, -1)


def col2im_indices(cols, x_shape, field_height=3, field_width=3, padding=1,
                   stride=1):
    """
    The adjoint of `im2col_indices`: add each column of `cols` back to the image positions it
    was taken from and return the unpadded result of shape x_shape (dtype of cols).

    Loops over the field_height * field_width offsets; for a fixed offset the fields of all
    output positions touch distinct input positions, so one strided slice add per offset
    accumulates everything without `np.add.at`.
    """
    N, C, H, W = x_shape
    out_height, out_width = output_size(H, W, field_height, field_width, padding, stride)
    cols6 = cols.reshape(C, field_height, field_width, out_height, out_width, N)
    x_padded = np.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    for i in range(field_height):
        i_end = i + stride * out_height
        for j in range(field_width):
            j_end = j + stride * out_width
            x_padded[:, :, i:i_end:stride, j:j_end:stride] += cols6[:, i, j].transpose(3, 0, 1, 2)
    if padding == 0:
        return x_padded
    return x_padded[:, :, padding:-padding, padding:-padding]
