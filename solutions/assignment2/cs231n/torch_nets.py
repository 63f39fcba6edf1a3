"""The networks of the PyTorch notebook, at PyTorch's three levels of abstraction.

Part II builds a three-layer ConvNet from bare tensors with autograd, Part III as an `nn.Module`,
Part IV with `nn.Sequential`; the training and accuracy loops of the course are provided. The
functions live in this module (not in the notebook) so that the autograder can call them.
"""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

dtype = torch.float32
device = torch.device("cpu")  # the course's USE_GPU = False
print_every = 100


# ---------------------------------------------------------------------------------------------
# Part II: barebones PyTorch


def flatten(x):
    """(N, C, H, W) -> (N, C*H*W), keeping the batch dimension."""
    N = x.shape[0]
    return x.view(N, -1)


def two_layer_fc(x, params):
    """A fully connected ReLU network: x (N, ...) -> scores (N, C); params [w1 (D, H), w2 (H, C)],
    no biases."""
    x = flatten(x)
    w1, w2 = params
    x = F.relu(x.mm(w1))
    return x.mm(w2)


def three_layer_convnet(x, params):
    """Scores (N, C) of a three-layer ConvNet: conv (5x5 weights, zero padding 2) -> ReLU ->
    conv (3x3, padding 1) -> ReLU -> fully connected, with no softmax.

    x: (N, 3, H, W) images; params: [conv_w1 (channel_1, 3, KH1, KW1), conv_b1 (channel_1,),
    conv_w2 (channel_2, channel_1, KH2, KW2), conv_b2 (channel_2,), fc_w (channel_2*H*W, C),
    fc_b (C,)]. Use torch.nn.functional (F.conv2d, F.relu) and `flatten`.
    """
    conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b = params
    ### BEGIN SOLUTION: conv (padding 2) -> ReLU -> conv (padding 1) -> ReLU -> flatten -> fully connected, with F.conv2d and F.relu
    x = F.relu(F.conv2d(x, conv_w1, conv_b1, padding=2))
    x = F.relu(F.conv2d(x, conv_w2, conv_b2, padding=1))
    scores = flatten(x).mm(fc_w) + fc_b
    ### END SOLUTION
    return scores


def random_weight(shape):
    """A weight tensor with Kaiming normal values, randn * sqrt(2 / fan_in), requiring gradients:
    fan_in is shape[0] for (D_in, D_out) matrices and prod(shape[1:]) for conv weights."""
    fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
    w = torch.randn(shape, device=device, dtype=dtype) * np.sqrt(2. / fan_in)
    w.requires_grad = True
    return w


def zero_weight(shape):
    """A zero tensor requiring gradients (for biases)."""
    return torch.zeros(shape, device=device, dtype=dtype, requires_grad=True)


def three_layer_convnet_params(channel_1=32, channel_2=16, num_classes=10):
    """Initial [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b] of `three_layer_convnet` on
    CIFAR-10 (3x32x32 images): channel_1 5x5 filters, then channel_2 3x3 filters, then a fully
    connected layer to num_classes scores. Weights from `random_weight`, biases from `zero_weight`.
    """
    ### BEGIN SOLUTION: the six tensors, weights with random_weight (Kaiming), biases with zero_weight
    conv_w1 = random_weight((channel_1, 3, 5, 5))
    conv_b1 = zero_weight((channel_1,))
    conv_w2 = random_weight((channel_2, channel_1, 3, 3))
    conv_b2 = zero_weight((channel_2,))
    fc_w = random_weight((channel_2 * 32 * 32, num_classes))
    fc_b = zero_weight((num_classes,))
    ### END SOLUTION
    return [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b]


def check_accuracy_part2(loader, model_fn, params):
    """Print and return the accuracy of the functional model `model_fn(x, params)` on `loader`."""
    split = "val" if loader.dataset.train else "test"
    print("Checking accuracy on the %s set" % split)
    num_correct, num_samples = 0, 0
    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device, dtype=dtype)
            y = y.to(device=device, dtype=torch.int64)
            scores = model_fn(x, params)
            _, preds = scores.max(1)
            num_correct += (preds == y).sum()
            num_samples += preds.size(0)
        acc = float(num_correct) / num_samples
        print("Got %d / %d correct (%.2f%%)" % (num_correct, num_samples, 100 * acc))
    return acc


def train_part2(model_fn, params, learning_rate, loader_train, loader_val, max_iterations=None):
    """One epoch of plain SGD on the functional model: gradients by autograd, updates by hand
    under `torch.no_grad()`. `max_iterations` cuts the epoch short (grading mode)."""
    for t, (x, y) in enumerate(loader_train):
        if max_iterations is not None and t >= max_iterations:
            break
        x = x.to(device=device, dtype=dtype)
        y = y.to(device=device, dtype=torch.long)
        scores = model_fn(x, params)
        loss = F.cross_entropy(scores, y)
        loss.backward()
        with torch.no_grad():
            for w in params:
                w -= learning_rate * w.grad
                w.grad.zero_()
        if t % print_every == 0:
            print("Iteration %d, loss = %.4f" % (t, loss.item()))
    return check_accuracy_part2(loader_val, model_fn, params)


