*** Settings ***
Documentation       micro_speech_quantized: TF-Lite Micro's keyword spotter (int8 [1,1960] ->
...                 [1,4]). The memory model is on: latency and operator cycles are asserted.
Resource            ../simtiny.resource
Suite Setup         Run The Keyword Spotter


*** Test Cases ***
Outputs Match LiteRT Bit For Bit
    Outputs Should Match Golden

Fits A Small Microcontroller
    Model Should Fit
    Flash Usage Should Be Below    64 KB
    Peak SRAM Should Be Below    16 KB

Answers Within 10 ms At 480 MHz
    Latency Should Be Below    10 ms
    Cycles Should Be Below    5M

The Convolution Dominates And Stays Below Its Budget
    ${conv}=    Get Operator Cycles    1
    ${total}=    Get Cycles
    Should Be True    ${conv} > ${total} / 2
    Cycles Of Operator Should Be Below    1    4M
    Cycles Of Operator Should Be Below    2    400_000


Built For Time: Bit-Exact, Within The Board, Never In Less SRAM
    Load Model    ${MODELS}/micro_speech_quantized.tflite    optimization=time
    Random Input    seed=1
    Outputs Should Match Golden
    Model Should Fit
    ${time}=    Get Peak SRAM
    Load Model    ${MODELS}/micro_speech_quantized.tflite
    Random Input    seed=1
    ${ram}=    Get Peak SRAM
    Should Be True    ${time} >= ${ram}


*** Keywords ***
Run The Keyword Spotter
    Create Machine    stm32h743
    Load Model    ${MODELS}/micro_speech_quantized.tflite
    Random Input    seed=1
