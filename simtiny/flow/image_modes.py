"""How an image file becomes a model input (flow/inputs.py), named apart so that the command
line can offer the choices without importing numpy.

"pixels" (the default, for ordinary pictures): int8 inputs take p - 128, uint8 inputs take p,
float32 inputs take p / 255. "raw": the image's bytes are the input's bytes (int8 or uint8).
"""

IMAGE_MODES = ("pixels", "raw")
IMAGE_SUFFIXES = (".bmp", ".png")
