"""Saving and loading models as one .npz file, without pickle.

The file holds a JSON config (format name and version, model layers,
compile settings, metadata) and arrays: weights, optimizer state and array
metadata. Loading uses ``allow_pickle=False``, so an untrusted file cannot
run code. Before any array is read or any weight allocated, every weight and
optimizer-state member must claim the size that the config implies, and no
member may claim more bytes than the file holds (pybp stores members
uncompressed), so a crafted size cannot make loading allocate or inflate
more than that. Writes go to a temporary file in the same folder that is
renamed into place, so an interrupted save leaves the previous file intact.
"""

import json
import os
import tempfile
import zipfile

import numpy as np

from pybp import _data, errors, losses, metrics, optimizers

FORMAT = "pybp-model"
VERSION = 1
# Bytes of the .npy header in front of an array's data: at most 65535
# plus the 10-byte preamble of format 1.0, which numpy writes for arrays
# whose header fits.
NPY_HEADER_MAX = 65545


def _model_arrays(model):
    arrays = {}
    for i, layer in enumerate(model.dense_layers):
        if not layer.built:
            continue
        arrays[f"layer{i}.kernel"] = layer.kernel
        if layer.bias is not None:
            arrays[f"layer{i}.bias"] = layer.bias
    if model._opt_state is not None:
        for i, (kernel_state, bias_state) in enumerate(model._opt_state):
            for name, arr in kernel_state.items():
                arrays[f"optimizer.{i}.kernel.{name}"] = arr
            for name, arr in (bias_state or {}).items():
                arrays[f"optimizer.{i}.bias.{name}"] = arr
    return arrays


def save_model(model, path):
    """Write model to path (an .npz file) atomically."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise errors.ModelFileError(f"cannot save the model to {path!r}: it is a folder")
    meta_json, meta_arrays = {}, {}
    for key, value in model.metadata.items():
        if isinstance(value, np.ndarray):
            meta_arrays[f"metadata.{key}"] = value
        else:
            meta_json[key] = value
    config = {
        "format": FORMAT,
        "version": VERSION,
        "model": model.get_config(),
        "built": model.built,
        "input_dim": model.input_dim,
        "compile": None,
        "metadata": meta_json,
        # What a resumed fit needs to continue exactly as the original would.
        "training_state": {
            "dropout_seed": str(model._dropout_seed),
            "shuffle_rng": model._shuffle_rng.bit_generator.state,
        },
    }
    if model.optimizer is not None:
        config["compile"] = {
            "optimizer": optimizers.serialize(model.optimizer),
            "loss": losses.serialize(model.loss),
            "metrics": [metrics.serialize(m) for m in model.metrics],
            "iterations": int(model.optimizer.iterations),
        }
    arrays = _model_arrays(model)
    arrays.update(meta_arrays)
    try:
        text = json.dumps(config)
    except TypeError as exc:
        raise errors.InvalidArgumentError(
            f"model metadata must hold JSON values or numpy arrays: {exc}") from None
    _write_npz_atomic(path, text, arrays)


def _current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_npz_atomic(path, config_text, arrays):
    """Write an uncompressed .npz with a JSON config; rename it into place."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot save to {path!r}: the folder {folder!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".pybp-", suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __config__=np.array(config_text), **arrays)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file readable by its owner only; give it the
        # permissions a plain open() would.
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


WEIGHTS_FORMAT = "pybp-weights"


def _layer_arrays(model):
    """Return {name: array} of the model's kernels and biases."""
    return {key: arr for key, arr in _model_arrays(model).items()
            if key.startswith("layer")}


def save_weights(model, path):
    """Write only the weights of a built model to an .npz file, atomically."""
    path = os.fspath(path)
    if not model.built:
        raise errors.NotFittedError("the model has no weights yet: call fit or build")
    if os.path.isdir(path):
        raise errors.ModelFileError(f"cannot save weights to {path!r}: it is a folder")
    config = {"format": WEIGHTS_FORMAT, "version": VERSION,
              "input_dim": model.input_dim, "dtype": model.dtype.name}
    _write_npz_atomic(path, json.dumps(config), _layer_arrays(model))


