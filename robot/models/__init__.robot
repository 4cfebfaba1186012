*** Settings ***
Documentation       One suite per model in tests/data/models (copies of the models in
...                 ../shared/models, provenance in tests/data/models/README.md).
