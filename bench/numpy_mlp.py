"""A plain NumPy multilayer perceptron trained by backpropagation.

This is the textbook implementation that the comparison uses as a peer: one
matrix product per layer forward, two backward, element-wise activations and
optimizer updates written as NumPy expressions. Nothing is fused or tuned
beyond keeping the dtype (float32 by default) and updating weights in place.
"""

import numpy as np

ACTIVATIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "linear": lambda z: z,
}

# Derivatives written in terms of the activation output a.
DERIVATIVES = {
    "relu": lambda a: (a > 0).astype(a.dtype),
    "tanh": lambda a: 1 - a * a,
    "linear": None,
}


def softmax(z):
    """Return the row-wise softmax of z."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class NumpyMLP:
    """A dense network with per-layer activations, trained one minibatch a step.

    Parameters
    ----------
    sizes : list of int
        Units per layer, inputs first: ``[784, 256, 128, 10]``.
    activations : list of str
        One of 'relu', 'tanh', 'linear' per weight layer. With loss
        'cross_entropy' the last layer's softmax is part of the loss, so its
        activation must be 'linear'.
    loss : {'cross_entropy', 'mse'}
        Softmax cross-entropy on integer labels, or mean squared error.
    optimizer : {'sgd', 'adam'}
        SGD uses ``momentum`` when it is non-zero.
    l2 : float
        Adds ``l2 * sum(W**2)`` over the kernels (not the biases) to the loss.
    """

    def __init__(self, sizes, activations, loss="cross_entropy", optimizer="adam",
                 learning_rate=1e-3, momentum=0.0, l2=0.0, beta1=0.9, beta2=0.999,
                 eps=1e-7, dtype=np.float32, seed=0):
        if len(activations) != len(sizes) - 1:
            raise ValueError(f"activations must have {len(sizes) - 1} entries, got "
                             f"{len(activations)}")
        if loss == "cross_entropy" and activations[-1] != "linear":
            raise ValueError("with loss='cross_entropy' the last activation must be "
                             f"'linear', got {activations[-1]!r}")
        rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        self.activations = list(activations)
        self.loss = loss
        self.optimizer = optimizer
        self.lr = learning_rate
        self.momentum = momentum
        self.l2 = l2
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.weights = []
        self.biases = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            limit = np.sqrt(6.0 / (n_in + n_out))
            self.weights.append(rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype))
            self.biases.append(np.zeros(n_out, dtype))
        params = self.weights + self.biases
        self.velocity = [np.zeros_like(p) for p in params]
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def forward(self, x):
        """Return the list of layer outputs, x first (logits last for CE)."""
        outputs = [x]
        for w, b, act in zip(self.weights, self.biases, self.activations):
            outputs.append(ACTIVATIONS[act](outputs[-1] @ w + b))
        return outputs

    def predict(self, x):
        """Return class probabilities (cross-entropy) or regression outputs."""
        out = self.forward(x)[-1]
        return softmax(out) if self.loss == "cross_entropy" else out

    def loss_and_delta(self, out, y):
        """Return the mean loss and its gradient in the last layer's output."""
        batch = out.shape[0]
        if self.loss == "cross_entropy":
            p = softmax(out)
            rows = np.arange(batch)
            loss = -np.mean(np.log(p[rows, y] + 1e-12))
            p[rows, y] -= 1
            return loss, p / batch
        diff = out - y
        return np.mean(diff * diff), (2.0 / diff.size) * diff

    def train_step(self, x, y):
        """Run forward, loss, backward and one update on a minibatch; return the loss."""
        outputs = self.forward(x)
        loss, delta = self.loss_and_delta(outputs[-1], y)
        if self.l2:
            loss += self.l2 * sum(float(np.sum(w * w)) for w in self.weights)
        n_layers = len(self.weights)
        grad_w = [None] * n_layers
        grad_b = [None] * n_layers
        for i in range(n_layers - 1, -1, -1):
            derivative = DERIVATIVES[self.activations[i]]
            if derivative is not None and not (i == n_layers - 1
                                               and self.loss == "cross_entropy"):
                delta = delta * derivative(outputs[i + 1])
            grad_w[i] = outputs[i].T @ delta
            grad_b[i] = delta.sum(axis=0)
            if self.l2:
                grad_w[i] += (2 * self.l2) * self.weights[i]
            if i > 0:
                delta = delta @ self.weights[i].T
        self.update(self.weights + self.biases, grad_w + grad_b)
        return float(loss)

    def update(self, params, grads):
        """Apply one SGD, SGD-momentum or Adam step to params in place."""
        lr = self.lr
        if self.optimizer == "sgd":
            for p, g, vel in zip(params, grads, self.velocity):
                if self.momentum:
                    vel *= self.momentum
                    vel -= lr * g
                    p += vel
                else:
                    p -= lr * g
            return
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step = lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= step * m / (np.sqrt(v) + self.eps)
