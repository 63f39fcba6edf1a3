"""A configurable convolutional network for "Train your best ConvNet" (provided code).

You design the network as a list of layers, for example

    architecture = [
        {"type": "conv", "num_filters": 32, "filter_size": 3},
        {"type": "spatial_batchnorm"},
        {"type": "relu"},
        {"type": "max_pool", "pool_size": 2},
        {"type": "affine", "hidden_dim": 256},
        {"type": "relu"},
        {"type": "dropout", "p": 0.5},
    ]
    model = ConvNet(architecture, reg=1e-4)

and train it with the Solver like any other model. **The final affine layer to `num_classes`
scores is added automatically** after the last layer of the list (followed by the softmax loss),
so the list describes the body of the network only.

Layer types (keys in brackets are optional, with their defaults):

| type                | keys                                          | parameters                     |
|---------------------|-----------------------------------------------|--------------------------------|
| `conv`              | num_filters, [filter_size=3], [stride=1], [pad=(filter_size-1)//2] | W, b      |
| `max_pool`          | [pool_size=2], [stride=pool_size]             |                                |
| `relu`              |                                               |                                |
| `spatial_batchnorm` | [momentum=0.9], [eps=1e-5]                    | gamma, beta (+ running stats)  |
| `spatial_groupnorm` | groups, [eps=1e-5]                            | gamma, beta                    |
| `affine`            | hidden_dim                                    | W, b                           |
| `batchnorm`         | [momentum=0.9], [eps=1e-5]                    | gamma, beta (+ running stats)  |
| `layernorm`         | [eps=1e-5]                                    | gamma, beta                    |
| `dropout`           | p (the probability of *keeping* a unit)       |                                |
| `random_flip`       | [p=0.5]                                       | (data augmentation)            |
| `random_crop`       | [pad=4]                                       | (data augmentation)            |

`batchnorm`, `layernorm` and `dropout` work on any input (a conv output is flattened as the affine
layer does). `random_flip` mirrors each training image left-right with probability p and
`random_crop` shifts it by up to `pad` pixels (zero padding, then a random crop of the original
size); both only act in training mode (`loss(X, y)`) and are the identity at test time, so they
augment the data the Solver samples without changing the Solver.

Parameter names: the layers with weights (conv and affine, the automatic output layer last) are
numbered 1, 2, ... in order: `W1, b1, W2, b2, ...`. The normalisation layers are numbered 1, 2, ...
separately, in order: `gamma1, beta1, ...`; a batch normalisation layer k also keeps its running
averages as `running_mean{k}` and `running_var{k}`. These running averages are stored in
`model.params` although they are not trained: the Solver keeps a copy of the parameters with the
best validation accuracy and restores it at the end, and the averages must be restored with
the weights they belong to. `loss` returns zero gradients for them, so every update rule of
optim.py leaves them unchanged.

`save_convnet` writes a trained model to one `.npz` file (see its docstring for the format) and
`load_convnet` reads it back; the grader loads your file with its own copy of this module and
measures the test accuracy itself. The model expects images as `get_CIFAR10_data` returns them
(float, shape (N, 3, 32, 32), with the mean training image subtracted).
"""
import json
import math
import os

import numpy as np

from cs231n.artifacts import save_artifact
from cs231n.fast_layers import (conv_backward_cnhw, conv_forward_cnhw, max_pool_backward_fast,
                                max_pool_forward_fast)
from cs231n.layers import (affine_backward, affine_forward, batchnorm_backward_alt,
                           batchnorm_forward, dropout_backward, dropout_forward,
                           layernorm_backward, layernorm_forward, relu_backward, relu_forward,
                           softmax_loss, spatial_groupnorm_backward, spatial_groupnorm_forward)

FORMAT_VERSION = 1

