"""Estimators with the scikit-learn interface, backed by pybp models.

``MLPClassifier`` and ``MLPRegressor`` take the usual constructor
arguments and offer ``fit``, ``predict``, ``score``, ``get_params`` and
``set_params``. scikit-learn itself is not needed to use them. When it is
installed they derive from its ``BaseEstimator`` and classifier or
regressor mixin, so ``clone``, ``cross_val_score``, ``GridSearchCV`` and
pipelines treat them as native estimators.
"""

import inspect
import numbers

import numpy as np

from pybp import _data, activations, errors, layers, optimizers, regularizers
from pybp._registry import check_bool, check_choice, check_int, check_real
from pybp.models import Sequential

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import validate_data
except ImportError:
    BaseEstimator = None
    validate_data = None


class _LocalEstimator:
    """Parameter access of a scikit-learn estimator, for use without it."""

    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(name for name in sig.parameters if name != "self")

    def get_params(self, deep=True):
        """Return the constructor arguments as a dict."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        """Set constructor arguments by name and return self."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise errors.InvalidArgumentError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid "
                    f"parameters: {', '.join(valid)}")
            setattr(self, name, value)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


if BaseEstimator is None:
    _EstimatorBase = _LocalEstimator

    class ClassifierMixin:
        _estimator_type = "classifier"

    class RegressorMixin:
        _estimator_type = "regressor"

    NotFittedError = errors.NotFittedError
else:
    _EstimatorBase = BaseEstimator

    class NotFittedError(errors.NotFittedError, _SklearnNotFittedError):
        """Raised by predict before fit; also a scikit-learn NotFittedError."""


_SOLVERS = {"adam": optimizers.Adam, "sgd": optimizers.SGD,
            "rmsprop": optimizers.RMSprop, "adagrad": optimizers.Adagrad,
            "adamw": optimizers.AdamW}
# Hidden-layer activations: pybp's names, and scikit-learn's 'logistic'
# for the sigmoid. Softmax normalizes across units and is kept for the
# classifier's output layer.
_ACTIVATION_ALIASES = {"logistic": "sigmoid"}
_ACTIVATIONS = sorted(
    [name for name in activations.names() if name != "softmax"]
    + list(_ACTIVATION_ALIASES))
# batch_size='auto' takes min(_AUTO_BATCH, rows), as scikit-learn's MLP does.
_AUTO_BATCH = 200


def _check_hidden_layer_sizes(sizes):
    if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise errors.InvalidArgumentError(
            f"hidden_layer_sizes must be a positive integer or a sequence of "
            f"them, got {sizes!r}") from None
    for units in sizes:
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) \
                or units < 1:
            raise errors.InvalidArgumentError(
                f"hidden_layer_sizes must contain positive integers, got {sizes!r}")
    return tuple(int(units) for units in sizes)


def _hidden_activation(name):
    name = check_choice("activation", name, _ACTIVATIONS)
    return _ACTIVATION_ALIASES.get(name, name)


def _check_random_state(value):
    if value is None or isinstance(value, np.random.RandomState):
        return value
    return check_int("random_state", value, low=0)


def _check_batch_size(value):
    if isinstance(value, str):
        return check_choice("batch_size", value, ("auto",))
    return check_int("batch_size", value, low=1)


def _reject_sparse(X):
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise errors.DTypeError(
            f"X is a sparse matrix ({type(X).__name__}), but pybp takes dense "
            "arrays only; convert it with X.toarray()")


def _require_2d(X):
    try:
        ndim = np.ndim(X)
    except ValueError:
        return  # A ragged sequence, which as_features reports.
    if ndim != 2:
        raise errors.ShapeError(
            f"X must be 2-D (samples, features), got {ndim}-D; use X.reshape(-1, 1) "
            "for a single feature or X.reshape(1, -1) for a single sample")


