"""Reading Selene's YAML: its tags, the line of every key, and the errors."""

from __future__ import annotations

import pytest

from selene.compat._yaml import Import, Obj, SeleneMap, load_selene_yaml


def test_tags_become_records_with_lines(selene_yaml) -> None:
    path = selene_yaml(
        "ops: [train]\n"
        "sampler: !obj:selene_sdk.samplers.IntervalsSampler {\n"
        "    reference_sequence: !obj:selene_sdk.sequences.Genome {input_path: g.fa},\n"
        "    seed: 3\n"
        "}\n"
        "metrics: {r2: !import sklearn.metrics.r2_score,\n"
        "          auc: !import:sklearn.metrics.roc_auc_score\n"
        "}\n"
    )
    config = load_selene_yaml(path)
    sampler = config["sampler"]
    assert isinstance(sampler, Obj) and sampler.cls == "IntervalsSampler"
    assert sampler.name == "selene_sdk.samplers.IntervalsSampler" and sampler.line == 2
    genome = sampler.args["reference_sequence"]
    assert isinstance(genome, Obj) and genome.args == {"input_path": "g.fa"}
    assert sampler.args.line_of("seed") == 4 and config.line_of("metrics") == 6
    assert config["metrics"]["r2"] == Import("sklearn.metrics.r2_score", 6)
    assert config["metrics"]["auc"].name == "sklearn.metrics.roc_auc_score"
    assert isinstance(config, SeleneMap)


def test_environment_variables_become_oc_env(selene_yaml) -> None:
    config = load_selene_yaml(selene_yaml("output_dir: ${HOME}/runs\n"))
    assert config["output_dir"] == "${oc.env:HOME}/runs"


def test_invalid_yaml_names_the_line(selene_yaml) -> None:
    path = selene_yaml("train_model: !obj:selene_sdk.TrainModel {\n    a: 1\n    b: 2,\n}\n")
    with pytest.raises(ValueError, match=r"selene\.yml:3: not valid YAML .*missing ','"):
        load_selene_yaml(path)


def test_a_key_given_twice_is_refused(selene_yaml) -> None:
    with pytest.raises(ValueError, match=r"selene\.yml:2: key 'lr' is given twice"):
        load_selene_yaml(selene_yaml("lr: 0.1\nlr: 0.2\n"))


def test_unknown_tags_are_refused(selene_yaml) -> None:
    with pytest.raises(ValueError, match=r"selene\.yml:1: the tag '!pkl:x' is not one"):
        load_selene_yaml(selene_yaml("model: !pkl:x {}\n"))


def test_obj_needs_a_mapping(selene_yaml) -> None:
    with pytest.raises(ValueError, match=r"selene\.yml:1: !obj:a\.B takes a mapping"):
        load_selene_yaml(selene_yaml("sampler: !obj:a.B [1, 2]\n"))


def test_import_needs_a_name(selene_yaml) -> None:
    with pytest.raises(ValueError, match=r"selene\.yml:1: !import needs a dotted name"):
        load_selene_yaml(selene_yaml("metric: !import ''\n"))


def test_a_file_that_is_not_a_mapping_is_refused(selene_yaml) -> None:
    with pytest.raises(ValueError, match=r"selene\.yml: a Selene config is a mapping"):
        load_selene_yaml(selene_yaml("- ops\n"))


def test_a_missing_file_is_refused(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no\.yml: no such Selene config file"):
        load_selene_yaml(tmp_path / "no.yml")
