"""Tests of the scikit-learn style estimators in pybp.sklearn.

The first part needs only pybp; the tests marked with ``needs_sklearn``
run the estimators inside scikit-learn's own tools.
"""

import pickle
import textwrap
import warnings

import numpy as np
import pytest

from pybp import errors
from pybp import sklearn as pybp_sklearn
from pybp.sklearn import MLPClassifier, MLPRegressor

SMALL = {"hidden_layer_sizes": (16,), "max_iter": 60, "random_state": 0,
         "learning_rate_init": 0.01}


def _blobs(n_classes, n=120, n_features=3, seed=0):
    """Return well separated Gaussian blobs and their integer labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(n_classes, n_features))
    y = np.arange(n) % n_classes
    x = centers[y] + rng.normal(scale=0.5, size=(n, n_features))
    return x, y


def _linear_targets(n=150, n_features=4, n_targets=1, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features))
    w = rng.normal(size=(n_features, n_targets))
    return x, x @ w


# ---- the estimators on their own ----

@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_classifier_fits_blobs(n_classes):
    x, y = _blobs(n_classes)
    clf = MLPClassifier(**SMALL).fit(x, y)
    proba = clf.predict_proba(x)
    assert proba.shape == (len(x), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert list(clf.classes_) == list(range(n_classes))
    assert clf.score(x, y) > 0.9
    assert clf.n_features_in_ == 3
    assert clf.n_iter_ == len(clf.loss_curve_) == SMALL["max_iter"]


@pytest.mark.parametrize("labels", [["no", "yes"], ["cat", "dog", "emu"]])
def test_classifier_string_labels(labels):
    x, y = _blobs(len(labels))
    names = np.array(labels)[y]
    clf = MLPClassifier(**SMALL).fit(x, names)
    assert list(clf.classes_) == sorted(labels)
    predicted = clf.predict(x)
    assert predicted.dtype == names.dtype
    assert np.mean(predicted == names) > 0.9


@pytest.mark.filterwarnings("ignore:A column-vector y was passed")
def test_classifier_column_y_as_1d():
    x, y = _blobs(2)
    clf = MLPClassifier(**SMALL).fit(x, y.reshape(-1, 1))
    assert clf.predict(x).shape == (len(x),)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_fits_linear_targets(n_targets):
    x, y = _linear_targets(n_targets=n_targets)
    y_fit = y[:, 0] if n_targets == 1 else y
    reg = MLPRegressor(**SMALL, dtype="float64").fit(x, y_fit)
    assert reg.predict(x).shape == y_fit.shape
    assert reg.score(x, y_fit) > 0.9


def test_regressor_column_y_keeps_2d():
    x, y = _linear_targets()
    reg = MLPRegressor(**SMALL).fit(x, y)
    assert reg.predict(x).shape == (len(x), 1)


def test_batch_size_auto():
    x, y = _blobs(2, n=50)
    clf = MLPClassifier(**{**SMALL, "max_iter": 2}, batch_size="auto").fit(x, y)
    assert clf.n_iter_ == 2


def test_early_stopping_stops_before_max_iter():
    x, y = _linear_targets(n=200)
    reg = MLPRegressor(**{**SMALL, "max_iter": 500}, early_stopping=True,
                       n_iter_no_change=3, tol=10.0)
    reg.fit(x, y[:, 0])
    assert reg.n_iter_ < 500


def test_same_random_state_same_predictions():
    x, y = _blobs(3)
    first = MLPClassifier(**SMALL).fit(x, y).predict_proba(x)
    second = MLPClassifier(**SMALL).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(first, second)


def test_get_params_set_params_round_trip():
    clf = MLPClassifier(alpha=0.5, hidden_layer_sizes=(4, 3))
    params = clf.get_params()
    assert params["alpha"] == 0.5
    assert params["hidden_layer_sizes"] == (4, 3)
    assert params["max_iter"] == 200
    assert clf.set_params(alpha=0.0, max_iter=3) is clf
    assert clf.alpha == 0.0
    assert clf.max_iter == 3


def test_set_params_unknown_name():
    with pytest.raises(ValueError, match="learning_rate"):
        MLPRegressor().set_params(learning_rate=0.1)


def test_init_keeps_params_as_given():
    sizes = [8, 4]
    clf = MLPClassifier(hidden_layer_sizes=sizes, alpha=-1)
    assert clf.hidden_layer_sizes is sizes
    assert clf.alpha == -1


@pytest.mark.parametrize("params, message", [
    ({"max_iter": 0}, "max_iter must be >= 1, got 0"),
    ({"alpha": -1}, "alpha must be >= 0"),
    ({"alpha": float("nan")}, "alpha must be finite"),
    ({"learning_rate_init": 0}, "learning_rate_init must be > 0"),
    ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ({"batch_size": "all"}, "batch_size must be one of 'auto'"),
    ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must contain positive"),
    ({"hidden_layer_sizes": "10"}, "hidden_layer_sizes must contain positive"),
    ({"hidden_layer_sizes": None}, "hidden_layer_sizes must be a positive integer"),
    ({"solver": "lbfgs"}, "solver must be one of 'adagrad', 'adam'"),
    ({"activation": "softmax"}, "activation must be one of .*'logistic'"),
    ({"early_stopping": True, "validation_fraction": 0.0},
     r"validation_fraction must be in \(0.0, 1.0\)"),
    ({"early_stopping": True, "validation_fraction": 1.0},
     r"validation_fraction must be in \(0.0, 1.0\)"),
    ({"early_stopping": "yes"}, "early_stopping must be True or False"),
    ({"n_iter_no_change": 0}, "n_iter_no_change must be >= 1"),
    ({"tol": -0.1}, "tol must be >= 0"),
    ({"random_state": -3}, "random_state must be >= 0"),
    ({"dtype": "float16"}, "dtype must be one of 'float32', 'float64'"),
])
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_invalid_param_rejected_at_fit(estimator, params, message):
    x, y = _blobs(2)
    model = estimator(**params)
    with pytest.raises(errors.InvalidArgumentError, match=message):
        model.fit(x, y)
    assert not hasattr(model, "model_")


def test_logistic_activation_is_sigmoid():
    x, y = _blobs(2)
    clf = MLPClassifier(**SMALL, activation="logistic").fit(x, y)
    assert clf.model_.dense_layers[0].activation.name == "sigmoid"


def test_hidden_layer_sizes_int_and_empty():
    x, y = _blobs(2)
    one = MLPClassifier(**{**SMALL, "hidden_layer_sizes": 5}).fit(x, y)
    assert [layer.units for layer in one.model_.dense_layers] == [5, 1]
    none = MLPClassifier(**{**SMALL, "hidden_layer_sizes": ()}).fit(x, y)
    assert [layer.units for layer in none.model_.dense_layers] == [1]


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_classifier_unfitted(method):
    x, y = _blobs(2)
    args = (x, y) if method == "score" else (x,)
    with pytest.raises(errors.NotFittedError, match="not fitted yet; call fit"):
        getattr(MLPClassifier(), method)(*args)


def test_regressor_unfitted():
    with pytest.raises(errors.NotFittedError, match="MLPRegressor is not fitted"):
        MLPRegressor().predict(np.ones((2, 3)))


def test_single_class_rejected():
    x = np.ones((4, 2))
    with pytest.raises(errors.InvalidArgumentError, match="got 1 class"):
        MLPClassifier().fit(x, ["a"] * 4)


def test_nan_label_rejected():
    x, _ = _blobs(2, n=6)
    y = np.array([0.0, 1.0, np.nan, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="(?i)nan"):
        MLPClassifier().fit(x, y)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_y_rows_mismatch(estimator):
    x, y = _blobs(2)
    with pytest.raises(ValueError):
        estimator().fit(x, y[:-1])


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_x_1d_rejected(estimator):
    x, y = _blobs(2)
    with pytest.raises(ValueError, match="2-?D"):
        estimator().fit(x[:, 0], y)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_predict_feature_count_mismatch(estimator):
    x, y = _blobs(2)
    model = estimator(**{**SMALL, "max_iter": 1}).fit(x, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(x[:, :2])


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_pybp_checks_without_validate_data(monkeypatch, estimator):
    """The checks used when scikit-learn is absent give pybp errors."""
    monkeypatch.setattr(pybp_sklearn, "validate_data", None)
    x, y = _blobs(2)
    with pytest.raises(errors.ShapeError, match="X must be 2-D"):
        estimator().fit(x[:, 0], y)
    bad = x.copy()
    bad[3, 1] = np.inf
    with pytest.raises(errors.NonFiniteError, match="row 3, column 1"):
        estimator().fit(bad, y)
    model = estimator(**{**SMALL, "max_iter": 1}).fit(x, y)
    with pytest.raises(errors.ShapeError, match="X has 2 features"):
        model.predict(x[:, :2])


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_fitted_estimator_pickles(estimator):
    x, y = _blobs(3)
    model = estimator(**SMALL).fit(x, y)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.predict(x), model.predict(x))


def test_works_without_sklearn(run_python):
    """Import and use the estimators with scikit-learn made unimportable."""
    script = textwrap.dedent("""
        import sys
        sys.modules["sklearn"] = None
        import numpy as np
        from pybp import errors
        from pybp.sklearn import MLPClassifier, MLPRegressor

        rng = np.random.default_rng(0)
        x = rng.normal(size=(60, 3))
        y = np.where(x[:, 0] > 0, "pos", "neg")
        clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, random_state=0,
                            learning_rate_init=0.01)
        assert repr(clf).startswith("MLPClassifier(activation='relu', alpha=")
        assert clf.get_params()["max_iter"] == 30
        clf.set_params(max_iter=40)
        assert clf.fit(x, y).score(x, y) > 0.8
        assert set(clf.predict(x)) <= {"neg", "pos"}
        reg = MLPRegressor(max_iter=5, random_state=0).fit(x, x[:, 0])
        assert reg.predict(x).shape == (60,)
        for call in (lambda: MLPRegressor().predict(x),
                     lambda: MLPRegressor(alpha=-1).fit(x, x[:, 0]),
                     lambda: clf.set_params(bogus=1),
                     lambda: clf.fit(x[:, 0], y)):
            try:
                call()
            except errors.PybpError as exc:
                print(type(exc).__name__)
        """)
    result = run_python(["-c", script])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["NotFittedError", "InvalidArgumentError",
                                     "InvalidArgumentError", "ShapeError"]


# ---- inside scikit-learn's tools ----

@pytest.fixture
def sk():
    sklearn = pytest.importorskip("sklearn")
    import sklearn.exceptions  # noqa: F401

    return sklearn


def test_sklearn_not_fitted_error(sk):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.ones((2, 3)))
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(np.ones((2, 3)))


def test_sklearn_clone_and_type(sk):
    from sklearn.base import clone, is_classifier, is_regressor

    clf = MLPClassifier(alpha=0.3, hidden_layer_sizes=(7,))
    copy = clone(clf)
    assert copy is not clf
    assert copy.get_params() == clf.get_params()
    assert is_classifier(clf)
    assert not is_regressor(clf)
    assert is_regressor(MLPRegressor())
    assert not is_classifier(MLPRegressor())


def test_sklearn_cross_val_score(sk):
    from sklearn.model_selection import cross_val_score

    x, y = _blobs(3, n=90)
    scores = cross_val_score(MLPClassifier(**SMALL), x, y, cv=3)
    assert scores.shape == (3,)
    assert np.all(scores > 0.8)


def test_sklearn_grid_search(sk):
    from sklearn.model_selection import GridSearchCV

    x, y = _blobs(2, n=60)
    search = GridSearchCV(MLPClassifier(**{**SMALL, "max_iter": 20}),
                          {"alpha": [0.0, 1e-3], "hidden_layer_sizes": [(4,), (8,)]},
                          cv=2)
    search.fit(x, y)
    assert search.best_params_["alpha"] in (0.0, 1e-3)
    assert search.best_score_ > 0.8
    assert search.predict(x).shape == (60,)


def test_sklearn_pipeline_with_scaler(sk):
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = _linear_targets(n=120)
    pipe = make_pipeline(StandardScaler(), MLPRegressor(**SMALL))
    scores = cross_val_score(pipe, x * 100 + 5, y[:, 0], cv=3)
    assert np.all(np.isfinite(scores))
    assert np.all(scores > 0.8)


@pytest.mark.parametrize("estimator, dtype, expected_failures", [
    (MLPClassifier, "float32", set()),
    (MLPClassifier, "float64", set()),
    # Predictions keep the network's dtype, which the check wants as float64.
    (MLPRegressor, "float32", {"check_regressor_multioutput"}),
    (MLPRegressor, "float64", set()),
])
def test_sklearn_check_estimator(sk, estimator, dtype, expected_failures):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        # Checks that need pandas or the array API warn that they skip.
        warnings.simplefilter("ignore", sk.exceptions.SkipTestWarning)
        results = check_estimator(estimator(dtype=dtype), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert failed == expected_failures
