*** Settings ***
Documentation       The four networks Table 3 of "Tiny Machine Learning: Progress and Futures"
...                 measures on the STM32H743, with the paper's architectures and random weights
...                 (simtiny/bench/models/README.md): bit-exact against LiteRT, within the board's
...                 2 MB of flash and 512 KB of SRAM, and within a latency budget. The memory
...                 model is on (latency is asserted); one random input per network. The latency
...                 limits are regression guards with headroom over today's portable C kernels.
Resource            simtiny.resource
Suite Setup         Create Machine    stm32h743
Test Template       Network Should Run On The Board


*** Test Cases ***                  MODEL                           SRAM        FLASH      LATENCY
mcunet-in4 At 160x160               mcunet-in4-r160.tflite          512 KB      2 MB       1.5 s
proxyless-w0.3 At 64x64             proxyless-w0.3-r64.tflite       64 KB       1 MB       150 ms
proxyless-w0.3 At 176x176           proxyless-w0.3-r176.tflite      320 KB      1 MB       1 s
mbv2-w0.3 At 64x64                  mbv2-w0.3-r64.tflite            96 KB       1 MB       150 ms


*** Keywords ***
Network Should Run On The Board
    [Arguments]    ${model}    ${sram}    ${flash}    ${latency}
    Load Model    ${PAPER}/${model}
    Random Input    seed=0
    Outputs Should Match Golden
    Model Should Fit
    Peak SRAM Should Be Below    ${sram}
    Flash Usage Should Be Below    ${flash}
    Latency Should Be Below    ${latency}
