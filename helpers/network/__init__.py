"""The network: Caffe's layers in Keras, the Levi-Hassner network, its optimizer, transfer to a new task, and the
modern backbones it is compared with. Each module that imports Keras starts TensorFlow quietly first (no start-up
messages on stderr); ``backbones`` lists the backbones without starting it, so that a run's settings name them."""
