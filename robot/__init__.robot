*** Settings ***
Documentation       simtiny's acceptance suites: every model in tests/data/models, the paper's
...                 networks in simtiny/bench/models, firmware on the simulated UART, and negative
...                 cases that must fail with their stated message. Run from the repository with
...                 ``python3 -m robot --outputdir build/robot robot/`` (log and report land in
...                 build/robot). Suites that assert no timing use ideal memory (about five times
...                 faster to simulate); suites with a latency keyword use the memory model.
