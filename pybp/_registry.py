"""Name lookup, configuration and argument checks shared by the object modules.

Every configurable pybp object (activation, loss, optimizer, schedule,
regularizer, initializer, constraint, metric, callback) stores its
constructor arguments in ``get_config()`` and is rebuilt by
``cls.from_config(config)``. Each module owns a :class:`Registry` that maps
the names a user may type ('relu', 'adam', 'mse') to classes, and turns an
object into the JSON-ready dict ``{"class_name": ..., "config": ...}`` and
back.
"""

import math
import numbers

from pybp.errors import InvalidArgumentError


class Configurable:
    """Base of objects rebuilt from the dict that ``get_config`` returns."""

    def get_config(self):
        """Return the constructor arguments as a dict of plain values."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Build an object from the output of ``get_config``."""
        return cls(**config)

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(type(self).__name__)

    def __repr__(self):
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Registry:
    """Map of names and class names to the classes of one kind of object.

    Parameters
    ----------
    kind : str
        What the registry holds, in the singular ("activation"); used in
        error messages.
    """

    def __init__(self, kind):
        self.kind = kind
        self._classes = {}
        self._aliases = {}

    def register(self, cls, *aliases, **fixed):
        """Register ``cls`` under its class name and each alias.

        ``fixed`` contains constructor arguments that an alias implies, as
        'gelu_tanh' implies ``approximate=True``.
        """
        self._classes[cls.__name__] = cls
        for alias in aliases:
            self._aliases[alias] = (cls, fixed)
        return cls

    def names(self):
        """Return the sorted names that ``get`` accepts as strings."""
        return sorted(self._aliases)

    def class_names(self):
        return sorted(self._classes)

    def lookup(self, name):
        """Return an object built from a registered name or class name."""
        if name in self._aliases:
            cls, fixed = self._aliases[name]
            return cls(**fixed)
        lowered = name.lower()
        if lowered in self._aliases:
            cls, fixed = self._aliases[lowered]
            return cls(**fixed)
        if name in self._classes:
            try:
                return self._classes[name]()
            except TypeError:
                raise InvalidArgumentError(
                    f"{self.kind} {name} has required arguments; pass an object or "
                    f"{{'class_name': {name!r}, 'config': {{...}}}}") from None
        raise InvalidArgumentError(
            f"unknown {self.kind} {name!r}; valid names: {', '.join(self.names())}")

    def serialize(self, obj):
        """Return ``{"class_name": ..., "config": ...}`` for a registered object."""
        if obj is None:
            return None
        name = type(obj).__name__
        if self._classes.get(name) is not type(obj):
            raise InvalidArgumentError(
                f"cannot serialize {obj!r}: {name} is not a registered {self.kind} "
                f"class ({', '.join(self.class_names())})")
        return {"class_name": name, "config": obj.get_config()}

    def deserialize(self, spec):
        """Build an object from the dict that ``serialize`` returns."""
        if not isinstance(spec, dict) or "class_name" not in spec:
            raise InvalidArgumentError(
                f"{self.kind} config must be a dict with keys 'class_name' and "
                f"'config', got {spec!r}")
        name = spec["class_name"]
        config = spec.get("config") or {}
        if name in self._classes:
            return self._classes[name].from_config(config)
        if name in self._aliases or name.lower() in self._aliases:
            cls, fixed = self._aliases.get(name) or self._aliases[name.lower()]
            return cls.from_config({**fixed, **config})
        raise InvalidArgumentError(
            f"unknown {self.kind} class {name!r}; valid classes: "
            f"{', '.join(self.class_names())}")

    def module_functions(self, base, none=False):
        """Return the module-level ``get, serialize, deserialize, names``.

        ``none`` sets what ``get(None)`` does: False raises, True returns
        None, and a callable returns ``none()``.
        """
        kind = self.kind

        def get(identifier):
            if identifier is None and callable(none):
                return none()
            return self.get(identifier, base=base, allow_none=bool(none))

        def serialize(obj):
            return self.serialize(obj)

        def deserialize(config):
            return self.deserialize(config)

        def names():
            return self.names()

        get.__doc__ = f"Return a {kind} from a name, a config dict or an instance."
        serialize.__doc__ = f"Return {{'class_name': ..., 'config': ...}} for a {kind}."
        deserialize.__doc__ = f"Build a {kind} from the output of ``serialize``."
        names.__doc__ = f"Return the {kind} names that ``get`` accepts."
        return get, serialize, deserialize, names

    def get(self, identifier, base=None, allow_none=False):
        """Return an object from a name, a serialized dict or an instance.

        Parameters
        ----------
        identifier : str, dict, object or None
            A registered name, the output of ``serialize``, or an object that
            is returned unchanged.
        base : type, optional
            Instances of this class are returned unchanged. Without it, any
            instance of a registered class is.
        allow_none : bool
            Return None for None instead of raising.
        """
        if identifier is None:
            if allow_none:
                return None
            raise InvalidArgumentError(
                f"{self.kind} must be given; valid names: {', '.join(self.names())}")
        if isinstance(identifier, str):
            return self.lookup(identifier)
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if base is not None and isinstance(identifier, base):
            return identifier
        if base is None and isinstance(identifier, tuple(self._classes.values())):
            return identifier
        raise InvalidArgumentError(
            f"{self.kind} must be a name, a config dict or a {self.kind} object, "
            f"got {identifier!r}")


# ---- argument checks ----

_BOUNDS = {(True, True): "[{}, {}]", (True, False): "[{}, {})",
           (False, True): "({}, {}]", (False, False): "({}, {})"}


def check_real(name, value, low=None, high=None, low_open=False, high_open=False):
    """Return ``value`` as a finite float inside the given bounds.

    ``low_open`` / ``high_open`` exclude the bound itself. Raises
    InvalidArgumentError naming the argument, the rule and the value.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise InvalidArgumentError(f"{name} must be finite, got {value!r}")
    below = low is not None and (value < low or (low_open and value == low))
    above = high is not None and (value > high or (high_open and value == high))
    if below or above:
        if low is not None and high is not None:
            rule = "in " + _BOUNDS[(not low_open, not high_open)].format(low, high)
        elif low is not None:
            rule = (">" if low_open else ">=") + f" {low}"
        else:
            rule = ("<" if high_open else "<=") + f" {high}"
        raise InvalidArgumentError(f"{name} must be {rule}, got {value!r}")
    return value


def check_int(name, value, low=None, high=None):
    """Return ``value`` as an int inside ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidArgumentError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise InvalidArgumentError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise InvalidArgumentError(f"{name} must be <= {high}, got {value}")
    return value


def check_bool(name, value):
    """Return ``value`` if it is True or False."""
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, got {value!r}")
    return value


def check_choice(name, value, choices):
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise InvalidArgumentError(
            f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_seed(name, value):
    """Return an integer seed >= 0, or None."""
    if value is None:
        return None
    return check_int(name, value, low=0)