# type -> (required keys, optional keys with their defaults)
LAYER_KEYS = {
    'conv': ({'num_filters'}, {'filter_size': 3, 'stride': 1, 'pad': None}),
    'max_pool': (set(), {'pool_size': 2, 'stride': None}),
    'relu': (set(), {}),
    'spatial_batchnorm': (set(), {'momentum': 0.9, 'eps': 1e-5}),
    'spatial_groupnorm': ({'groups'}, {'eps': 1e-5}),
    'affine': ({'hidden_dim'}, {}),
    'batchnorm': (set(), {'momentum': 0.9, 'eps': 1e-5}),
    'layernorm': (set(), {'eps': 1e-5}),
    'dropout': ({'p'}, {}),
    'random_flip': (set(), {'p': 0.5}),
    'random_crop': (set(), {'pad': 4}),
}
INT_KEYS = {'num_filters', 'filter_size', 'stride', 'pad', 'pool_size', 'groups', 'hidden_dim'}
NORM_TYPES = ('spatial_batchnorm', 'spatial_groupnorm', 'batchnorm', 'layernorm')

# The image layout each layer type works in. Convolutions and spatial batch normalisation run
# channel-major, (C, N, H, W), where both are single matrix operations without transposes;
# layers that treat each image separately want (N, C, H, W); the rest work in either.
CHANNEL_MAJOR, IMAGE_MAJOR = 'CNHW', 'NCHW'
LAYOUT = {'conv': CHANNEL_MAJOR, 'spatial_batchnorm': CHANNEL_MAJOR,
          'spatial_groupnorm': IMAGE_MAJOR, 'affine': IMAGE_MAJOR, 'batchnorm': IMAGE_MAJOR,
          'layernorm': IMAGE_MAJOR, 'random_flip': IMAGE_MAJOR, 'random_crop': IMAGE_MAJOR,
          'relu': None, 'max_pool': None, 'dropout': None}


def swap_layout(x):
    """Convert a 4-d array between the (N, C, H, W) and (C, N, H, W) layouts (a copy)."""
    return np.ascontiguousarray(x.transpose(1, 0, 2, 3))


def normalize_architecture(architecture):
    """
    Check a layer list and return it as a list of complete layer dicts (defaults filled in,
    integers as Python ints). Raises ValueError naming the first bad layer.
    """
    if isinstance(architecture, str):
        architecture = json.loads(architecture)
    if not isinstance(architecture, (list, tuple)):
        raise ValueError('architecture must be a list of layer dicts, got %r' % type(architecture).__name__)
    layers = []
    for index, spec in enumerate(architecture):
        where = 'architecture[%d]' % index
        if not isinstance(spec, dict) or 'type' not in spec:
            raise ValueError('%s must be a dict with a "type" key, got %r' % (where, spec))
        kind = spec['type']
        if kind not in LAYER_KEYS:
            raise ValueError('%s: unknown layer type %r (known: %s)'
                             % (where, kind, ', '.join(sorted(LAYER_KEYS))))
        required, optional = LAYER_KEYS[kind]
        unknown = set(spec) - required - set(optional) - {'type'}
        missing = required - set(spec)
        if unknown or missing:
            raise ValueError('%s (%s): %s' % (where, kind, '; '.join(
                filter(None, ['unknown keys %s' % sorted(unknown) if unknown else '',
                              'missing keys %s' % sorted(missing) if missing else '']))))
        layer = {'type': kind}
        layer.update(optional)
        layer.update({k: v for k, v in spec.items() if k != 'type'})
        if kind == 'conv' and layer['pad'] is None:
            layer['pad'] = (layer['filter_size'] - 1) // 2
        if kind == 'max_pool' and layer['stride'] is None:
            layer['stride'] = layer['pool_size']
        for key, value in layer.items():
            if key == 'type':
                continue
            if key in INT_KEYS:
                if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                        or int(value) != value:
                    raise ValueError('%s (%s): %s must be an integer, got %r' % (where, kind, key, value))
                layer[key] = int(value)
                if layer[key] < (0 if key == 'pad' else 1):
                    raise ValueError('%s (%s): %s must be positive, got %r' % (where, kind, key, value))
            else:
                if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                        or not np.isfinite(value):
                    raise ValueError('%s (%s): %s must be a number, got %r' % (where, kind, key, value))
                layer[key] = float(value)
        if kind in ('dropout', 'random_flip') and not 0 < layer['p'] <= 1:
            raise ValueError('%s (%s): p must be in (0, 1], got %r' % (where, kind, layer['p']))
        layers.append(layer)
    return layers


