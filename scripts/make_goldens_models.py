"""Golden state-dict keys and outputs of the Selene SDK architectures, for tests/models.

Run in the benchmark venv (it has selene_sdk 0.6.0):

    .bench/venv/bin/python scripts/make_goldens_models.py [--reference-dir DIR]

selene_sdk 0.6.0 ships DeeperDeepSEA and NonStrandSpecific (selene_sdk.utils) but not the
other architectures, which live in the Selene repository's ``models/`` folder. Point
``--reference-dir`` at a folder holding, unmodified apart from docstrings:

    deepsea.py, danQ.py, heartenn.py, seqweaver.py   FunctionLab/selene, models/
    sei.py                                           FunctionLab/sei-framework, model/sei.py

(default: .bench/reference, which is not committed). Writes:

    tests/data/models_state_dict_keys.json   key names and shapes, per architecture/config
    tests/data/models_outputs.json           inputs and Selene's sigmoid outputs (float64)
                                             under weights from tests/models/_model_goldens.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import torch
from selene_sdk.utils import DeeperDeepSEA, NonStrandSpecific

ROOT = Path(__file__).resolve().parents[1]
TARGETS_ARG = {"sei": "n_genomic_features"}
sys.path.insert(0, str(ROOT / "tests" / "models"))
sys.path.insert(0, str(ROOT / "tests"))  # _hashing
from _model_goldens import (  # noqa: E402
    KEYS_FILE,
    OUTPUTS_FILE,
    fill_weights,
    make_sequences,
    one_hot,
)


def load_module(path: Path):
    spec = importlib.util.spec_from_file_location(f"reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def key_list(model: torch.nn.Module) -> list:
    return [[k, list(v.shape)] for k, v in model.state_dict().items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-dir", type=Path, default=ROOT / ".bench" / "reference")
    ref_dir = parser.parse_args().reference_dir
    ref = {
        name: load_module(ref_dir / f"{name}.py")
        for name in ("deepsea", "danQ", "heartenn", "seqweaver", "sei")
    }

    seqweaver = ref["seqweaver"].Seqweaver  # takes n_classes only, fixed at 1000 bp
    # (architecture, reference class, (sequence_length, number of targets)): the defaults,
    # then a small configuration whose outputs are recorded too.
    configs = [
        ("deepsea", ref["deepsea"].DeepSEA, (1000, 919)),
        ("deepsea", ref["deepsea"].DeepSEA, (200, 5)),
        ("deeper_deepsea", DeeperDeepSEA, (1000, 919)),
        ("deeper_deepsea", DeeperDeepSEA, (320, 5)),
        ("danq", ref["danQ"].DanQ, (1000, 919)),
        ("danq", ref["danQ"].DanQ, (64, 3)),
        ("heartenn", ref["heartenn"].HeartENN, (1000, 90)),
        ("heartenn", ref["heartenn"].HeartENN, (320, 4)),
        ("seqweaver", lambda length, n: seqweaver(n), (1000, 217)),
        ("seqweaver", lambda length, n: seqweaver(n), (1000, 8)),
        ("sei", ref["sei"].Sei, (4096, 21907)),
        ("sei", ref["sei"].Sei, (128, 5)),
    ]
    configs = [
        (
            arch,
            {"sequence_length": length, TARGETS_ARG.get(arch, "n_targets"): n},
            cls,
            (length, n),
        )
        for arch, cls, (length, n) in configs
    ]
    keys = []
    for arch, kwargs, cls, args in configs:
        with torch.device("meta"):
            keys.append({"arch": arch, "kwargs": kwargs, "keys": key_list(cls(*args))})

    outputs = []
    for seed, (arch, kwargs, cls, args) in enumerate(configs):
        if args[1] > 8:
            continue
        gain = 0.7 if arch == "sei" else 1.0  # Sei's residual sums saturate at He scale
        model = fill_weights(cls(*args), gain).double().eval()
        if arch == "sei":  # sei-framework builds its spline basis lazily, in float32
            n = kwargs["sequence_length"] // 16
            model.spline_tr[1]._spline_tr = ref["sei"].spline_factory(n, 16).double()
        sequences = make_sequences(3, kwargs["sequence_length"], seed=1000 + seed)
        x = one_hot(sequences)
        record = {"arch": arch, "kwargs": kwargs, "gain": gain, "sequences": sequences}
        with torch.no_grad():
            record["probabilities"] = model(x).tolist()
            if arch == "deeper_deepsea":
                for mode in ("mean", "max"):
                    wrapped = NonStrandSpecific(model, mode=mode).eval()
                    record[f"nonstrandspecific_{mode}"] = wrapped(x).tolist()
        outputs.append(record)

    provenance = {
        "selene_sdk": __import__("selene_sdk").__version__,
        "torch": torch.__version__,
        "reference_dir": "FunctionLab/selene models/ and FunctionLab/sei-framework model/sei.py",
    }
    KEYS_FILE.write_text(json.dumps({"provenance": provenance, "configs": keys}) + "\n")
    OUTPUTS_FILE.write_text(json.dumps({"provenance": provenance, "outputs": outputs}) + "\n")
    print(f"wrote {KEYS_FILE} and {OUTPUTS_FILE}")


if __name__ == "__main__":
    main()