def load_weights(model, path):
    """Copy the weights in a file written by save_weights into model."""
    model.set_weights(_read_npz(path, "weights", _weights_from, model))


def _weights_from(data, path, sizes, model):
    try:
        config = json.loads(str(data["__config__"][()]))
    except (ValueError, KeyError) as exc:
        raise errors.ModelFileError(
            f"{path!r}: unreadable weights config ({exc})") from None
    if not isinstance(config, dict) or config.get("format") not in (
            WEIGHTS_FORMAT, FORMAT):
        raise errors.ModelFileError(f"{path!r} is not a pybp weights file")
    input_dim = _data.check_positive_int("input_dim", config.get("input_dim"))
    if model.input_dim not in (None, input_dim):
        raise errors.ShapeError(
            f"{path!r} contains weights for {input_dim} inputs but the model "
            f"takes {model.input_dim}")
    stored_dtype = np.dtype(config.get("dtype", model.dtype.name))
    expected = {key: (shape, stored_dtype) for key, (shape, _) in
                _expected_arrays(model, input_dim).items() if key.startswith("layer")}
    _check_member_sizes(sizes, expected, path)
    model.build(input_dim)
    return [_load_array(data, key, shape, dtype, path)
            for key, (shape, dtype) in expected.items()]


def _read_npz(path, kind, reader, *args):
    """Open an .npz written by pybp and return reader(data, path, sizes, *args).

    kind ("model" or "weights") names the file in messages. Member sizes are
    checked before anything is read, and pickles are never loaded.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise errors.ModelFileError(f"{path!r} is a folder, not a {kind} file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{kind} file not found: {path!r}")
    sizes = _member_sizes(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            return reader(data, path, sizes, *args)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        if isinstance(exc, errors.PybpError):
            raise
        raise errors.ModelFileError(f"{path!r}: cannot read the {kind} file ({exc})") \
            from None


def _member_sizes(path):
    """Return {array name: claimed bytes} of a model file's members.

    Reject files that are not zips, members that claim more bytes than the
    file holds, and files with no config.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise errors.ModelFileError(
            f"{path!r} is not a pybp model file (not a valid .npz archive; it may "
            "be truncated)") from None
    file_bytes = os.path.getsize(path)
    sizes = {}
    for info in infos:
        if info.file_size > file_bytes:
            raise errors.ModelFileError(
                f"{path!r}: member {info.filename!r} claims {info.file_size} bytes, "
                f"more than the {file_bytes} bytes of the file; pybp model files "
                "are not compressed")
        sizes[info.filename.removesuffix(".npy")] = info.file_size
    if "__config__" not in sizes:
        raise errors.ModelFileError(
            f"{path!r} is not a pybp model file: it has no __config__ entry")
    return sizes


def _expected_arrays(model, input_dim):
    """Return {array name: (shape, dtype)} of the weights and optimizer state
    of a model from its config, before any weight is allocated."""
    expected = {}
    n_in = input_dim
    for i, layer in enumerate(model.dense_layers):
        params = {"kernel": (n_in, layer.units)}
        if layer.use_bias:
            params["bias"] = (layer.units,)
        for part, shape in params.items():
            expected[f"layer{i}.{part}"] = (shape, model.dtype)
            if model.optimizer is not None:
                for name in model.optimizer.state_names:
                    expected[f"optimizer.{i}.{part}.{name}"] = (shape, model.dtype)
        n_in = layer.units
    return expected


def _check_member_sizes(sizes, expected, path):
    """Check that each array the config implies is stored with its size."""
    for key, (shape, dtype) in expected.items():
        if key not in sizes:
            raise errors.ModelFileError(f"{path!r} is missing the array {key!r}")
        # Python integers: no product of sizes can wrap around.
        nbytes = int(np.prod(shape, dtype=object)) * np.dtype(dtype).itemsize
        if not nbytes <= sizes[key] <= nbytes + NPY_HEADER_MAX:
            raise errors.ModelFileError(
                f"{path!r}: array {key!r} is stored in {sizes[key]} bytes, but the "
                f"config implies shape {tuple(shape)} of {np.dtype(dtype)}, "
                f"{nbytes} bytes of data")


