*** Settings ***
Documentation       okay_nabu: a microWakeWord streaming wake-word model (PyPI's pymicro-wakeword),
...                 its ring buffers in resource variables kept between invocations. The samples
...                 of a run are the steps of one stream, checked against both references: LiteRT
...                 and TF-Lite Micro, each run over the same stream. Ideal memory: no timing here.
Resource            ../simtiny.resource
Suite Setup         Create Machine    stm32h743    memory_model=False


*** Test Cases ***
A Stream Of Ten Frames Is Bit-Exact Against Both References
    Load Model    ${MODELS}/okay_nabu.tflite
    Set Reference    both
    Random Input    seed=0    samples=10
    Outputs Should Match Golden
    Model Should Fit
    Peak SRAM Should Be Below    48 KB
