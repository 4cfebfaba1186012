*** Settings ***
Documentation       person_detect: TF-Lite Micro's MobileNetV1-0.25 person detector (int8
...                 [1,96,96,1] -> [1,2]: class 0 no person, class 1 person) on its own test
...                 images, fed two ways: as TF-Lite Micro's person_detection test feeds them
...                 (the BMP's bytes read as int8), and through simtiny's image reader (pixel
...                 p -> p - 128). The memory model is on: latency is asserted.
Resource            ../simtiny.resource
Suite Setup         Create Machine    stm32h743


*** Test Cases ***
Sees The Person In person.bmp
    ${input}=    Bytes As TFLM Feeds Them    person
    Load Model    ${MODELS}/person_detect.tflite
    Run Inference    ${input}
    Outputs Should Match Golden
    Output Should Be Top Class    1
    Latency Should Be Below    100 ms
    Peak SRAM Should Be Below    64 KB
    Flash Usage Should Be Below    300 KB
    Cycles Of Operator Should Be Below    0    5M

Sees No Person In no_person.bmp
    ${input}=    Bytes As TFLM Feeds Them    no_person
    Load Model    ${MODELS}/person_detect.tflite
    Run Inference    ${input}
    Outputs Should Match Golden
    Output Should Be Top Class    0

Raw Image Mode Feeds The Bytes As TF-Lite Micro Does
    ${input}=    Bytes As TFLM Feeds Them    person
    Load Model    ${MODELS}/person_detect.tflite
    Run Inference    ${input}
    ${from_bytes}=    Get Output
    Run Inference    ${MODELS}/person.bmp    image_mode=raw
    Outputs Should Match Golden
    Output Should Be Top Class    1
    ${from_image}=    Get Output
    Should Be Equal    ${from_image}    ${from_bytes}

Is Bit-Exact On Images Read By simtiny
    Load Model    ${MODELS}/person_detect.tflite
    Run Inference    ${MODELS}/no_person.bmp
    Outputs Should Match Golden
    Output Should Be Top Class    0
    ${no_person}=    Get Output
    Run Inference    ${MODELS}/person.bmp
    Outputs Should Match Golden
    ${person}=    Get Output
    Should Be True    ${person}[1] > ${no_person}[1]


*** Keywords ***
Bytes As TFLM Feeds Them
    [Documentation]    Writes ${name}.bmp's pixels as int8 .npy, each byte read as int8 (no
    ...    shift), as TF-Lite Micro's person_detection test copies its image array into the
    ...    input tensor. Returns the file's path.
    [Arguments]    ${name}
    ${path}=    Set Variable    ${OUTPUT DIR}/${name}_tflm.npy
    Evaluate
    ...    numpy.save($path, numpy.asarray(PIL.Image.open($MODELS + '/' + $name + '.bmp').convert('L'), dtype=numpy.uint8).view(numpy.int8).reshape(1, 96, 96, 1))
    ...    modules=numpy, PIL.Image
    RETURN    ${path}
