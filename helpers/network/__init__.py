"""The network: Caffe's layers in Keras, the Levi-Hassner network, its optimizer, and transfer to a new task."""

from helpers import environment

environment.start_tensorflow()  # before any module here imports Keras: no start-up messages on stderr
