*** Settings ***
Documentation       hello_world_int8: TF-Lite Micro's sine regressor (3 FULLY_CONNECTED,
...                 int8 [1,1] -> [1,1]). Ideal memory: no timing is asserted here.
Resource            ../simtiny.resource
Suite Setup         Create Machine    stm32h743    memory_model=False


*** Test Cases ***
Bit-Exact On Three Random Inputs
    Load Model    ${MODELS}/hello_world_int8.tflite
    Random Input    seed=5    samples=3
    Outputs Should Match Golden

Bit-Exact On An Input From A File
    ${input}=    Set Variable    ${OUTPUT DIR}/hello_world_input.npy
    Evaluate    numpy.save($input, numpy.array([[64]], dtype=numpy.int8))    modules=numpy
    Load Model    ${MODELS}/hello_world_int8.tflite
    ${outputs}=    Run Inference    ${input}
    Length Should Be    ${outputs}    1
    Outputs Should Match Golden

Fits In A Few Kilobytes
    Load Model    ${MODELS}/hello_world_int8.tflite
    Model Should Fit
    Flash Usage Should Be Below    8 KB
    Peak SRAM Should Be Below    2 KB
    Stack Usage Should Be Below    1 KB
