"""Workload definitions and, for each peer, builders of timed callables.

Every builder takes a workload spec and returns a list of ``Case`` objects.
A case's ``run()`` performs ``steps`` training steps (or one inference), so
the timer divides by ``steps``. Peers whose package is missing are reported
by ``available_peers``. All data is random float32 normal (never zeros).
"""

import warnings

import numpy as np

from numpy_mlp import NumpyMLP

WORKLOADS = {
    "W1": dict(sizes=(784, 256, 128, 10), activation="relu", loss="ce",
               optimizer="adam", lr=1e-3, momentum=0.0, l2=0.0, batch=128),
    "W2": dict(sizes=(8, 64, 64, 1), activation="tanh", loss="mse",
               optimizer="sgd", lr=0.01, momentum=0.0, l2=1e-4, batch=32),
    "W3": dict(sizes=(1024, 4096, 4096, 1024), activation="relu", loss="mse",
               optimizer="sgd", lr=0.01, momentum=0.9, l2=0.0, batch=256),
}
# Batches in the epoch that the fit cases run, per workload.
FIT_BATCHES = {"W1": 32, "W2": 64, "W3": 2}


def step_gflop(sizes, batch):
    """Return matrix-product GFLOP of one training step (no input gradient)."""
    pairs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 2.0 * batch * (3 * pairs - sizes[0] * sizes[1]) / 1e9


def forward_gflop(sizes, batch):
    """Return matrix-product GFLOP of one forward pass."""
    return 2.0 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) / 1e9


class Case:
    """One timed callable: ``run()`` does ``steps`` steps of a peer."""

    def __init__(self, peer, label, run, steps=1, reference=False):
        self.peer = peer
        self.label = label
        self.run = run
        self.steps = steps
        self.reference = reference


def make_data(spec, n, seed=0):
    """Return random (x, y) with n rows: int labels for CE, floats for MSE."""
    rng = np.random.default_rng(seed)
    sizes = spec["sizes"]
    x = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    if spec["loss"] == "ce":
        y = rng.integers(0, sizes[-1], n).astype(np.int64)
    else:
        y = rng.standard_normal((n, sizes[-1]), dtype=np.float32)
    return x, y


def available_peers():
    """Return {peer: version or None}; None marks a peer that is not installed."""
    found = {"numpy": np.__version__}
    for name, module in (("torch", "torch"), ("sklearn", "sklearn")):
        try:
            found[name] = __import__(module).__version__
        except ImportError:
            found[name] = None
    return found


# ---- pybp ----

def pybp_model(spec, seed=0):
    """Build and compile the workload's network as a pybp Sequential."""
    import pybp
    from pybp import layers, optimizers, regularizers

    sizes = spec["sizes"]
    reg = regularizers.L2(spec["l2"]) if spec["l2"] else None
    stack = [layers.Dense(n, activation=spec["activation"], kernel_regularizer=reg)
             for n in sizes[1:-1]]
    last = "softmax" if spec["loss"] == "ce" else "linear"
    stack.append(layers.Dense(sizes[-1], activation=last, kernel_regularizer=reg))
    model = pybp.Sequential(stack, dtype="float32", seed=seed)
    if spec["optimizer"] == "adam":
        opt = optimizers.Adam(learning_rate=spec["lr"])
    else:
        opt = optimizers.SGD(learning_rate=spec["lr"], momentum=spec["momentum"])
    loss = "sparse_categorical_crossentropy" if spec["loss"] == "ce" else "mse"
    model.compile(optimizer=opt, loss=loss)
    model.build(sizes[0])
    return model


def pybp_train_cases(name, spec):
    model = pybp_model(spec)
    batch = spec["batch"]
    x, y = make_data(spec, batch)
    # The plan call is the step with the least Python around it.
    model.train_on_batch(x, y)
    plan = model._get_train_plan(batch)
    if spec["loss"] == "ce":
        target = np.ascontiguousarray(y.reshape(-1, 1), dtype=np.int64)
    else:
        target = y
    n_fit = FIT_BATCHES[name]
    fx, fy = make_data(spec, batch * n_fit, seed=1)

    def fit_epoch():
        model.fit(fx, fy, batch_size=batch, epochs=1, verbose=0, shuffle=True)

    return [
        Case("pybp", "step (plan)", lambda: plan.train_step(x, target, None),
             reference=True),
        Case("pybp", "train_on_batch", lambda: model.train_on_batch(x, y)),
        Case("pybp", "fit epoch/steps", fit_epoch, steps=n_fit),
    ]


def pybp_predict_cases(spec, batch):
    model = pybp_model(spec)
    x, _ = make_data(spec, batch)
    plan = model._get_predict_plan()
    out = np.empty((batch, spec["sizes"][-1]), np.float32)
    return [
        Case("pybp", "predict (plan)", lambda: plan.predict(x, out), reference=True),
        Case("pybp", "predict", lambda: model.predict(x)),
    ]


