"""load_model on broken, foreign and hostile files; saves that are cut short."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import pybp
from pybp import errors, io, layers
from pybp.io import load_model
from pybp.models import Sequential

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def small_model():
    model = Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                        layers.Dense(2)], seed=0)
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    return model


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.npz"
    small_model().save(path)
    return path


def members(path):
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def rewrite(saved, dest, config_change=None, array_change=None):
    """Write a copy of the saved file to dest with its config or arrays changed."""
    arrays = members(saved)
    config = json.loads(str(arrays["__config__"][()]))
    if config_change is not None:
        config_change(config)
    arrays["__config__"] = np.array(json.dumps(config))
    if array_change is not None:
        array_change(arrays)
    np.savez(dest, **arrays)
    return dest


def set_layer_config(index, **values):
    return lambda config: config["model"]["layers"][index]["config"].update(values)


def set_array(key, value):
    return lambda arrays: arrays.update({key: value})


def drop_array(key):
    return lambda arrays: arrays.pop(key)


# (name, config change, array change, words the message must contain)
INCONSISTENT = [
    ("future_version", lambda c: c.update(version=2), None,
     ["format version 2", "Upgrade pybp"]),
    ("version_zero", lambda c: c.update(version=0), None, ["format version 0"]),
    ("version_string", lambda c: c.update(version="1"), None, ["format version '1'"]),
    ("foreign_format", lambda c: c.update(format="other"), None,
     ["not a pybp model file"]),
    ("kernel_shape", None, set_array("layer0.kernel", np.ones((3, 5), np.float32)),
     ["'layer0.kernel'", "(3, 5)", "(3, 4)"]),
    ("kernel_dtype", None, set_array("layer0.kernel", np.ones((3, 4), np.float64)),
     ["'layer0.kernel'", "float64", "float32"]),
    ("missing_bias", None, drop_array("layer1.bias"), ["missing the array 'layer1.bias'"]),
    ("missing_optimizer_state", None, drop_array("optimizer.0.kernel.m"),
     ["missing the array 'optimizer.0.kernel.m'"]),
    ("nan_kernel", None, set_array("layer0.kernel", np.full((3, 4), np.nan, np.float32)),
     ["'layer0.kernel'", "NaN or infinity"]),
    ("huge_units", set_layer_config(2, units=2 ** 40), None,
     ["'layer1.kernel'", "(4, 1099511627776)"]),
    ("huge_input_dim", lambda c: c.update(input_dim=2 ** 40), None,
     ["'layer0.kernel'", "(1099511627776, 4)"]),
    ("input_dim_string", lambda c: c.update(input_dim="3"), None,
     ["invalid model config", "input_dim must be a positive integer"]),
    ("layers_not_list", lambda c: c["model"].update(layers=5), None,
     ["invalid model config"]),
    ("unknown_layer_class", lambda c: c["model"]["layers"][1].update(class_name="os.system"),
     None, ["invalid model config", "unknown layer class 'os.system'"]),
    ("unknown_optimizer", lambda c: c["compile"].update(
        optimizer={"class_name": "Nope", "config": {}}), None,
     ["invalid model config", "'Nope'"]),
    ("iterations_not_int", lambda c: c["compile"].update(iterations="x"), None,
     ["invalid model config"]),
    ("config_not_json", None, set_array("__config__", np.array("{not json")),
     ["unreadable model config"]),
    ("config_not_object", None, set_array("__config__", np.array(5)),
     ["not a pybp model file"]),
]


@pytest.mark.parametrize("config_change, array_change, words",
                         [case[1:] for case in INCONSISTENT],
                         ids=[case[0] for case in INCONSISTENT])
def test_inconsistent_file_raises(saved, tmp_path, config_change, array_change, words):
    path = rewrite(saved, tmp_path / "bad.npz", config_change, array_change)
    with pytest.raises(errors.ModelFileError) as info:
        load_model(path)
    assert isinstance(info.value, ValueError)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("cut", [0, 10, 0.5, -10], ids=["empty", "head", "half", "tail"])
def test_truncated_file_raises(saved, tmp_path, cut):
    data = saved.read_bytes()
    end = int(len(data) * cut) if isinstance(cut, float) else cut
    path = tmp_path / "cut.npz"
    path.write_bytes(data[:end])
    with pytest.raises(errors.ModelFileError, match="not a valid .npz archive"):
        load_model(path)


def test_text_file_raises(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("weights: 1 2 3\n")
    with pytest.raises(errors.ModelFileError, match="not a pybp model file"):
        load_model(path)


def test_zip_without_config_raises(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.ones(3))
    with pytest.raises(errors.ModelFileError, match="no __config__ entry"):
        load_model(path)


def test_folder_raises(tmp_path):
    with pytest.raises(errors.ModelFileError, match="is a folder"):
        load_model(tmp_path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="model file not found"):
        load_model(tmp_path / "absent.npz")


def test_save_to_folder_raises(tmp_path):
    with pytest.raises(errors.ModelFileError, match="it is a folder"):
        small_model().save(tmp_path)


def fail_if_read(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an array was read")
    monkeypatch.setattr(io.np, "load", refuse)


def test_zip_bomb_rejected_before_reading(saved, tmp_path, monkeypatch):
    # 64 MB of zeros deflate to about 64 kB: the member claims far more
    # bytes than the whole file holds.
    path = tmp_path / "bomb.npz"
    arrays = members(saved)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for key, value in arrays.items():
            with zf.open(key + ".npy", "w") as f:
                np.lib.format.write_array(f, value, allow_pickle=False)
        with zf.open("metadata.bomb.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, np.zeros(8 << 20), allow_pickle=False)
    assert os.path.getsize(path) < 1 << 20
    fail_if_read(monkeypatch)
    with pytest.raises(errors.ModelFileError, match="claims 67108"):
        load_model(path)


def test_config_implied_size_checked_before_allocation(saved, tmp_path, monkeypatch):
    path = rewrite(saved, tmp_path / "big.npz", set_layer_config(1, units=2 ** 35))

    def refuse_build(self, input_dim=None):
        raise AssertionError("weights were allocated")
    monkeypatch.setattr(Sequential, "build", refuse_build)
    with pytest.raises(errors.ModelFileError, match="implies shape"):
        load_model(path)


class Planter:
    """Unpickling this object creates a file: the proof that code ran."""

    def __init__(self, target):
        self.target = str(target)

    def __reduce__(self):
        return (open, (self.target, "w"))


def planted_array(target):
    return np.array([Planter(target), 1], dtype=object)


def test_planted_pickle_runs_when_pickle_allowed(tmp_path):
    # The control: the planted array does run code when numpy may unpickle.
    target = tmp_path / "ran"
    path = tmp_path / "control.npy"
    np.save(path, planted_array(target), allow_pickle=True)
    np.load(path, allow_pickle=True)
    assert target.exists()


@pytest.mark.parametrize("key", ["__config__", "layer0.kernel", "metadata.note"])
def test_planted_pickle_never_runs(saved, tmp_path, key):
    target = tmp_path / "ran"
    path = tmp_path / "planted.npz"
    arrays = members(saved)
    arrays[key] = planted_array(target)
    np.savez(path, **arrays)
    with pytest.raises(errors.ModelFileError):
        load_model(path)
    assert not target.exists()


SAVE_SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import pybp
    from pybp import io, layers
    from pybp.models import Sequential

    path = sys.argv[1]
    model = Sequential([layers.Input((3,)), layers.Dense(5)], seed=7)
    model.compile("sgd", "mse")
    model.build(3)

    def slow_savez(f, **arrays):
        f.write(b"PK" + b"x" * 4096)
        f.flush()
        print("writing", flush=True)
        time.sleep(60)

    io.np.savez = slow_savez
    model.save(path)
""")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "interrupt"])
def test_save_cut_short_keeps_previous_file(tmp_path, sig):
    path = tmp_path / "model.npz"
    before = small_model()
    before.save(path)
    # Run from the package's parent folder: python -c puts the working folder
    # first on sys.path, and an unbuilt source tree there would shadow pybp.
    parent = os.path.dirname(os.path.dirname(pybp.__file__))
    env = dict(os.environ, PYTHONPATH=parent)
    proc = subprocess.Popen([sys.executable, "-c", SAVE_SCRIPT, str(path)],
                            stdout=subprocess.PIPE, env=env, cwd=parent, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stdout.close()
    loaded = load_model(path)
    for a, b in zip(loaded.get_weights(), before.get_weights()):
        np.testing.assert_array_equal(a, b)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.npz"]
    if sig == signal.SIGINT:
        # KeyboardInterrupt runs the cleanup; SIGKILL leaves the temporary
        # file behind, which the next load ignores.
        assert leftovers == []
    else:
        assert all(name.startswith(".pybp-") for name in leftovers)
