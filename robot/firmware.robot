*** Settings ***
Documentation       Firmware built from C with simtiny's start-up code and HAL, run on the
...                 simulated STM32H743: what it prints on USART3, how it exits, what it uses.
Resource            simtiny.resource
Suite Setup         Create Machine    stm32h743    memory_model=False


*** Test Cases ***
Hello Prints On The UART And Exits With 7
    ${elf}=    Build Firmware    ${FIRMWARE}/hello.c
    Load Firmware    ${elf}
    Start Emulation
    Wait For Line On Uart    hello from USART3
    Reset Emulation
    ${line}=    Wait For Line On Uart    ^hello from \\w+$    treatAsRegex=True
    Should Be Equal    ${line}    hello from USART3
    Should Not Be On Uart    hello from semihosting
    Firmware Should Exit With    7

Hello Is Small And Quick
    ${elf}=    Build Firmware    ${FIRMWARE}/hello.c    optimize=s
    Load Firmware    ${elf}
    Flash Usage Should Be Below    32 KB
    Stack Usage Should Be Below    1 KB
    Peak SRAM Should Be Below    8 KB
    Latency Should Be Below    5 ms
    Cycles Should Be Below    1M

Stack Usage Is Measured
    ${elf}=    Build Firmware    ${FIRMWARE}/stack_depth.c
    Load Firmware    ${elf}
    Firmware Should Exit With    0
    ${sram}=    Get Peak SRAM
    Should Be True    ${sram} > 1024
    Run Keyword And Expect Error    stack usage is * bytes), the limit is 512 bytes
    ...    Stack Usage Should Be Below    512

Faults Say What And Where
    ${elf}=    Build Firmware    ${FIRMWARE}/fault_flash.c
    Load Firmware    ${elf}
    Firmware Should Fault    write to read-only memory
    ${elf}=    Build Firmware    ${FIRMWARE}/undefined.c
    Load Firmware    ${elf}
    Firmware Should Fault    undefined instruction
