"""Many runs: the catalogue of studies, the runner that trains what is missing (in the notebook, or as Ray
tasks), the store of one record per run, claims and time left, the pre-trained networks of transfer learning,
and a run's trained network read back. ``catalogue`` and ``store`` import no TensorFlow."""
