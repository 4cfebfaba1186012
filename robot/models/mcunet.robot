*** Settings ***
Documentation       MIT Han Lab's MCUNet models: mcunet-320kb-1mb_imagenet (mcunet-in3,
...                 [1,176,176,3] -> [1,1000]) and mcunet-vww1 (visual wake words, float32
...                 input and output around an int8 network). Ideal memory: no timing here.
Resource            ../simtiny.resource
Suite Setup         Create Machine    stm32h743    memory_model=False


*** Test Cases ***
MCUNet ImageNet Is Bit-Exact And Fits The Board
    Load Model    ${MODELS}/mcunet-320kb-1mb_imagenet.tflite
    Random Input    seed=0
    Outputs Should Match Golden
    Model Should Fit
    Peak SRAM Should Be Below    512 KB
    Flash Usage Should Be Below    1 MB

MCUNet Visual Wake Words Is Bit-Exact With Float Input And Output
    Load Model    ${MODELS}/mcunet-vww1.tflite
    Random Input    seed=0
    Outputs Should Match Golden
    Model Should Fit
    Peak SRAM Should Be Below    256 KB
    Flash Usage Should Be Below    1 MB
    ${scores}=    Get Output
    Length Should Be    ${scores}    2
