"""Loss values and gradients against NumPy and finite differences."""

import numpy as np
import numpy_reference as ref
import pytest

import pybp
from pybp import errors, ops

DTYPES = [np.float32, np.float64]
DENSE_LOSSES = [
    "mse",
    "mae",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
]
ALL_LOSSES = DENSE_LOSSES + ["sparse_categorical_crossentropy"]
SHAPES = [(1, 1), (1, 5), (7, 1), (13, 3), (31, 10), (5,)]


def make_targets(name, shape, seed=0):
    rng = np.random.default_rng(seed)
    if name == "sparse_categorical_crossentropy":
        k = shape[1] if len(shape) == 2 else 1
        return rng.integers(0, k, size=shape[0])
    if name in ("binary_crossentropy", "categorical_crossentropy"):
        t = rng.uniform(0, 1, size=shape)
        if name == "categorical_crossentropy" and len(shape) == 2:
            t /= t.sum(axis=1, keepdims=True)
        return t
    return rng.standard_normal(shape)


def make_case(name, shape, dtype, seed=0):
    pred = (2 * np.random.default_rng(seed + 1).standard_normal(shape)).astype(dtype)
    target = make_targets(name, shape, seed)
    if name != "sparse_categorical_crossentropy":
        target = target.astype(dtype)
    weight = (
        np.random.default_rng(seed + 2).uniform(0.2, 2.0, size=shape[0]).astype(dtype)
    )
    return target, pred, weight


def cases(names):
    for name in names:
        for shape in SHAPES:
            if name == "sparse_categorical_crossentropy" and len(shape) == 1:
                continue
            yield name, shape


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shape", list(cases(ALL_LOSSES)))
def test_loss_matches_numpy(name, shape, dtype, weighted):
    target, pred, weight = make_case(name, shape, dtype)
    weight = weight if weighted else None
    value, grad = ops.loss(name, target, pred, sample_weight=weight, delta=0.7)
    expected_value, expected_grad = ref.loss(name, target, pred, weight, delta=0.7)
    rtol = 2e-6 if dtype == np.float32 else 1e-12
    scale = 1.0 / pred.size
    assert isinstance(value, float)
    assert grad.dtype == dtype
    assert grad.shape == pred.shape
    assert value == pytest.approx(expected_value, rel=rtol * 10, abs=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=rtol * 4, atol=rtol * scale)


@pytest.mark.parametrize("name,shape", list(cases(ALL_LOSSES)))
def test_loss_grad_matches_finite_differences(name, shape):
    target, pred, weight = make_case(name, shape, np.float64, seed=3)
    if name == "mae":
        # Keep |pred - target| clear of the kink at 0.
        pred = np.where(np.abs(pred - target) < 0.05, pred + 0.1, pred)
    if name == "huber":
        pred = np.where(np.abs(np.abs(pred - target) - 0.7) < 0.05, pred + 0.1, pred)
    _, grad = ops.loss(name, target, pred, sample_weight=weight, delta=0.7)
    (numeric,) = ref.central_difference(
        lambda: ops.loss(name, target, pred, sample_weight=weight, delta=0.7)[0], [pred]
    )
    single_class = pred.ndim == 1 or pred.shape[1] == 1
    if not (name.endswith("categorical_crossentropy") and single_class):
        # Softmax over one class is constant, so only then is the gradient 0.
        assert np.any(grad != 0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_huber_uses_both_branches():
    target = np.zeros((1, 4))
    pred = np.array([[-3.0, -0.2, 0.5, 2.0]])
    value, grad = ops.loss("huber", target, pred, delta=1.0)
    assert value == pytest.approx((2.5 + 0.02 + 0.125 + 1.5) / 4)
    np.testing.assert_allclose(grad, [[-0.25, -0.05, 0.125, 0.25]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "name",
    [
        "binary_crossentropy",
        "categorical_crossentropy",
        "sparse_categorical_crossentropy",
    ],
)
def test_huge_logits_stay_finite(name, dtype):
    pred = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype=dtype)
    if name == "sparse_categorical_crossentropy":
        target = np.array([1, 0])
    else:
        target = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=dtype)
    value, grad = ops.loss(name, target, pred)
    expected_value, expected_grad = ref.loss(name, target, pred)
    assert np.isfinite(value)
    assert np.all(np.isfinite(grad))
    assert value == pytest.approx(expected_value, rel=1e-6)
    np.testing.assert_allclose(grad, expected_grad, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_exact_targets(dtype):
    target = np.array([[0.0, 1.0, 0.0, 1.0]], dtype)
    pred = np.array([[-30.0, 30.0, 1000.0, -1000.0]], dtype)
    value, grad = ops.loss("binary_crossentropy", target, pred)
    assert value == pytest.approx(1000.0 / 2, rel=1e-6)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_threads_give_same_bits(name):
    # 360000 elements: enough work for every loss to use two threads.
    target, pred, weight = make_case(name, (30000, 12), np.float32, seed=5)
    before = pybp.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            pybp.set_num_threads(threads)
            results.append(ops.loss(name, target, pred, sample_weight=weight))
    finally:
        pybp.set_num_threads(before)
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("where", ["y_true", "y_pred"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("name", DENSE_LOSSES)
def test_nonfinite_input_is_named(name, bad, where):
    target, pred, _ = make_case(name, (4, 3), np.float64)
    (target if where == "y_true" else pred)[2, 1] = bad
    with pytest.raises(
        errors.NonFiniteError, match=rf"{where} contains .* at index \(2, 1\)"
    ):
        ops.loss(name, target, pred)


def test_nonfinite_logits_sparse():
    pred = np.zeros((3, 4))
    pred[1, 3] = np.nan
    with pytest.raises(
        errors.NonFiniteError, match=r"y_pred contains nan at index \(1, 3\)"
    ):
        ops.loss("sparse_categorical_crossentropy", np.array([0, 1, 2]), pred)


def test_nonfinite_sample_weight_is_named():
    target, pred, weight = make_case("mse", (4, 3), np.float64)
    weight[3] = np.inf
    with pytest.raises(errors.NonFiniteError, match=r"sample_weight contains inf"):
        ops.loss("mse", target, pred, sample_weight=weight)


@pytest.mark.parametrize("label", [-1, 4, 2**40])
def test_label_out_of_range_writes_nothing(label):
    pred = np.zeros((3, 4))
    grad = np.full((3, 4), 7.0)
    labels = np.array([0, label, 2])
    with pytest.raises(errors.LabelError, match=rf"\[0, 4\), got {label} at index 1"):
        pybp._native.loss("sparse_categorical_crossentropy", labels, pred, grad)
    np.testing.assert_array_equal(grad, 7.0)


def test_sparse_accepts_other_integer_labels():
    pred = np.random.default_rng(0).standard_normal((5, 3))
    labels = np.array([0, 2, 1, 1, 0])
    expected = ops.loss("sparse_categorical_crossentropy", labels, pred)
    for labels_as in (
        labels.astype(np.int32),
        labels.astype(np.uint8),
        labels.reshape(5, 1),
    ):
        value, grad = ops.loss("sparse_categorical_crossentropy", labels_as, pred)
        assert value == expected[0]
        np.testing.assert_array_equal(grad, expected[1])


def test_empty_batch_gives_zero():
    value, grad = ops.loss("mse", np.zeros((0, 3)), np.zeros((0, 3)))
    assert value == 0.0
    assert grad.shape == (0, 3)