class ConvNet(object):
    """
    A sequential convolutional network built from a layer list (see the module docstring),
    followed by an affine layer to num_classes scores and the softmax loss.

    Attributes:
    - architecture: the layer list with all defaults filled in (JSON-able)
    - layers: the same list plus the automatic output layer, each dict extended with the
      layer's input and output shapes and the names of its parameters
    - params: dict of parameter arrays (see the module docstring for the names)
    - reg: L2 regularization strength; the loss adds 0.5 * reg * sum(W**2) over all W's
      (biases, gamma and beta are not regularized)
    """

    def __init__(self, architecture, input_dim=(3, 32, 32), num_classes=10, weight_scale=None,
                 reg=0.0, dtype=np.float32, seed=None):
        """
        Inputs:
        - architecture: list of layer dicts (or its JSON text), see the module docstring
        - input_dim: tuple (C, H, W) of the input images
        - num_classes: number of scores of the automatic output layer
        - weight_scale: standard deviation of the random weights; None (the default) uses
          He (Kaiming) initialisation, sqrt(2 / fan_in) for each layer, which suits ReLU networks
        - reg: L2 regularization strength (0.5 * reg * sum(W**2))
        - dtype: numpy dtype of the parameters and of the computation; float32 is about twice
          as fast as float64, use float64 for gradient checks
        - seed: seeds the weight initialisation and the augmentation layers (dropout masks come
          from numpy's global generator, like the minibatches of the Solver)
        """
        self._setup(architecture, input_dim, num_classes, reg, dtype, seed)
        self.params = self._init_params(weight_scale)

    # -- construction --------------------------------------------------------------------------

    def _setup(self, architecture, input_dim, num_classes, reg, dtype, seed):
        """Everything but the parameters: the checked layer list and its shapes."""
        self.architecture = normalize_architecture(architecture)
        self.input_dim = tuple(int(d) for d in input_dim)
        if len(self.input_dim) != 3 or min(self.input_dim) < 1:
            raise ValueError('input_dim must be (C, H, W), got %r' % (input_dim,))
        self.num_classes = int(num_classes)
        if self.num_classes < 1:
            raise ValueError('num_classes must be positive, got %r' % (num_classes,))
        self.reg = reg
        self.dtype = np.dtype(dtype)
        self.rng = np.random.RandomState(seed)
        self.layers = self._plan_layers()
        self.params = {}

    def _plan_layers(self):
        """Work out every layer's input and output shape and parameter names."""
        layers = []
        shape = self.input_dim
        num_weighted = num_norm = 0
        body = [dict(layer) for layer in self.architecture]
        body.append({'type': 'affine', 'hidden_dim': self.num_classes, 'output': True})
        for index, layer in enumerate(body):
            kind = layer['type']
            where = 'architecture[%d] (%s)' % (index, kind)
            layer['in_shape'] = shape
            if kind == 'conv':
                if len(shape) != 3:
                    raise ValueError('%s needs an image input (C, H, W), but its input has shape %r'
                                     % (where, shape))
                C, H, W = shape
                fs, s, p = layer['filter_size'], layer['stride'], layer['pad']
                H_out, W_out = (H + 2 * p - fs) // s + 1, (W + 2 * p - fs) // s + 1
                if H_out < 1 or W_out < 1:
                    raise ValueError('%s: a %dx%d filter does not fit its %dx%d input (pad %d)'
                                     % (where, fs, fs, H, W, p))
                shape = (layer['num_filters'], H_out, W_out)
            elif kind == 'max_pool':
                if len(shape) != 3:
                    raise ValueError('%s needs an image input, but its input has shape %r' % (where, shape))
                C, H, W = shape
                ps, s = layer['pool_size'], layer['stride']
                if ps > H or ps > W:
                    raise ValueError('%s: a %dx%d pool does not fit its %dx%d input' % (where, ps, ps, H, W))
                shape = (C, (H - ps) // s + 1, (W - ps) // s + 1)
            elif kind == 'affine':
                shape = (layer['hidden_dim'],)
            elif kind in ('spatial_batchnorm', 'spatial_groupnorm', 'random_flip', 'random_crop'):
                if len(shape) != 3:
                    raise ValueError('%s needs an image input, but its input has shape %r' % (where, shape))
                if kind == 'spatial_groupnorm' and shape[0] % layer['groups']:
                    raise ValueError('%s: %d groups do not divide %d channels'
                                     % (where, layer['groups'], shape[0]))
            layer['out_shape'] = shape
            # The gradient of the layer's input is needed only if a layer below has parameters.
            layer['needs_dx'] = num_weighted + num_norm > 0
            if kind in ('conv', 'affine'):
                num_weighted += 1
                layer['W'], layer['b'] = 'W%d' % num_weighted, 'b%d' % num_weighted
            elif kind in NORM_TYPES:
                num_norm += 1
                layer['gamma'], layer['beta'] = 'gamma%d' % num_norm, 'beta%d' % num_norm
                if kind in ('spatial_batchnorm', 'batchnorm'):
                    layer['running_mean'] = 'running_mean%d' % num_norm
                    layer['running_var'] = 'running_var%d' % num_norm
            layers.append(layer)
        return layers

    def param_shapes(self):
        """The name and shape of every parameter array, in layer order (nothing is allocated)."""
        shapes = {}
        for layer in self.layers:
            kind, in_shape = layer['type'], layer['in_shape']
            if kind == 'conv':
                fs = layer['filter_size']
                shapes[layer['W']] = (layer['num_filters'], in_shape[0], fs, fs)
                shapes[layer['b']] = (layer['num_filters'],)
            elif kind == 'affine':
                shapes[layer['W']] = (math.prod(in_shape), layer['hidden_dim'])
                shapes[layer['b']] = (layer['hidden_dim'],)
            elif kind in NORM_TYPES:
                size = in_shape[0] if kind.startswith('spatial') else math.prod(in_shape)
                for key in ('gamma', 'beta', 'running_mean', 'running_var'):
                    if key in layer:
                        shapes[layer[key]] = (size,)
        return shapes

    def _init_params(self, weight_scale):
        """Random weights (He or weight_scale), zero biases, gamma ones, beta zeros, running
        averages zero."""
        params = {}
        for name, shape in self.param_shapes().items():
            if name.startswith('W'):
                fan_in = math.prod(shape[1:]) if len(shape) == 4 else shape[0]
                std = np.sqrt(2.0 / fan_in) if weight_scale is None else weight_scale
                params[name] = std * self.rng.randn(*shape)
            elif name.startswith('gamma'):
                params[name] = np.ones(shape)
            else:
                params[name] = np.zeros(shape)
        return {k: v.astype(self.dtype) for k, v in params.items()}

    @classmethod
    def from_state(cls, architecture, state, input_dim=(3, 32, 32), num_classes=None,
                   dtype=None, where='state'):
        """
        Rebuild a model from its architecture and `state()`. num_classes defaults to the size of
        the last bias and dtype to the dtype of the state's arrays. Raises ValueError (naming
        `where` and the key) when the state does not fit the architecture.
        """
        state = dict(state)
        if num_classes is None:
            biases = sorted((int(k[1:]), k) for k in state if k.startswith('b') and k[1:].isdigit())
            if not biases:
                raise ValueError('%s: no bias arrays b1, b2, ... found' % where)
            num_classes = np.shape(state[biases[-1][1]])[0]
        if dtype is None:
            dtype = np.asarray(state['W1']).dtype if 'W1' in state else np.float32
        model = cls.__new__(cls)          # no random initialisation: the state replaces it
        model._setup(architecture, input_dim, num_classes, 0.0, dtype, 0)
        model.set_state(state, where=where)
        return model

    # -- state ---------------------------------------------------------------------------------

    def state(self):
        """Copies of every array the model needs at test time (weights, gamma/beta, BN running
        averages), keyed by their names in params."""
        return {k: np.array(v, copy=True) for k, v in self.params.items()}

    def set_state(self, state, where='state'):
        """Replace the parameters by `state`, checking names, shapes and values."""
        shapes = self.param_shapes()
        expected, given = set(shapes), set(state)
        if expected != given:
            problems = []
            if expected - given:
                problems.append('missing %s' % sorted(expected - given))
            if given - expected:
                problems.append('unexpected %s' % sorted(given - expected))
            raise ValueError('%s: the parameter arrays do not fit the architecture: %s'
                             % (where, '; '.join(problems)))
        new = {}
        for key, value in state.items():
            value = np.asarray(value)
            if value.dtype.kind not in 'fiu':
                raise ValueError('%s: key %r is not a numeric array (dtype %s)' % (where, key, value.dtype))
            if value.shape != shapes[key]:
                raise ValueError('%s: key %r has shape %r, the architecture needs %r'
                                 % (where, key, value.shape, shapes[key]))
            if not np.all(np.isfinite(value)):
                raise ValueError('%s: key %r contains NaN or infinite values' % (where, key))
            if key.startswith('running_var') and np.any(value < 0):
                raise ValueError('%s: key %r has negative variances' % (where, key))
            new[key] = value.astype(self.dtype)
        self.params = new

    # -- forward and backward ------------------------------------------------------------------

    def _forward_layer(self, layer, x, mode):
        """Run one layer (4-d data in the layout LAYOUT gives); returns (out, cache)."""
        kind, p = layer['type'], self.params
        if kind == 'conv':
            conv_param = {'stride': layer['stride'], 'pad': layer['pad']}
            return conv_forward_cnhw(x, p[layer['W']], p[layer['b']], conv_param)
        if kind == 'max_pool':
            ps = layer['pool_size']
            return max_pool_forward_fast(x, {'pool_height': ps, 'pool_width': ps, 'stride': layer['stride']})
        if kind == 'relu':
            return relu_forward(x)
        if kind == 'affine':
            return affine_forward(x, p[layer['W']], p[layer['b']])
        if kind in ('spatial_batchnorm', 'batchnorm'):
            bn_param = {'mode': mode, 'momentum': layer['momentum'], 'eps': layer['eps'],
                        'running_mean': p[layer['running_mean']], 'running_var': p[layer['running_var']]}
            if kind == 'spatial_batchnorm':
                # Channel-major data (C, N, H, W) is already an (N*H*W, C) matrix, transposed:
                # spatial batch normalisation is batch normalisation of its columns.
                C = x.shape[0]
                out, cache = batchnorm_forward(x.reshape(C, -1).T, p[layer['gamma']],
                                               p[layer['beta']], bn_param)
                out = out.T.reshape(x.shape)
            else:
                out, cache = batchnorm_forward(x.reshape(x.shape[0], -1), p[layer['gamma']],
                                               p[layer['beta']], bn_param)
                out = out.reshape(x.shape)
            p[layer['running_mean']] = np.asarray(bn_param['running_mean'], dtype=self.dtype)
            p[layer['running_var']] = np.asarray(bn_param['running_var'], dtype=self.dtype)
            return out, cache
        if kind == 'spatial_groupnorm':
            return spatial_groupnorm_forward(x, p[layer['gamma']], p[layer['beta']], layer['groups'],
                                             {'eps': layer['eps']})
        if kind == 'layernorm':
            out, cache = layernorm_forward(x.reshape(x.shape[0], -1), p[layer['gamma']],
                                           p[layer['beta']], {'eps': layer['eps']})
            return out.reshape(x.shape), cache
        if kind == 'dropout':
            return dropout_forward(x, {'mode': mode, 'p': layer['p']})
        if kind == 'random_flip':
            if mode != 'train':
                return x, None
            flip = self.rng.rand(x.shape[0]) < layer['p']
            out = x.copy()
            out[flip] = x[flip, :, :, ::-1]
            return out, flip
        if kind == 'random_crop':
            if mode != 'train':
                return x, None
            return self._random_crop(x, layer['pad'])
        raise ValueError('unknown layer type %r' % kind)

    def _backward_layer(self, layer, dout, cache, grads):
        """Backpropagate through one layer, storing parameter gradients in grads; returns dx."""
        kind = layer['type']
        if kind == 'conv':
            dx, grads[layer['W']], grads[layer['b']] = conv_backward_cnhw(
                dout, cache, compute_dx=layer['needs_dx'])
        elif kind == 'max_pool':
            dx = max_pool_backward_fast(dout, cache)
        elif kind == 'relu':
            dx = relu_backward(dout, cache)
        elif kind == 'affine':
            dx, grads[layer['W']], grads[layer['b']] = affine_backward(dout, cache)
        elif kind == 'spatial_batchnorm':
            C = dout.shape[0]
            dx, grads[layer['gamma']], grads[layer['beta']] = batchnorm_backward_alt(
                dout.reshape(C, -1).T, cache)
            dx = dx.T.reshape(dout.shape)
        elif kind == 'batchnorm':
            dx, grads[layer['gamma']], grads[layer['beta']] = batchnorm_backward_alt(
                dout.reshape(dout.shape[0], -1), cache)
            dx = dx.reshape(dout.shape)
        elif kind == 'spatial_groupnorm':
            dx, grads[layer['gamma']], grads[layer['beta']] = spatial_groupnorm_backward(dout, cache)
        elif kind == 'layernorm':
            dx, grads[layer['gamma']], grads[layer['beta']] = layernorm_backward(
                dout.reshape(dout.shape[0], -1), cache)
            dx = dx.reshape(dout.shape)
        elif kind == 'dropout':
            dx = dropout_backward(dout, cache)
        elif kind == 'random_flip':
            dx = dout.copy()
            dx[cache] = dout[cache, :, :, ::-1]
        elif kind == 'random_crop':
            dx = self._random_crop_backward(dout, cache)
        else:
            raise ValueError('unknown layer type %r' % kind)
        return dx

    def _random_crop(self, x, pad):
        """Zero-pad by `pad` and cut a random window of the original size from each image."""
        N, C, H, W = x.shape
        padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=x.dtype)
        padded[:, :, pad:pad + H, pad:pad + W] = x
        offsets = self.rng.randint(0, 2 * pad + 1, size=(N, 2))
        out = np.empty_like(x)
        for n, (dy, dx) in enumerate(offsets):
            out[n] = padded[n, :, dy:dy + H, dx:dx + W]
        return out, (offsets, pad)

    @staticmethod
    def _random_crop_backward(dout, cache):
        offsets, pad = cache
        N, C, H, W = dout.shape
        dpadded = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=dout.dtype)
        for n, (dy, dx) in enumerate(offsets):
            dpadded[n, :, dy:dy + H, dx:dx + W] = dout[n]
        return dpadded[:, :, pad:pad + H, pad:pad + W]

    def loss(self, X, y=None):
        """
        Evaluate the loss and gradients (training mode) or the scores (test mode).

        Inputs:
        - X: images of shape (N, C, H, W) (converted to the model's dtype)
        - y: labels of shape (N,), or None

        Returns:
        - if y is None: scores of shape (N, num_classes), computed in test mode (batch
          normalisation uses its running averages, dropout and augmentation are off)
        - otherwise (training mode): (loss, grads), where grads has the same keys as params
          (zeros for the running averages)
        """
        X = np.asarray(X).astype(self.dtype, copy=False)
        if X.shape[1:] != self.input_dim:
            raise ValueError('ConvNet expects inputs of shape (N,) + %r, got %r'
                             % (self.input_dim, X.shape))
        mode = 'test' if y is None else 'train'

        out, caches, layout = X, [], IMAGE_MAJOR
        for layer in self.layers:
            wanted = LAYOUT[layer['type']]
            swapped = out.ndim == 4 and wanted not in (None, layout)
            if swapped:
                out, layout = swap_layout(out), wanted
            out, cache = self._forward_layer(layer, out, mode)
            caches.append((cache, swapped))
        scores = out
        if y is None:
            return scores

        loss, dout = softmax_loss(scores, y)
        weights = [layer['W'] for layer in self.layers if 'W' in layer]
        loss += 0.5 * self.reg * sum(np.sum(self.params[w] ** 2) for w in weights)

        grads = {}
        for layer, (cache, swapped) in zip(reversed(self.layers), reversed(caches)):
            dout = self._backward_layer(layer, dout, cache, grads)
            if not layer['needs_dx']:
                break             # no parameters below this layer: the gradient is not needed
            if swapped:
                dout = swap_layout(dout)
        for w in weights:
            grads[w] = grads[w] + self.reg * self.params[w]
        for key in self.params:
            if key.startswith('running_'):
                grads[key] = np.zeros_like(self.params[key])
        return loss, grads

    def predict(self, X, batch_size=500):
        """Predicted labels of X (N,), computed in test mode in batches."""
        labels = [np.argmax(self.loss(X[i:i + batch_size]), axis=1)
                  for i in range(0, X.shape[0], batch_size)]
        return np.concatenate(labels) if labels else np.zeros(0, dtype=int)

    def summary(self):
        """One line per layer: type, settings, output shape and number of parameters."""
        lines, total = [], 0
        for layer in self.layers:
            names = [layer[k] for k in ('W', 'b', 'gamma', 'beta') if k in layer]
            count = sum(self.params[n].size for n in names)
            total += count
            settings = {k: v for k, v in layer.items()
                        if k not in ('type', 'in_shape', 'out_shape', 'output', 'needs_dx', 'W', 'b',
                                     'gamma', 'beta', 'running_mean', 'running_var')}
            label = 'affine (output)' if layer.get('output') else layer['type']
            lines.append('%-18s %-40s -> %-14s %8d params' % (
                label, json.dumps(settings), str(layer['out_shape']), count))
        lines.append('total: %d parameters' % total)
        return '\n'.join(lines)


