"""simtiny's Robot Framework library: ``Library    simtiny.robot`` in a suite.

Robot imports the class named like the module's last part, so `robot` is the library class;
`python -m robot.libdoc simtiny.robot docs/simtiny-robot-keywords.html` documents it.
"""

from simtiny.robot.library import SimtinyLibrary

robot = SimtinyLibrary

__all__ = ["SimtinyLibrary", "robot"]