class _BaseMLP(_EstimatorBase):
    """Shared parameters and training of the two estimators."""

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", solver="adam",
                 alpha=1e-4, batch_size=32, learning_rate_init=1e-3, max_iter=200,
                 random_state=None, validation_fraction=0.1, early_stopping=False,
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

    def _checked_params(self):
        """Check the constructor arguments; return them in usable form.

        Runs at fit, not in ``__init__``, so ``set_params`` and ``clone``
        may hold any value until training starts.
        """
        early_stopping = check_bool("early_stopping", self.early_stopping)
        if early_stopping:
            check_real("validation_fraction", self.validation_fraction, 0.0, 1.0,
                       low_open=True, high_open=True)
        check_choice("dtype", str(self.dtype), ("float32", "float64"))
        check_int("verbose", self.verbose, low=0)
        return {
            "hidden_layer_sizes": _check_hidden_layer_sizes(self.hidden_layer_sizes),
            "activation": _hidden_activation(self.activation),
            "solver": _SOLVERS[check_choice("solver", self.solver, sorted(_SOLVERS))],
            "alpha": check_real("alpha", self.alpha, low=0.0),
            "batch_size": _check_batch_size(self.batch_size),
            "learning_rate_init": check_real("learning_rate_init",
                                             self.learning_rate_init, low=0.0,
                                             low_open=True),
            "max_iter": check_int("max_iter", self.max_iter, low=1),
            "random_state": _check_random_state(self.random_state),
            "early_stopping": early_stopping,
            "n_iter_no_change": check_int("n_iter_no_change", self.n_iter_no_change,
                                          low=1),
            "tol": check_real("tol", self.tol, low=0.0),
        }

    def _build(self, params, n_outputs, last_activation):
        reg = regularizers.L2(params["alpha"]) if params["alpha"] else None
        stack = [layers.Dense(units, activation=params["activation"],
                              kernel_regularizer=reg)
                 for units in params["hidden_layer_sizes"]]
        stack.append(layers.Dense(n_outputs, activation=last_activation,
                                  kernel_regularizer=reg))
        seed = params["random_state"]
        if isinstance(seed, np.random.RandomState):
            seed = int(seed.randint(2 ** 31))
        return Sequential(stack, dtype=self.dtype, seed=seed)

    def _validate_X(self, X, y=None, reset=False, **y_checks):
        """Return X (and y at fit) checked; X as a float array of ``dtype``.

        With scikit-learn installed its ``validate_data`` runs first, so the
        errors and warnings are the ones its tools expect, and fit records
        ``n_features_in_`` (and ``feature_names_in_`` for a DataFrame). At
        fit (``reset``) y is checked too and returned with X.
        """
        if validate_data is not None:
            floats = (np.float64, np.float32)
            if reset:
                X, y = validate_data(self, X, y, dtype=floats, **y_checks)
            else:
                X = validate_data(self, X, reset=False, dtype=floats)
        else:
            _reject_sparse(X)
            _require_2d(X)
        n_features = None if reset else self.n_features_in_
        X = _data.as_features(X, str(self.dtype), n_features, name="X")
        if reset:
            self.n_features_in_ = X.shape[1]
        return (X, y) if reset else X

    def _fit_model(self, params, X, y, n_outputs, last_activation, loss):
        from pybp import callbacks

        model = self._build(params, n_outputs, last_activation)
        model.compile(optimizer=params["solver"](
            learning_rate=params["learning_rate_init"]), loss=loss)
        cbs = []
        split = 0.0
        if params["early_stopping"]:
            split = self.validation_fraction
            cbs.append(callbacks.EarlyStopping(
                monitor="val_loss", min_delta=params["tol"],
                patience=params["n_iter_no_change"], restore_best_weights=True))
        batch_size = params["batch_size"]
        if batch_size == "auto":
            batch_size = min(_AUTO_BATCH, X.shape[0])
        history = model.fit(X, y, batch_size=batch_size, epochs=params["max_iter"],
                            verbose=self.verbose, validation_split=split,
                            callbacks=cbs)
        self.model_ = model
        self.loss_curve_ = list(history.history["loss"])
        self.n_iter_ = len(self.loss_curve_)
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def _check_fitted(self):
        if not hasattr(self, "model_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit first")

    def _predict_raw(self, X):
        self._check_fitted()
        return self.model_.predict(self._validate_X(X))


def _check_y_rows(y, n_rows):
    if y.shape[0] != n_rows:
        raise errors.ShapeError(f"y has {y.shape[0]} rows but X has {n_rows}")


def _as_label_vector(y, n_rows):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise errors.ShapeError(f"y must be 1-D class labels, got shape {y.shape}")
    _check_y_rows(y, n_rows)
    return y


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier trained with pybp.

    Two classes train one sigmoid output with binary cross-entropy; more
    train a softmax output with sparse categorical cross-entropy. Labels
    may be any sortable values (ints, strings); ``classes_`` lists them.
    """

    def fit(self, X, y):
        """Train a new network on X, y and return self."""
        params = self._checked_params()
        X, y = self._validate_X(X, y, reset=True)
        if validate_data is not None:
            check_classification_targets(y)
        y = _as_label_vector(y, X.shape[0])
        if y.dtype.kind == "f":
            _data.check_finite(y, "y")
        classes, labels = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise errors.InvalidArgumentError(
                f"y must contain at least 2 classes, got 1 class: {classes}")
        if len(classes) == 2:
            self._fit_model(params, X, labels.astype(np.float32), 1, "sigmoid",
                            "binary_crossentropy")
        else:
            self._fit_model(params, X, labels, len(classes), "softmax",
                            "sparse_categorical_crossentropy")
        self.classes_ = classes
        return self

    def predict_proba(self, X):
        """Return the probability of each class in ``classes_``, per row."""
        p = self._predict_raw(X)
        if p.shape[1] == 1:
            p = np.hstack([1 - p, p])
        return p

    def predict(self, X):
        """Return the most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Return the (weighted) accuracy on X, y."""
        correct = self.predict(X) == np.asarray(y).reshape(-1)
        return float(np.average(correct, weights=sample_weight))


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A multi-layer perceptron regressor trained with pybp (mse + L2).

    y may be 1-D (one target) or 2-D (one column per target); predict
    returns the same shape.
    """

    def fit(self, X, y):
        """Train a new network on X, y and return self."""
        params = self._checked_params()
        X, y = self._validate_X(X, y, reset=True, multi_output=True, y_numeric=True)
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise errors.ShapeError(f"y must be 1-D or 2-D, got shape {y.shape}")
        _check_y_rows(y, X.shape[0])
        y2 = y.reshape(y.shape[0], -1)
        self._fit_model(params, X, y2, y2.shape[1], None, "mse")
        self._y_1d = y.ndim == 1
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Return the predicted targets, 1-D when y was 1-D at fit."""
        # NOTE: the result has the network's dtype (float32 by default), where
        # scikit-learn's regressors return float64.
        p = self._predict_raw(X)
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