# ---------------------------------------------------------------------------------------------
# Part III: the Module API


class TwoLayerFC(nn.Module):
    """Fully connected -> ReLU -> fully connected, Kaiming-normal initialisation."""

    def __init__(self, input_size, hidden_size, num_classes):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        nn.init.kaiming_normal_(self.fc1.weight)
        self.fc2 = nn.Linear(hidden_size, num_classes)
        nn.init.kaiming_normal_(self.fc2.weight)

    def forward(self, x):
        x = flatten(x)
        return self.fc2(F.relu(self.fc1(x)))


class ThreeLayerConvNet(nn.Module):
    """The Part II network as a Module: `conv1` (channel_1 5x5 filters, zero padding 2) -> ReLU ->
    `conv2` (channel_2 3x3 filters, padding 1) -> ReLU -> `fc` (to num_classes scores), for
    32x32 images. Weights Kaiming normal (nn.init.kaiming_normal_), biases zero."""

    def __init__(self, in_channel, channel_1, channel_2, num_classes):
        super().__init__()
        ### BEGIN SOLUTION: self.conv1 (5x5, padding 2), self.conv2 (3x3, padding 1), self.fc; Kaiming-normal weights, zero biases
        self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * 32 * 32, num_classes)
        for layer in (self.conv1, self.conv2, self.fc):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
        ### END SOLUTION

    def forward(self, x):
        scores = None
        ### BEGIN SOLUTION: conv1 -> ReLU -> conv2 -> ReLU -> flatten -> fc, giving `scores`
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        scores = self.fc(flatten(x))
        ### END SOLUTION
        return scores


def check_accuracy_part34(loader, model):
    """Print and return the accuracy of `model` (in eval mode) on `loader`."""
    split = "val" if loader.dataset.train else "test"
    print("Checking accuracy on %s set" % split)
    num_correct, num_samples = 0, 0
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device, dtype=dtype)
            y = y.to(device=device, dtype=torch.long)
            _, preds = model(x).max(1)
            num_correct += (preds == y).sum()
            num_samples += preds.size(0)
        acc = float(num_correct) / num_samples
        print("Got %d / %d correct (%.2f)" % (num_correct, num_samples, 100 * acc))
    return acc


def train_part34(model, optimizer, loader_train, loader_val, epochs=1, scheduler=None, max_iterations=None):
    """Train `model` with `optimizer` for `epochs` epochs of cross-entropy, checking the val
    accuracy every `print_every` iterations and at the end; `scheduler` (optional) steps after
    every iteration; `max_iterations` cuts the run short (grading mode). Counts the epochs in
    `model.epochs_trained`, which the saved model records. Returns the final val accuracy."""
    model = model.to(device=device)
    for e in range(epochs):
        for t, (x, y) in enumerate(loader_train):
            if max_iterations is not None and t >= max_iterations:
                break
            model.train()
            x = x.to(device=device, dtype=dtype)
            y = y.to(device=device, dtype=torch.long)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            if t % print_every == 0:
                print("Epoch %d, Iteration %d, loss = %.4f" % (e, t, loss.item()))
        model.epochs_trained = getattr(model, "epochs_trained", 0) + 1
    return check_accuracy_part34(loader_val, model)


# ---------------------------------------------------------------------------------------------
# Part IV: the Sequential API


class Flatten(nn.Module):
    """`flatten` as a layer."""

    def forward(self, x):
        return flatten(x)


def sequential_three_layer_convnet(in_channel=3, channel_1=32, channel_2=16, num_classes=10):
    """The ThreeLayerConvNet of Part III as an `nn.Sequential` (conv 5x5 pad 2, ReLU, conv 3x3
    pad 1, ReLU, Flatten, Linear), for 32x32 images. Default initialisation is fine."""
    model = None
    ### BEGIN SOLUTION: nn.Sequential of Conv2d 5x5 pad 2, ReLU, Conv2d 3x3 pad 1, ReLU, Flatten, Linear
    model = nn.Sequential(
        nn.Conv2d(in_channel, channel_1, 5, padding=2),
        nn.ReLU(),
        nn.Conv2d(channel_1, channel_2, 3, padding=1),
        nn.ReLU(),
        Flatten(),
        nn.Linear(channel_2 * 32 * 32, num_classes),
    )
    ### END SOLUTION
    return model


def sequential_optimizer(model, learning_rate=1e-2):
    """The optimizer of Part IV: SGD with Nesterov momentum 0.9 at `learning_rate`, over all the
    model's parameters."""
    optimizer = None
    ### BEGIN SOLUTION: optim.SGD with momentum 0.9 and nesterov=True over model.parameters()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)
    ### END SOLUTION
    return optimizer