# ---- NumPy ----

def numpy_model(spec):
    sizes = spec["sizes"]
    acts = [spec["activation"]] * (len(sizes) - 2) + ["linear"]
    return NumpyMLP(sizes, acts, loss="cross_entropy" if spec["loss"] == "ce" else "mse",
                    optimizer=spec["optimizer"], learning_rate=spec["lr"],
                    momentum=spec["momentum"], l2=spec["l2"])


def numpy_train_cases(name, spec):
    net = numpy_model(spec)
    x, y = make_data(spec, spec["batch"])
    return [Case("numpy", "step", lambda: net.train_step(x, y))]


def numpy_predict_cases(spec, batch):
    net = numpy_model(spec)
    x, _ = make_data(spec, batch)
    return [Case("numpy", "forward", lambda: net.predict(x))]


# ---- PyTorch ----

def torch_model(spec):
    import torch

    torch.manual_seed(0)
    sizes = spec["sizes"]
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}[spec["activation"]]
    mods = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        mods.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            mods.append(act())
    return torch.nn.Sequential(*mods)


def torch_step_function(spec, model):
    """Return step(x, y) doing one training step of the workload in torch."""
    import torch

    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    # torch's weight_decay adds wd * w to the gradient; l2 * sum(w**2) needs 2 * l2.
    groups = [{"params": weights, "weight_decay": 2 * spec["l2"]},
              {"params": biases, "weight_decay": 0.0}]
    if spec["optimizer"] == "adam":
        opt = torch.optim.Adam(groups, lr=spec["lr"], eps=1e-7)
    else:
        opt = torch.optim.SGD(groups, lr=spec["lr"], momentum=spec["momentum"])
    loss_fn = (torch.nn.CrossEntropyLoss() if spec["loss"] == "ce"
               else torch.nn.MSELoss())

    def step(x, y):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def torch_tensors(spec, batch, seed=0):
    import torch

    x, y = make_data(spec, batch, seed)
    return torch.from_numpy(x), torch.from_numpy(y)


def torch_train_cases(name, spec, compiled=False):
    model = torch_model(spec)
    step = torch_step_function(spec, model)
    x, y = torch_tensors(spec, spec["batch"])
    if compiled:
        import torch

        # One eager step first creates the optimizer state, so the compiled
        # step sees the same Python state on every call.
        step(x, y)
        step = torch.compile(step)
        step(x, y)
        return [Case("torch.compile", "step", lambda: step(x, y))]
    return [Case("torch", "eager step", lambda: step(x, y))]


def torch_predict_cases(spec, batch, compiled=False):
    import torch

    model = torch_model(spec).eval()
    x, _ = torch_tensors(spec, batch)

    def forward(x):
        return torch.softmax(model(x), dim=1)

    if compiled:
        forward = torch.compile(forward)
        with torch.inference_mode():
            forward(x)

    def run():
        with torch.inference_mode():
            return forward(x)

    return [Case("torch.compile" if compiled else "torch", "forward", run)]


# ---- scikit-learn ----

def sklearn_model(spec, **overrides):
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    sizes = spec["sizes"]
    kwargs = dict(hidden_layer_sizes=sizes[1:-1], activation=spec["activation"],
                  solver=spec["optimizer"], learning_rate_init=spec["lr"],
                  batch_size=spec["batch"], max_iter=1, shuffle=True,
                  random_state=0, tol=0.0, n_iter_no_change=10**9,
                  # sklearn adds 0.5 * alpha * sum(W**2) / batch to the loss.
                  alpha=2 * spec["l2"] * spec["batch"])
    if spec["optimizer"] == "adam":
        kwargs["epsilon"] = 1e-7
    else:
        kwargs.update(momentum=spec["momentum"], nesterovs_momentum=False,
                      learning_rate="constant")
    kwargs.update(overrides)
    cls = MLPClassifier if spec["loss"] == "ce" else MLPRegressor
    return cls(**kwargs)


def sklearn_data(spec, n, seed=0):
    """Return make_data's arrays with a single regression target as 1-D."""
    x, y = make_data(spec, n, seed)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    return x, y


def sklearn_train_cases(name, spec, with_fit=True):
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    batch = spec["batch"]
    x, y = sklearn_data(spec, batch)
    classes = np.arange(spec["sizes"][-1]) if spec["loss"] == "ce" else None
    partial = sklearn_model(spec)

    def partial_step():
        if classes is None:
            partial.partial_fit(x, y)
        else:
            partial.partial_fit(x, y, classes=classes)

    cases = [Case("sklearn", "partial_fit", partial_step)]
    if with_fit:
        n_fit = FIT_BATCHES[name]
        fx, fy = sklearn_data(spec, batch * n_fit, seed=1)
        full = sklearn_model(spec, warm_start=True)
        cases.append(Case("sklearn", "fit epoch/steps", lambda: full.fit(fx, fy),
                          steps=n_fit))
    return cases


