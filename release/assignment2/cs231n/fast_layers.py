"""Fast convolution and max-pooling layers (provided code), in plain numpy.

Same interface and results as the naive layers of layers.py (`forward -> (out, cache)`,
`backward(dout, cache) -> grads`), but vectorised:

- convolution is rewritten as one matrix product with an im2col matrix (every receptive field
  laid out as a column), built either from a strided view of the padded input
  (`conv_forward_strides`, the default `conv_forward_fast`) or with `im2col.py`
  (`conv_forward_im2col`). The backward pass uses two more matrix products and a col2im that
  adds the columns back with one strided slice per kernel offset.
  `conv_forward_cnhw` / `conv_backward_cnhw` are the same convolution for channel-major
  (C, N, H, W) activations, which avoids the transposes around the matrix products.
- max pooling uses a reshape of the input when the windows tile it exactly (square pool equal to
  the stride), and the im2col machinery otherwise. Pooling treats the first two axes alike, so
  it works on channel-major data as well.

All functions keep the dtype of their inputs, so float32 models run in float32.

Importing this module also asks the C library's allocator to keep freed memory for reuse (see
`keep_freed_memory`), which makes these layers two to three times faster on Linux.
"""
import ctypes
import sys

import numpy as np
from numpy.lib.stride_tricks import as_strided

from cs231n.im2col import col2im_indices, im2col_indices, output_size, pad_images


def keep_freed_memory():
    """
    Ask glibc's malloc to reuse freed memory instead of handing it back to the operating system.

    Every call of a layer allocates large temporary arrays (the padded input, the im2col
    matrix, the transposed output). By default glibc serves each large array with fresh pages
    from the operating system and returns them when the array is freed, so every call pays
    again for page faults and for the kernel zeroing the pages, which for these layers costs
    more than the arithmetic. With mmap disabled and a high trim threshold, freed arrays stay in
    the process's heap and the next call reuses them; the price is that the process keeps its
    peak memory. Returns True if the settings were applied (Linux with glibc), False otherwise.
    """
    if not sys.platform.startswith('linux'):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):       # not glibc (e.g. musl has no mallopt)
        return False
    M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
    return bool(mallopt(M_MMAP_MAX, 0)) and bool(mallopt(M_TRIM_THRESHOLD, 2 ** 31 - 1))


keep_freed_memory()


# ---------------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------------

def conv_forward_im2col(x, w, b, conv_param):
    """
    A fast implementation of the forward pass for a convolutional layer
    based on im2col and col2im (im2col.py).

    Inputs and outputs as `conv_forward_naive`; the cache is (x, w, b, conv_param, x_cols).
    """
    N, C, H, W = x.shape
    num_filters, _, filter_height, filter_width = w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    out_height, out_width = output_size(H, W, filter_height, filter_width, pad, stride)

    # x_cols: (C * HH * WW, out_height * out_width * N)
    x_cols = im2col_indices(x, filter_height, filter_width, pad, stride)
    res = w.reshape(num_filters, -1).dot(x_cols)
    res += b.reshape(-1, 1)
    out = res.reshape(num_filters, out_height, out_width, N).transpose(3, 0, 1, 2)
    out = np.ascontiguousarray(out)

    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def conv_backward_im2col(dout, cache):
    """
    A fast implementation of the backward pass for a convolutional layer
    based on im2col and col2im. Returns dx, dw, db as `conv_backward_naive`.
    """
    x, w, b, conv_param, x_cols = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    num_filters, _, filter_height, filter_width = w.shape

    db = np.sum(dout, axis=(0, 2, 3))
    dout_reshaped = dout.transpose(1, 2, 3, 0).reshape(num_filters, -1)
    dw = dout_reshaped.dot(x_cols.T).reshape(w.shape)

    dx_cols = w.reshape(num_filters, -1).T.dot(dout_reshaped)
    dx = col2im_indices(dx_cols, x.shape, filter_height, filter_width, pad, stride)
    return np.ascontiguousarray(dx), dw, db


