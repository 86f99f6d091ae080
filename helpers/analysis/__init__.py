"""Reading recorded results without TensorFlow: study tables and verdicts, the closing lines of notebooks 02, 08,
12 and 13, paired tests, the conclusions against the paper and the report (whose figures are in ``references``),
and each run's answers per face."""
