*** Settings ***
Documentation       Cases that must fail, each for its stated reason. Every check runs inside
...                 Run Keyword And Expect Error with the message it must give, so this suite
...                 passes only when each keyword fails, and fails as stated (tag: expected-failure).
Resource            simtiny.resource
Test Setup          Create Machine    stm32h743    memory_model=False
Test Tags           expected-failure


*** Test Cases ***
Unsupported Operators Are Named
    Run Keyword And Expect Error    sine_int8.tflite: unsupported: SIN x1
    ...    Load Model    ${MODELS}/sine_int8.tflite

A Missing Model Is Named
    Run Keyword And Expect Error    *no_such_model.tflite: no such file
    ...    Load Model    ${MODELS}/no_such_model.tflite

A Firmware That Faults Says Where
    ${elf}=    Build Firmware    ${FIRMWARE}/fault_read.c
    Load Firmware    ${elf}
    Run Keyword And Expect Error
    ...    the firmware faulted: unmapped read at 0x60000000 (PC 0x* in f)*, expected an exit with 0
    ...    Firmware Should Exit With    0
    Run Keyword And Expect Error    no UART line contains 'done': the firmware printed nothing and faulted: unmapped read *
    ...    Wait For Line On Uart    done

A Firmware That Never Exits Stops At Its Budget
    Set Instruction Budget    5M
    ${elf}=    Build Firmware    ${FIRMWARE}/spin.c
    Load Firmware    ${elf}
    Run Keyword And Expect Error
    ...    the firmware did not exit within 5,000,000 instructions (spinning in spin_forever*), expected an exit with 0
    ...    Firmware Should Exit With    0
    Run Keyword And Expect Error
    ...    no UART line contains 'done': the firmware printed 1 line(s) ('spinning') and did not exit within 5,000,000 instructions*
    ...    Wait For Line On Uart    done
    Run Keyword And Expect Error    the firmware did not exit within *, expected a fault
    ...    Firmware Should Fault

An SRAM Budget Too Small For The Model
    Set SRAM Budget    32 KB
    Load Model    ${MODELS}/person_detect.tflite
    Run Keyword And Expect Error
    ...    person_detect.tflite does not fit stm32h743: SRAM: needs * KB, the stm32h743 budget is 32.0 KB (* KB over) (Ignore Memory Limits simulates it anyway)
    ...    Run Inference    ${MODELS}/person.bmp
    Run Keyword And Expect Error    person_detect.tflite does not fit stm32h743: SRAM: needs *
    ...    Model Should Fit

A Flash Budget Too Small For The Model
    Set Flash Budget    128 KB
    Load Model    ${MODELS}/person_detect.tflite
    Run Keyword And Expect Error
    ...    person_detect.tflite does not fit stm32h743: flash: needs * KB, the stm32h743 budget is 128.0 KB (* KB over)*
    ...    Model Should Fit

Limits Too Small Give The Measured Figure
    Load Model    ${MODELS}/micro_speech_quantized.tflite
    Random Input    seed=1
    Run Keyword And Expect Error    peak SRAM is * KB (* bytes), the limit is 4.0 KB (4,096 bytes)
    ...    Peak SRAM Should Be Below    4 KB
    Run Keyword And Expect Error    flash usage is * KB (* bytes), the limit is 16.0 KB (16,384 bytes)
    ...    Flash Usage Should Be Below    16KB
    Run Keyword And Expect Error    latency is * ms at 480 MHz (ideal memory), the limit is 1.000 ms
    ...    Latency Should Be Below    1 ms
    Run Keyword And Expect Error    operator 1 (DEPTHWISE_CONV_2D) took * cycles (ideal memory), the limit is 1,000
    ...    Cycles Of Operator Should Be Below    1    1000
    Run Keyword And Expect Error    the model has 4 operators (0 to 3), not 9
    ...    Cycles Of Operator Should Be Below    9    1000

A Wrong Expected Output Gives The First Mismatching Index And Both Values
    Load Model    ${MODELS}/micro_speech_quantized.tflite
    Random Input    seed=1
    ${scores}=    Get Output
    ${expected}=    Set Variable    ${OUTPUT DIR}/micro_speech_wrong_expected.npy
    Evaluate
    ...    numpy.save($expected, numpy.array([$scores[0], $scores[1], $scores[2] ^ 1, $scores[3]], dtype=numpy.int8))
    ...    modules=numpy
    ${got}=    Evaluate    $scores[2]
    ${want}=    Evaluate    $scores[2] ^ 1
    Run Keyword And Expect Error
    ...    EQUALS:output 0 differs from micro_speech_wrong_expected.npy at index 2 [0, 2]: firmware ${got}, micro_speech_wrong_expected.npy ${want} (1 of 4 elements differ, largest difference 1)
    ...    Output Should Match File    ${expected}

A Wrong Top Class Gives Both Scores
    Load Model    ${MODELS}/person_detect.tflite
    Run Inference    ${MODELS}/no_person.bmp
    Run Keyword And Expect Error    EQUALS:top class of output 0 (no_person.bmp) is 0 (score 77), expected 1 (score -77)
    ...    Output Should Be Top Class    1

A Model That Does Not Fit The Board
    Load Model    ${MODELS}/mobilenet_v2_quantized_1x3x224x224.tflite
    Run Keyword And Expect Error
    ...    mobilenet_v2_quantized_1x3x224x224.tflite does not fit stm32h743: flash: needs *; SRAM: needs *
    ...    Model Should Fit

Bad Limits Are Refused
    Load Model    ${MODELS}/hello_world_int8.tflite
    Run Keyword And Expect Error    not a duration: '30' (give a unit: 30 ms, 0.5 s, 500 us)
    ...    Latency Should Be Below    30
    Run Keyword And Expect Error    not a size: '2 parsecs' (units: bytes, KB, MB, GB; e.g. 512 KB)
    ...    Flash Usage Should Be Below    2 parsecs

An Unknown Reference Is Refused
    Run Keyword And Expect Error    reference must be one of litert, tflm, both, not 'tflite'
    ...    Set Reference    tflite