def sklearn_predict_cases(spec, batch):
    from sklearn.exceptions import ConvergenceWarning

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    model = sklearn_model(spec)
    fx, fy = make_data(spec, spec["batch"])
    model.partial_fit(fx, fy, classes=np.arange(spec["sizes"][-1]))
    x, _ = make_data(spec, batch, seed=1)
    return [Case("sklearn", "predict_proba", lambda: model.predict_proba(x))]


# ---- W5: digits end to end ----

DIGITS = dict(sizes=(64, 128, 64, 10), activation="relu", loss="ce", optimizer="adam",
              lr=1e-3, momentum=0.0, l2=0.0, batch=32, epochs=30)


def digits_split():
    import pybp

    x, y = pybp.datasets.load_digits()
    return pybp.datasets.train_test_split(x, y, test_size=0.25, seed=0, stratify=y)


def digits_runs(peers):
    """Return {peer: train-and-score function returning test accuracy}."""
    (xtr, ytr), (xte, yte) = digits_split()
    spec = DIGITS
    epochs, batch = spec["epochs"], spec["batch"]
    n = xtr.shape[0]
    runs = {}

    def run_pybp():
        model = pybp_model(spec)
        model.fit(xtr, ytr, batch_size=batch, epochs=epochs, verbose=0, shuffle=True)
        return float(np.mean(np.argmax(model.predict(xte), axis=1) == yte))

    def run_numpy():
        net = numpy_model(spec)
        rng = np.random.default_rng(0)
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                index = order[start:start + batch]
                net.train_step(xtr[index], ytr[index])
        return float(np.mean(np.argmax(net.predict(xte), axis=1) == yte))

    runs["pybp"] = run_pybp
    runs["numpy"] = run_numpy
    if "torch" in peers:
        def run_torch():
            import torch

            model = torch_model(spec)
            step = torch_step_function(spec, model)
            tx, ty = torch.from_numpy(xtr), torch.from_numpy(ytr)
            gen = torch.Generator().manual_seed(0)
            for _ in range(epochs):
                order = torch.randperm(n, generator=gen)
                for start in range(0, n, batch):
                    index = order[start:start + batch]
                    step(tx[index], ty[index])
            with torch.inference_mode():
                pred = model(torch.from_numpy(xte)).argmax(dim=1).numpy()
            return float(np.mean(pred == yte))

        runs["torch"] = run_torch
    if "sklearn" in peers:
        def run_sklearn():
            from sklearn.exceptions import ConvergenceWarning

            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            model = sklearn_model(spec, max_iter=epochs)
            model.fit(xtr, ytr)
            return float(np.mean(model.predict(xte) == yte))

        runs["sklearn"] = run_sklearn
    return runs


# ---- W6: matrix products ----

def gemm_shapes():
    """Return [(label, m, k, n, transpose_a, transpose_b)] of W1-W3 and squares.

    A dense layer of batch B and weights (n_in, n_out) computes x @ w, of
    shape (B, n_in, n_out), and x.T @ dz for the weight gradient
    (n_in, B, n_out). All but the first layer also compute dz @ w.T for the
    input gradient (B, n_out, n_in).
    """
    shapes = []
    for name, spec in WORKLOADS.items():
        sizes, b = spec["sizes"], spec["batch"]
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            shapes.append((f"{name} L{i + 1} fwd", b, n_in, n_out, False, False))
            shapes.append((f"{name} L{i + 1} dW", n_in, b, n_out, True, False))
            if i > 0:
                shapes.append((f"{name} L{i + 1} dX", b, n_out, n_in, False, True))
    for n in (256, 512, 1024, 2048):
        shapes.append((f"square {n}", n, n, n, False, False))
    return shapes


def gemm_operands(m, k, n, transpose_a, transpose_b, seed=0):
    """Return (a, b) stored so that op(a) is m x k and op(b) is k x n."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if transpose_a else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if transpose_b else (k, n), dtype=np.float32)
    return a, b


def gemm_cases(m, k, n, transpose_a, transpose_b, peers):
    import pybp

    a, b = gemm_operands(m, k, n, transpose_a, transpose_b)
    out = np.empty((m, n), np.float32)
    op_a = a.T if transpose_a else a
    op_b = b.T if transpose_b else b
    cases = [
        Case("pybp", "ops.matmul", lambda: pybp.ops.matmul(
            a, b, transpose_a=transpose_a, transpose_b=transpose_b, out=out),
            reference=True),
        Case("numpy", "OpenBLAS sgemm", lambda: np.matmul(op_a, op_b, out=out)),
    ]
    if peers.get("torch"):
        import torch

        ta, tb, tout = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
        ta = ta.t() if transpose_a else ta
        tb = tb.t() if transpose_b else tb
        cases.append(Case("torch", "mm", lambda: torch.mm(ta, tb, out=tout)))
    return cases
