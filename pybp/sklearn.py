"""Estimators with the scikit-learn interface, backed by pybp models.

``MLPClassifier`` and ``MLPRegressor`` take the usual constructor
arguments and offer ``fit``, ``predict``, ``score``, ``get_params`` and
``set_params``, so they work in scikit-learn pipelines and grid searches.
scikit-learn itself is not needed to use them.
"""

import inspect

import numpy as np

from pybp import errors, layers, optimizers, regularizers
from pybp.models import Sequential


class _BaseMLP:
    """Shared parameters and training of the two estimators."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", solver="adam",
                 alpha=1e-4, batch_size=32, learning_rate_init=1e-3, max_iter=200,
                 random_state=None, validation_fraction=0.0, early_stopping=False,
                 n_iter_no_change=10, tol=1e-4, dtype="float32", verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.random_state = random_state
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.dtype = dtype
        self.verbose = verbose

    @classmethod
    def _param_names(cls):
        sig = inspect.signature(_BaseMLP.__init__)
        return [name for name in sig.parameters if name != "self"]

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise errors.InvalidArgumentError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid: "
                    f"{valid}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _build(self, n_outputs, last_activation):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (int, np.integer)):
            sizes = (sizes,)
        reg = regularizers.L2(self.alpha) if self.alpha else None
        stack = [layers.Dense(int(units), activation=self.activation,
                              kernel_regularizer=reg) for units in sizes]
        stack.append(layers.Dense(n_outputs, activation=last_activation,
                                  kernel_regularizer=reg))
        seed = self.random_state
        if isinstance(seed, np.random.RandomState):
            seed = int(seed.randint(2 ** 31))
        return Sequential(stack, dtype=self.dtype, seed=seed)

    def _optimizer(self):
        solvers = {"adam": optimizers.Adam, "sgd": optimizers.SGD,
                   "rmsprop": optimizers.RMSprop, "adagrad": optimizers.Adagrad,
                   "adamw": optimizers.AdamW}
        if self.solver not in solvers:
            raise errors.InvalidArgumentError(
                f"solver must be one of {sorted(solvers)}, got {self.solver!r}")
        return solvers[self.solver](learning_rate=self.learning_rate_init)

    def _fit_model(self, x, y, n_outputs, last_activation, loss):
        from pybp import callbacks

        self.model_ = self._build(n_outputs, last_activation)
        self.model_.compile(optimizer=self._optimizer(), loss=loss)
        cbs = []
        split = self.validation_fraction if self.early_stopping else 0.0
        if self.early_stopping:
            split = split or 0.1
            cbs.append(callbacks.EarlyStopping(
                monitor="val_loss", min_delta=self.tol,
                patience=self.n_iter_no_change, restore_best_weights=True))
        history = self.model_.fit(x, y, batch_size=self.batch_size,
                                  epochs=self.max_iter, verbose=self.verbose,
                                  validation_split=split, callbacks=cbs)
        self.loss_curve_ = list(history.history["loss"])
        self.n_iter_ = len(self.loss_curve_)
        self.n_features_in_ = self.model_.input_dim
        return self

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise errors.NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit first")


class MLPClassifier(_BaseMLP):
    """A multi-layer perceptron classifier trained with pybp."""

    def fit(self, X, y):
        y = np.asarray(y)
        if y.ndim != 1:
            raise errors.ShapeError(f"y must be 1-D class labels, got shape {y.shape}")
        self.classes_, labels = np.unique(y, return_inverse=True)
        k = len(self.classes_)
        if k < 2:
            raise errors.InvalidArgumentError(
                f"y must hold at least 2 classes, got {k}: {self.classes_}")
        if k == 2:
            return self._fit_model(X, labels.astype(np.float32), 1, "sigmoid",
                                   "binary_crossentropy")
        return self._fit_model(X, labels, k, "softmax",
                               "sparse_categorical_crossentropy")

    def predict_proba(self, X):
        self._check_fitted()
        p = self.model_.predict(X)
        if p.shape[1] == 1:
            p = np.hstack([1 - p, p])
        return p

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y, sample_weight=None):
        """Return the (weighted) accuracy on X, y."""
        correct = self.predict(X) == np.asarray(y)
        return float(np.average(correct, weights=sample_weight))


class MLPRegressor(_BaseMLP):
    """A multi-layer perceptron regressor trained with pybp (mse + L2)."""

    def fit(self, X, y):
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        y2 = y.reshape(len(y), -1)
        return self._fit_model(X, y2, y2.shape[1], None, "mse")

    def predict(self, X):
        self._check_fitted()
        p = self.model_.predict(X)
        return p[:, 0] if self._y_1d else p

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R^2 on X, y."""
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        p = np.asarray(self.predict(X), dtype=np.float64).reshape(len(y), -1)
        w = None if sample_weight is None else np.asarray(sample_weight)[:, None]
        ss_res = np.sum((w if w is not None else 1) * (y - p) ** 2, axis=0)
        mean = np.average(y, axis=0, weights=None if w is None else w[:, 0])
        ss_tot = np.sum((w if w is not None else 1) * (y - mean) ** 2, axis=0)
        r2 = np.where(ss_tot > 0, 1 - ss_res / np.where(ss_tot > 0, ss_tot, 1), 0.0)
        return float(np.mean(r2))
