//! loom model checks of ryker-core; the models live in `tests/`, each compiled only under `--cfg ryker_loom`.
