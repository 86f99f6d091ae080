"""age-gender-kit helpers: the reusable code behind the course notebooks, grouped by stage.

Data flows one way, and each stage imports only those before it (``tests/test_layout.py``):

- ``data``: datasets on disk, the index and its labels, splits, the image cache, the tf.data pipeline;
- ``network``: the layers, the Levi-Hassner network, its optimizer, transfer, FFT convolution, export;
- ``training``: one run: its ``Settings``, fitting, scoring (against the majority floor too), age outputs,
  two heads;
- ``studies``: many runs: the catalogue of studies, the runner, the results store, claims, time left,
  pre-training, a run's trained network read back;
- ``analysis``: reading results without TensorFlow: study tables and verdicts, paired tests, conclusions,
  the paper's and the report's figures;
- ``inspection``: one network face by face (notebook 15): error analysis, calibration, photos.

Beside them: ``setup`` (the first call of every notebook), ``profiles``, ``plots``, ``timer`` and ``timings``
(notebook 11), ``predict`` (the command-line predictor), ``progress``, ``atomic``, ``headline``, the notebook
runner and ``synthetic`` (the offline dataset mirrors). ``python -m tests.import_graph`` prints who imports whom.

Importing ``helpers``, ``helpers.data`` or ``helpers.analysis`` is cheap; ``helpers.network``,
``helpers.training.fit`` and whatever trains start TensorFlow, quietly, when they are first imported.
"""

from helpers.environment import setup

__all__ = ["setup"]
__version__ = "0.1.0"
