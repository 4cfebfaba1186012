*** Settings ***
Documentation       mobilenet_v2_quantized_1x3x224x224: MobileNetV2 1.0 from PyTorch (int8 NCHW
...                 [1,3,224,224] -> [1,1000], 3.9 MB). It does not fit the STM32H743 (flash and
...                 SRAM): simtiny must say so, and still verify it with the limits lifted.
Resource            ../simtiny.resource
Suite Setup         Create Machine    stm32h743    memory_model=False


*** Test Cases ***
Is Reported As Not Fitting Flash Or SRAM
    Load Model    ${MODELS}/mobilenet_v2_quantized_1x3x224x224.tflite
    Model Should Not Fit    flash
    Model Should Not Fit    SRAM
    Run Keyword And Expect Error
    ...    mobilenet_v2_quantized_1x3x224x224.tflite does not fit stm32h743: flash: needs *, the stm32h743 budget is 2,048.0 KB (* over); SRAM: needs *
    ...    Run Inference
    Run Keyword And Expect Error    flash usage is * MB (* bytes), the limit is 2.00 MB (2,097,152 bytes)
    ...    Flash Usage Should Be Below    2 MB

Is Bit-Exact With The Memory Limits Lifted
    Load Model    ${MODELS}/mobilenet_v2_quantized_1x3x224x224.tflite
    Ignore Memory Limits
    Random Input    seed=0
    Outputs Should Match Golden
    Run Keyword And Expect Error    peak SRAM is * MB (* bytes), the limit is 512.0 KB (524,288 bytes)
    ...    Peak SRAM Should Be Below    512 KB
