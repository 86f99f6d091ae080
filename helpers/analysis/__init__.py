"""Reading recorded results without TensorFlow: study tables and verdicts, paired tests, the conclusions against
the paper and the report (whose figures are in ``references``), and each run's answers per face."""
