*** Settings ***
Documentation       The console UART as a stream both ways: a firmware that echoes what it receives
...                 on USART3 through the RXNE interrupt, driven line by line with simulated-time
...                 timeouts.
Resource            simtiny.resource
Suite Setup         Create Machine    stm32h743    memory_model=False


*** Test Cases ***
Echo Firmware Answers Each Line In Order
    ${elf}=    Build Firmware    ${FIRMWARE}/exceptions/uart_echo.c
    Load Firmware    ${elf}
    Wait For Line On Uart    ready    timeout=1 ms
    Write Line To Uart    hello
    ${line}=    Wait For Line On Uart    echo:    timeout=5 ms
    Should Be Equal    ${line}    echo: hello
    Write Line To Uart    quit
    Wait For Line On Uart    echo: quit    timeout=5 ms
    Firmware Should Exit With    2
    Reset Emulation
    Wait For Line On Uart    ready
    Run Keyword And Expect Error    no UART line contains 'echo'*
    ...    Wait For Line On Uart    echo
