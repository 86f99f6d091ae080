"""Experiments: run settings, one training run and its scores, studies, their results, and the conclusions."""

from helpers import environment

environment.start_tensorflow()  # before any module here imports Keras: no start-up messages on stderr