def conv_forward_cnhw(x, w, b, conv_param):
    """
    The convolution of `conv_forward_strides` for channel-major data: x has shape (C, N, H, W)
    and the output shape (F, N, H', W').

    Networks that keep their activations channel-major (as ConvNet in classifiers/convnet.py
    does) skip the transposes that the image-major (N, C, H, W) interface needs around the
    matrix products, since (F, N * H' * W') is exactly the layout of the product's result.

    The padded input is viewed (without copying) as an array of shape
    (C, HH, WW, N, out_height, out_width) whose entry [c, i, j, n, y, x] is the input value that
    filter tap (c, i, j) sees at output position (y, x) of image n; one copy turns it into the
    im2col matrix of shape (C * HH * WW, N * out_height * out_width), and a single matrix
    product with the (F, C * HH * WW) filter matrix gives every output.

    Returns (out, cache) with cache = (x_shape, w, conv_param, x_cols).
    """
    C, N, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param['stride'], conv_param['pad']
    out_h, out_w = output_size(H, W, HH, WW, pad, stride)

    x_padded = pad_images(x, pad)
    sC, sN, sH, sW = x_padded.strides
    windows = as_strided(x_padded,
                         shape=(C, HH, WW, N, out_h, out_w),
                         strides=(sC, sH, sW, sN, stride * sH, stride * sW),
                         writeable=False)
    x_cols = np.ascontiguousarray(windows).reshape(C * HH * WW, N * out_h * out_w)

    out = w.reshape(F, -1).dot(x_cols)                       # (F, N * out_h * out_w)
    out += b.reshape(F, 1)
    cache = (x.shape, w, conv_param, x_cols)
    return out.reshape(F, N, out_h, out_w), cache


def conv_backward_cnhw(dout, cache, compute_dx=True):
    """
    The backward pass of `conv_forward_cnhw`: dout (F, N, H', W') -> dx (C, N, H, W), dw, db.
    With compute_dx=False, dx is None and its cost is saved (for a network's first layer).

    dw and the gradient of the im2col matrix are matrix products; the latter is added back into
    the input (col2im) with one strided slice add per kernel offset (HH * WW of them), each
    clipped to the positions inside the unpadded input.
    """
    x_shape, w, conv_param, x_cols = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    C, N, H, W = x_shape
    F, _, HH, WW = w.shape
    _, _, out_h, out_w = dout.shape

    dout_rows = np.ascontiguousarray(dout).reshape(F, -1)
    db = dout_rows.sum(axis=1)
    dw = dout_rows.dot(x_cols.T).reshape(w.shape)
    if not compute_dx:
        return None, dw, db

    dx_cols = w.reshape(F, -1).T.dot(dout_rows).reshape(C, HH, WW, N, out_h, out_w)
    dx = np.zeros((C, N, H, W), dtype=dx_cols.dtype)
    for i in range(HH):
        rows_out, rows_in = _valid_taps(i, pad, stride, out_h, H)
        for j in range(WW):
            cols_out, cols_in = _valid_taps(j, pad, stride, out_w, W)
            dx[:, :, rows_in, cols_in] += dx_cols[:, i, j, :, rows_out, cols_out]
    return dx, dw, db