# ---------------------------------------------------------------------------------------------
# The artefact file
# ---------------------------------------------------------------------------------------------

def save_convnet(artifacts_dir, model, name='convnet'):
    """
    Write `model` to `<artifacts_dir>/<name>.npz` (plain arrays, no pickle) and return the path.

    File format (version 1), one npz with these keys:
    - `format_version`: int64 scalar, 1
    - `architecture`: unicode scalar (np.str_), the JSON text of the layer list, defaults filled
      in, without the automatic output layer
    - `input_dim`: int64 array (C, H, W)
    - `num_classes`: int64 scalar
    - `dtype`: unicode scalar, the model's dtype ('float32' or 'float64')
    - one array per entry of `model.state()`: `W1, b1, ...`, `gamma1, beta1, ...` and
      `running_mean1, running_var1, ...` with the names and shapes the architecture implies.
    The model takes images as `get_CIFAR10_data` returns them (mean image subtracted, NCHW).
    """
    state = model.state()
    meta = {
        'format_version': np.int64(FORMAT_VERSION),
        'architecture': np.str_(json.dumps(model.architecture)),
        'input_dim': np.asarray(model.input_dim, dtype=np.int64),
        'num_classes': np.int64(model.num_classes),
        'dtype': np.str_(model.dtype.name),
    }
    clash = set(META_KEYS) & set(state)
    if clash:
        raise ValueError('parameter names clash with the file format keys: %s' % sorted(clash))
    meta.update(state)
    return save_artifact(artifacts_dir, name, **meta)


