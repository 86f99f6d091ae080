"""age-gender-kit helpers: the reusable code behind the course notebooks.

Data flows one way through the modules: dataset index -> splits -> tf.data pipeline -> model -> training
-> evaluation -> studies -> plots. Importing ``helpers`` is cheap: TensorFlow is loaded only by the
functions that need it (``helpers.setup`` first of all).
"""

from helpers.environment import setup

__all__ = ["setup"]
__version__ = "0.1.0"