def _read_config(data, path):
    try:
        config = json.loads(str(data["__config__"][()]))
    except (ValueError, KeyError) as exc:
        raise errors.ModelFileError(f"{path!r}: unreadable model config ({exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise errors.ModelFileError(f"{path!r} is not a pybp model file")
    version = config.get("version")
    if not isinstance(version, int) or version > VERSION or version < 1:
        raise errors.ModelFileError(
            f"{path!r} has model format version {version!r}; this pybp reads "
            f"versions 1 to {VERSION}. Upgrade pybp to load it")
    return config


def _load_array(data, key, shape, dtype, path):
    if f"{key}" not in data.files:
        raise errors.ModelFileError(f"{path!r} is missing the array {key!r}")
    arr = data[key]
    if arr.shape != tuple(shape) or arr.dtype != dtype:
        raise errors.ModelFileError(
            f"{path!r}: array {key!r} has shape {arr.shape} and dtype {arr.dtype}, "
            f"but the config needs shape {tuple(shape)} and dtype {dtype}")
    if not np.isfinite(arr).all():
        raise errors.ModelFileError(f"{path!r}: array {key!r} contains NaN or infinity")
    return arr


def load_model(path):
    """Read a model written by ``Sequential.save``; training can resume exactly."""
    from pybp.models import Sequential

    return _read_npz(path, "model", _load_from, Sequential)


def _model_from_config(config, model_cls):
    """Return the compiled model of a config, without weights."""
    model = model_cls.from_config(config["model"])
    compiled = config.get("compile")
    if compiled:
        model.compile(optimizer=optimizers.deserialize(compiled["optimizer"]),
                      loss=losses.deserialize(compiled["loss"]),
                      metrics=[metrics.deserialize(m) for m in compiled["metrics"]])
        model.optimizer.iterations = int(compiled.get("iterations", 0))
    return model


def _load_from(data, path, sizes, model_cls):
    config = _read_config(data, path)
    try:
        model = _model_from_config(config, model_cls)
        input_dim = config.get("input_dim")
        if config.get("built"):
            input_dim = _data.check_positive_int("input_dim", input_dim)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, errors.ModelFileError):
            raise
        raise errors.ModelFileError(f"{path!r}: invalid model config ({exc})") from None
    if config.get("built"):
        _check_member_sizes(sizes, _expected_arrays(model, input_dim), path)
        model.build(input_dim)
        for i, layer in enumerate(model.dense_layers):
            layer.kernel[...] = _load_array(data, f"layer{i}.kernel",
                                            layer.kernel.shape, model.dtype, path)
            if layer.bias is not None:
                layer.bias[...] = _load_array(data, f"layer{i}.bias",
                                              layer.bias.shape, model.dtype, path)
        if model._opt_state is not None:
            for i, (kernel_state, bias_state) in enumerate(model._opt_state):
                for name, arr in kernel_state.items():
                    arr[...] = _load_array(data, f"optimizer.{i}.kernel.{name}",
                                           arr.shape, arr.dtype, path)
                for name, arr in (bias_state or {}).items():
                    arr[...] = _load_array(data, f"optimizer.{i}.bias.{name}",
                                           arr.shape, arr.dtype, path)
    state = config.get("training_state") or {}
    if "dropout_seed" in state:
        model._dropout_seed = int(state["dropout_seed"])
    if "shuffle_rng" in state:
        try:
            model._shuffle_rng.bit_generator.state = state["shuffle_rng"]
        except (ValueError, TypeError, KeyError) as exc:
            raise errors.ModelFileError(
                f"{path!r}: invalid shuffle state ({exc})") from None
    model.metadata = dict(config.get("metadata") or {})
    for key in data.files:
        if key.startswith("metadata."):
            model.metadata[key[len("metadata."):]] = data[key]
    return model
