"""Move in from the Selene SDK: convert its YAML configs into Hydra experiments.

``python -m selene.compat IN.yml OUT.yaml`` reads a Selene SDK config (``ops``, ``model``,
``sampler: !obj:...``, ``train_model``, ``analyze_sequences``, ...) and writes an experiment for
``selene.train`` / ``selene.evaluate`` / ``selene.predict``, printing the command that runs it.
Keys it cannot map are errors naming ``file:line`` and the key; keys with no meaning here are
dropped with a logged note saying what stands for them. Model files run as they are
(``selene.models.file_model``, their ``criterion()`` and ``get_optimizer(lr)``).
"""

from selene.compat.convert import Conversion, convert

__all__ = ["Conversion", "convert"]
