"""Selene SDK configs of our own, in Selene's format, for the converter's tests."""

from __future__ import annotations

from _tiny_run import MODEL_FILE  # noqa: F401 (the tutorial-shaped model file, for the compat tests)

#: Selene's getting-started tutorial config, simple_train.yml, with our own paths.
SIMPLE_TRAIN = """---
ops: [train, evaluate]
model: {
    path: {model_file},
    class: DeeperDeepSEA,
    class_args: {
        sequence_length: 1000,
        n_targets: 1,
    },
    non_strand_specific: mean
}
sampler: !obj:selene_sdk.samplers.IntervalsSampler {
    reference_sequence: !obj:selene_sdk.sequences.Genome {
        input_path: ./male.hg19.fasta
    },
    features: !obj:selene_sdk.utils.load_features_list {
        input_path: ./distinct_features.txt
    },
    target_path: ./sorted_GM12878_CTCF.bed.gz,
    intervals_path: ./deepsea_TF_intervals.txt,
    seed: 127,
    sample_negative: True,
    sequence_length: 1000,
    center_bin_to_predict: 200,
    test_holdout: [chr8, chr9],
    validation_holdout: [chr6, chr7],
    feature_thresholds: 0.5,
    mode: train,
    save_datasets: [validate, test]
}
train_model: !obj:selene_sdk.TrainModel {
    batch_size: 64,
    max_steps: 8000,
    report_stats_every_n_steps: 1000,
    n_validation_samples: 32000,
    n_test_samples: 120000,
    cpu_n_threads: 32,
    use_cuda: True,
    data_parallel: False
}
random_seed: 1447
output_dir: ./training_outputs
create_subdirectory: False
load_test_set: False
...
"""