def _valid_taps(offset, pad, stride, out_size, in_size):
    """
    For kernel tap `offset` along one axis: the slice of output positions whose tap falls
    inside the unpadded input, and the slice of input positions they fall on
    (input position = output position * stride + offset - pad).
    """
    first = max(0, -((offset - pad) // stride))               # ceil((pad - offset) / stride)
    last = min(out_size - 1, (in_size - 1 + pad - offset) // stride)
    if last < first:
        return slice(0, 0), slice(0, 0)
    start = first * stride + offset - pad
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def conv_forward_strides(x, w, b, conv_param):
    """
    A fast implementation of the forward pass for a convolutional layer based on
    `numpy.lib.stride_tricks.as_strided` (see `conv_forward_cnhw`, which does the work on a
    channel-major view of x).

    Inputs and outputs as `conv_forward_naive`; the cache is that of `conv_forward_cnhw`.
    """
    out, cache = conv_forward_cnhw(x.transpose(1, 0, 2, 3), w, b, conv_param)
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3)), cache


def conv_backward_strides(dout, cache):
    """
    The backward pass of `conv_forward_strides`: returns dx, dw, db as `conv_backward_naive`.
    """
    dx, dw, db = conv_backward_cnhw(dout.transpose(1, 0, 2, 3), cache)
    return np.ascontiguousarray(dx.transpose(1, 0, 2, 3)), dw, db


conv_forward_fast = conv_forward_strides
conv_backward_fast = conv_backward_strides


# ---------------------------------------------------------------------------------------------
# Max pooling
# ---------------------------------------------------------------------------------------------

def max_pool_forward_fast(x, pool_param):
    """
    A fast implementation of the forward pass for a max pooling layer.

    This chooses between the reshape method and the im2col method. If the pooling
    regions are square, equal to the stride and tile the input, we can use the reshape
    method, which is very fast. Otherwise we fall back on the im2col method, which is
    not much faster than the naive method.
    """
    N, C, H, W = x.shape
    pool_height, pool_width = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']

    same_size = pool_height == pool_width == stride
    tiles = H % pool_height == 0 and W % pool_width == 0
    if same_size and tiles:
        out, reshape_cache = max_pool_forward_reshape(x, pool_param)
        cache = ('reshape', reshape_cache)
    else:
        out, im2col_cache = max_pool_forward_im2col(x, pool_param)
        cache = ('im2col', im2col_cache)
    return out, cache


def max_pool_backward_fast(dout, cache):
    """
    A fast implementation of the backward pass for a max pooling layer.

    This switches between the reshape method and the im2col method depending on
    which method was used to generate the cache.
    """
    method, real_cache = cache
    if method == 'reshape':
        return max_pool_backward_reshape(dout, real_cache)
    elif method == 'im2col':
        return max_pool_backward_im2col(dout, real_cache)
    else:
        raise ValueError('Unrecognized method "%s"' % method)


def _pool_tiles(x, pool_height, pool_width):
    """View x (N, C, H, W) as (N, C, H/ph, ph, W/pw, pw): one tile per pooling window."""
    N, C, H, W = x.shape
    return x.reshape(N, C, H // pool_height, pool_height, W // pool_width, pool_width)


def max_pool_forward_reshape(x, pool_param):
    """
    A fast implementation of the forward pass for the max pooling layer that uses
    some clever reshaping.

    This can only be used for square pooling regions that tile the input.
    The maximum is taken with one elementwise np.maximum per position inside the window.
    """
    N, C, H, W = x.shape
    pool_height, pool_width = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    assert pool_height == pool_width == stride, 'Invalid pool params'
    assert H % pool_height == 0 and W % pool_width == 0

    x_tiles = _pool_tiles(np.ascontiguousarray(x), pool_height, pool_width)
    out = x_tiles[:, :, :, 0, :, 0].copy()
    for i in range(pool_height):
        for j in range(pool_width):
            if i or j:
                np.maximum(out, x_tiles[:, :, :, i, :, j], out=out)

    cache = (x, out)
    return out, cache


def max_pool_backward_reshape(dout, cache):
    """
    A fast implementation of the backward pass for the max pooling layer that
    uses some clever broadcasting and reshaping.

    This can only be used if the forward pass was computed using
    max_pool_forward_reshape. As in the naive layer, the upstream gradient of each window goes
    to the first position (in row-major order) that holds the window's maximum.
    """
    x, out = cache
    pool_height = x.shape[2] // out.shape[2]
    pool_width = x.shape[3] // out.shape[3]

    x_tiles = _pool_tiles(np.ascontiguousarray(x), pool_height, pool_width)
    dx = np.empty(x.shape, dtype=np.result_type(x, dout))
    dx_tiles = _pool_tiles(dx, pool_height, pool_width)
    remaining = np.array(dout, dtype=dx.dtype)   # gradient of the windows not yet routed
    last = (pool_height - 1, pool_width - 1)
    for i in range(pool_height):
        for j in range(pool_width):
            is_max = x_tiles[:, :, :, i, :, j] == out
            np.multiply(remaining, is_max, out=dx_tiles[:, :, :, i, :, j])
            if (i, j) != last:
                np.copyto(remaining, 0, where=is_max)
    return dx


def max_pool_forward_im2col(x, pool_param):
    """
    An implementation of the forward pass for max pooling based on im2col.

    This isn't much faster than the naive version, so it should be avoided if possible.
    """
    N, C, H, W = x.shape
    pool_height, pool_width = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']
    out_height, out_width = output_size(H, W, pool_height, pool_width, 0, stride)

    x_split = x.reshape(N * C, 1, H, W)
    x_cols = im2col_indices(x_split, pool_height, pool_width, padding=0, stride=stride)
    x_cols_argmax = np.argmax(x_cols, axis=0)
    x_cols_max = x_cols[x_cols_argmax, np.arange(x_cols.shape[1])]
    out = x_cols_max.reshape(out_height, out_width, N, C).transpose(2, 3, 0, 1)
    out = np.ascontiguousarray(out)

    cache = (x, x_cols, x_cols_argmax, pool_param)
    return out, cache


def max_pool_backward_im2col(dout, cache):
    """
    An implementation of the backward pass for max pooling based on im2col.

    This isn't much faster than the naive version, so it should be avoided if possible.
    """
    x, x_cols, x_cols_argmax, pool_param = cache
    N, C, H, W = x.shape
    pool_height, pool_width = pool_param['pool_height'], pool_param['pool_width']
    stride = pool_param['stride']

    dout_reshaped = dout.transpose(2, 3, 0, 1).flatten()
    dx_cols = np.zeros(x_cols.shape, dtype=np.result_type(x, dout))
    dx_cols[x_cols_argmax, np.arange(dx_cols.shape[1])] = dout_reshaped
    dx = col2im_indices(dx_cols, (N * C, 1, H, W), pool_height, pool_width,
                        padding=0, stride=stride)
    return dx.reshape(x.shape)