def _read(data, key, path):
    """One array of an open npz, with errors that name the file and the key."""
    if key not in data.files:
        raise ValueError('%s: key %r is missing (not a ConvNet file written by save_convnet?)' % (path, key))
    try:
        return data[key]
    except Exception as error:           # object arrays (pickles), damaged entries
        raise ValueError('%s: key %r cannot be read without pickle: %s' % (path, key, error))


def _scalar(data, key, path, kind):
    """Read a scalar of numpy kind `kind` ('i' int, 'U' text) from an npz, with a clear error."""
    value = _read(data, key, path)
    if value.shape != () or value.dtype.kind != kind:
        raise ValueError('%s: key %r must be %s scalar, got dtype %s shape %r'
                         % (path, key, 'a text' if kind == 'U' else 'an integer', value.dtype, value.shape))
    return value.item()


META_KEYS = ('format_version', 'architecture', 'input_dim', 'num_classes', 'dtype')


def load_convnet(path):
    """
    Read a ConvNet written by `save_convnet` (np.load with allow_pickle=False) and return it.
    Every problem (missing or malformed key, an architecture that does not parse, state arrays
    that do not fit it) raises ValueError naming the file and the key. The parameter arrays are
    checked against the shapes the architecture implies before anything is allocated.
    """
    path = os.fspath(path)
    try:
        data = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except Exception as error:
        raise ValueError('%s: not a readable npz file (%s)' % (path, error))
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ValueError('%s: not an npz file (a single array)' % path)
    with data:
        version = _scalar(data, 'format_version', path, 'i')
        if version != FORMAT_VERSION:
            raise ValueError('%s: key %r is %r, this module reads version %d'
                             % (path, 'format_version', version, FORMAT_VERSION))
        text = _scalar(data, 'architecture', path, 'U')
        try:
            architecture = normalize_architecture(json.loads(text))
        except (ValueError, TypeError, RecursionError) as error:
            raise ValueError('%s: key %r is not a valid layer list: %s' % (path, 'architecture', error))
        num_classes = _scalar(data, 'num_classes', path, 'i')
        if num_classes < 1:
            raise ValueError('%s: key %r must be positive, got %r' % (path, 'num_classes', num_classes))
        dtype_name = _scalar(data, 'dtype', path, 'U')
        if dtype_name not in ('float32', 'float64'):
            raise ValueError('%s: key %r must be float32 or float64, got %r' % (path, 'dtype', dtype_name))
        input_dim = _read(data, 'input_dim', path)
        if input_dim.shape != (3,) or input_dim.dtype.kind not in 'iu' or np.any(input_dim < 1):
            raise ValueError('%s: key %r must be 3 positive integers (C, H, W), got %r'
                             % (path, 'input_dim', input_dim))
        state = {key: _read(data, key, path) for key in data.files if key not in META_KEYS}
    try:
        return ConvNet.from_state(architecture, state, input_dim=tuple(int(d) for d in input_dim),
                                  num_classes=num_classes, dtype=dtype_name, where=path)
    except ValueError as error:
        if str(error).startswith(path):
            raise
        raise ValueError('%s: key %r does not describe a network for input %r: %s'
                         % (path, 'architecture', tuple(int(d) for d in input_dim), error))
