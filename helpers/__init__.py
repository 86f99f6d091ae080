"""age-gender-kit helpers: the reusable code behind the course notebooks, grouped by stage.

Data flows one way: ``data`` (datasets on disk, the index and its labels, splits, image cache, tf.data
pipeline) -> ``network`` (layers, the Levi-Hassner network, optimizer, transfer) -> ``experiments`` (run
settings, training, evaluation, studies and their results, conclusions). Beside them: ``setup`` (the first
call of every notebook), ``profiles``, ``plots``, ``progress``, ``atomic``, ``headline``, the notebook
runner and ``synthetic`` (the offline dataset mirrors).

Importing ``helpers`` or ``helpers.data`` is cheap; ``helpers.network`` and ``helpers.experiments`` start
TensorFlow, quietly, when they are first imported.
"""

from helpers.environment import setup

__all__ = ["setup"]
__version__ = "0.1.0"
