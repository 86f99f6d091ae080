"""Looking at trained networks face by face (notebook 15): error analysis, calibration, and photos."""
