from setuptools import setup

# Everything else is in pyproject.toml; setup.py only names the cffi builder.
setup(cffi_modules=["pybp/_build.py:ffibuilder"], zip_safe=False)
