"""One run: its settings, fitting a network, scoring it (against the majority floor too), age as classes, a number
or DEX's bins, and one network with two heads. ``settings``, ``floor`` and ``evaluation``'s scores import no
TensorFlow, so that the later stages can read results without it; ``fit`` starts it quietly."""
