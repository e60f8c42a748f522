"""Plain NumPy float64 references for the kernels, shared by the tests."""

import math

import numpy as np

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
GELU_K = math.sqrt(2 / math.pi)
GELU_C = 0.044715

ACTIVATION_NAMES = [
    "linear",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "gelu_tanh",
    "sigmoid",
    "tanh",
    "softplus",
    "softmax",
]
DEFAULT_ALPHA = {"leaky_relu": 0.2, "elu": 1.0}

_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def sigmoid(x):
    # 1 / (1 + e^-x), with the relative accuracy kept for large negative x.
    return np.exp(-np.logaddexp(0.0, -x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def activation(name, x, alpha=None):
    """Return activation ``name`` of x, computed in float64."""
    x = np.asarray(x, dtype=np.float64)
    a = DEFAULT_ALPHA.get(name, 0.0) if alpha is None else alpha
    if name == "linear":
        return x.copy()
    if name == "relu":
        return np.maximum(x, 0)
    if name == "leaky_relu":
        return np.where(x < 0, a * x, x)
    if name == "elu":
        return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))
    if name == "selu":
        return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0)))
    if name == "gelu":
        return 0.5 * x * _erfc(-x / math.sqrt(2))
    if name == "gelu_tanh":
        return 0.5 * x * (1 + np.tanh(GELU_K * (x + GELU_C * x**3)))
    if name == "sigmoid":
        return sigmoid(x)
    if name == "tanh":
        return np.tanh(x)
    if name == "softplus":
        return np.logaddexp(0, x)
    if name == "softmax":
        return softmax(x)
    raise ValueError(name)


def activation_grad(name, x, dy, alpha=None):
    """Return dy times the derivative of activation ``name`` at x, in float64."""
    x = np.asarray(x, dtype=np.float64)
    dy = np.asarray(dy, dtype=np.float64)
    a = DEFAULT_ALPHA.get(name, 0.0) if alpha is None else alpha
    if name == "softmax":
        y = softmax(x)
        return y * (dy - (dy * y).sum(axis=-1, keepdims=True))
    if name == "linear":
        d = np.ones_like(x)
    elif name == "relu":
        d = (x > 0).astype(np.float64)
    elif name == "leaky_relu":
        d = np.where(x > 0, 1.0, a)
    elif name == "elu":
        d = np.where(x > 0, 1.0, a * np.exp(np.minimum(x, 0)))
    elif name == "selu":
        d = SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0)))
    elif name == "gelu":
        d = 0.5 * _erfc(-x / math.sqrt(2)) + x * np.exp(-0.5 * x * x) / math.sqrt(
            2 * math.pi
        )
    elif name == "gelu_tanh":
        t = np.tanh(GELU_K * (x + GELU_C * x**3))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x)
    elif name == "sigmoid":
        s = sigmoid(x)
        d = s * (1 - s)
    elif name == "tanh":
        d = 1 - np.tanh(x) ** 2
    elif name == "softplus":
        d = sigmoid(x)
    else:
        raise ValueError(name)
    return dy * d


def loss(name, t, p, sample_weight=None, delta=1.0):
    """Return (value, grad) of loss ``name`` in float64; p contains logits for CE.

    For the sparse loss, t contains integer labels.
    """
    p = np.asarray(p, dtype=np.float64)
    p2 = p.reshape(p.shape[0], -1)
    batch, k = p2.shape
    w = (
        np.ones(batch)
        if sample_weight is None
        else np.asarray(sample_weight, np.float64)
    )
    if name == "sparse_categorical_crossentropy":
        t2 = np.zeros((batch, k))
        t2[np.arange(batch), t] = 1
        name = "categorical_crossentropy"
    else:
        t2 = np.asarray(t, dtype=np.float64).reshape(batch, k)
    r = p2 - t2
    if name == "mse":
        elem, d = r * r, 2 * r
    elif name == "mae":
        elem, d = np.abs(r), np.sign(r)
    elif name == "huber":
        small = np.abs(r) <= delta
        elem = np.where(small, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))
        d = np.clip(r, -delta, delta)
    elif name == "binary_crossentropy":
        elem = np.maximum(p2, 0) - p2 * t2 + np.log1p(np.exp(-np.abs(p2)))
        d = sigmoid(p2) - t2
    elif name == "categorical_crossentropy":
        lse = p2.max(axis=1, keepdims=True) + np.log(
            np.exp(p2 - p2.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)
        )
        rows = (t2 * (lse - p2)).sum(axis=1)
        grad = (t2.sum(axis=1, keepdims=True) * softmax(p2) - t2) * w[:, None] / batch
        return float((w * rows).sum() / batch), grad.reshape(p.shape)
    else:
        raise ValueError(name)
    n = batch * k
    value = float((w[:, None] * elem).sum() / n)
    return value, (w[:, None] * d / n).reshape(p.shape)


def central_difference(f, params, h=1e-6):
    """Return the central-difference gradient of scalar f() for each array."""
    grads = []
    for p in params:
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + h
            up = f()
            flat[i] = keep - h
            down = f()
            flat[i] = keep
            gflat[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads
