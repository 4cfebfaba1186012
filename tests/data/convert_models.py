"""Convert the test models simtiny makes itself with TensorFlow, with fixed seeds: Keras layers
through the TFLite converter, as users export theirs.

- dynamic_batch_reshape_int8.tflite: Dense, Reshape((-1,)), Dense on a [batch, 16, 15] input,
  exported with the batch left dynamic, full int8. The converter computes both RESHAPE shapes at
  run time (SHAPE -> GATHER -> REDUCE_PROD -> CONCATENATION/PACK) and declares [1, 1] where the
  model runs [16, 15].
- int16x8_conv_fc_softmax.tflite: Conv2D (relu), Flatten, Dense, Softmax on [1, 12, 12, 3],
  converted in the converter's 16x8 mode (int16 activations, int8 weights), int16 in and out.
- int16x8_residual.tflite: a MobileNet-style block in the same mode: Conv2D stride 2 (relu6),
  DepthwiseConv2D (relu6), a 1x1 Conv2D added back to its input, GlobalAveragePooling2D (MEAN),
  Dense, Softmax on [1, 16, 16, 3].
- int16x8_gates.tflite: a gated unit in the same mode: Dense (tanh) times Dense (sigmoid), then
  Dense, on [1, 16]: LOGISTIC and TANH int16, MUL int16, FULLY_CONNECTED 16x8.
- int16x8_float_io.tflite: Conv2D (relu), Flatten, Dense on [1, 8, 8, 2] in the same mode with the
  converter's default float32 input and output: QUANTIZE float32 -> int16 first, DEQUANTIZE int16
  -> float32 last.
- layer_norm_int8.tflite: Dense then LayerNormalization on [1, 6, 16], full int8: the converter
  writes the normalisation as MEAN, SQUARED_DIFFERENCE, RSQRT, MUL and ADD, with a NEG left in
  float32 between DEQUANTIZE and QUANTIZE.
- attention_int8.tflite: Keras MultiHeadAttention (2 heads of 8) on [1, 6, 16], full int8:
  FULLY_CONNECTED, RESHAPE, TRANSPOSE, SOFTMAX and two BATCH_MATMUL.
- upsample_int8.tflite: Conv2DTranspose (stride 2, relu) then Conv2D on [1, 6, 6, 4], full int8:
  TRANSPOSE_CONV, RELU, CONV_2D.
- if_int8.tflite: a tf.function with tf.cond on [1, 8], full int8: a dense layer, then on the sign
  of its first value another dense layer and a ReLU, or the values halved. The converter writes
  IF with two branch subgraphs that quantize inside (BATCH_MATMUL, ADD; MUL), the condition from
  STRIDED_SLICE and GREATER.
- while_int8.tflite: a tf.function with tf.while_loop on [1, 8], full int8: three turns of a dense
  layer and ReLU6. The converter writes WHILE with a LESS condition and a body that counts with
  an int32 ADD around a FULLY_CONNECTED.
- ssd_head_int8.tflite: an SSD detector's end on [1, 8] features, full int8 up to the boxes and
  scores (two dense layers, the scores through a sigmoid), then TFLite_Detection_PostProcess over
  64 anchors of 3 classes and a background, fast NMS: the custom operator as TensorFlow's object
  detection export makes it, a tf.function that `experimental_implements` it, fused by the
  converter (allow_custom_ops). The converter declares its four outputs with shape [].
- sine_int8.tflite: Dense, sin, Dense on [1, 16], int8 with float fallback (supported_ops adds
  TFLITE_BUILTINS): the SIN stays float32 between DEQUANTIZE and QUANTIZE. simtiny refuses a
  float transcendental, whose value depends on the C library (the model of the tests of that
  refusal).
- digits_int8.tflite and digits_float.tflite: a small classifier trained here on scikit-learn's
  bundled 8x8 digits (no download): Conv2D (relu), MaxPooling2D, Flatten, Dense, Softmax on
  [1, 8, 8, 1] pixels scaled to [0, 1], trained on the first 1,200 images (fixed seed, op
  determinism), then converted twice: full int8 (its representative set the training images) and
  float32, the model `simtiny validate --float-model` compares with.

Needs the `models` extra (TensorFlow) and scikit-learn. Run from the repository's root:
    python tests/data/convert_models.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "models"


def convert(
    model, shape: tuple[int, ...], path: Path, int16: bool = False, float_fallback: bool = False, float_io: bool = False
) -> None:
    """Full-integer conversion with a fixed representative set; int16: the 16x8 mode;
    float_fallback: operators without an int8 kernel left in float32; float_io: the inputs and
    outputs left float32 (the converter's default), with QUANTIZE and DEQUANTIZE at the edges."""
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def representative():
        for _ in range(64):
            yield [rng.uniform(-1, 1, (1, *shape)).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    if int16:
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8
        ]
        if not float_io:
            converter.inference_input_type = converter.inference_output_type = tf.int16
    else:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if float_fallback:
            converter.target_spec.supported_ops.append(tf.lite.OpsSet.TFLITE_BUILTINS)
        converter.inference_input_type = converter.inference_output_type = tf.int8
    path.write_bytes(converter.convert())
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


def convert_function(module, shape: tuple[int, ...], path: Path, custom: bool = False) -> None:
    """Full-integer conversion of a tf.Module's tf.function (control flow, which Keras layers
    do not write), with the same fixed representative set as convert; custom: the detection
    head's, whose fused custom operator computes in float32 (float outputs, builtins allowed)."""
    import tensorflow as tf

    rng = np.random.default_rng(0)

    def representative():
        for _ in range(64):
            yield [rng.uniform(-1, 1, (1, *shape)).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    if custom:
        converter.target_spec.supported_ops.append(tf.lite.OpsSet.TFLITE_BUILTINS)
        converter.allow_custom_ops = True
    else:
        converter.inference_output_type = tf.int8
    path.write_bytes(converter.convert())
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


def control_flow_modules():
    """The tf.Modules of if_int8 and while_int8: dense layers of constant weights (variables read
    inside a branch or a loop would stay resource variables), seeded."""
    import tensorflow as tf

    def dense(rng: np.random.Generator, n: int):
        w = tf.constant(rng.normal(0, 0.5, (n, n)).astype(np.float32))
        b = tf.constant(rng.normal(0, 0.1, (n,)).astype(np.float32))
        return lambda v: tf.matmul(v, w) + b

    class Gated(tf.Module):
        def __init__(self, rng: np.random.Generator) -> None:
            super().__init__()
            self.first, self.then = dense(rng, 8), dense(rng, 8)

        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
        def __call__(self, x):
            y = self.first(x)
            return tf.cond(y[0, 0] > 0.0, lambda: tf.nn.relu(self.then(y)), lambda: y * 0.5)

    class Repeated(tf.Module):
        def __init__(self, rng: np.random.Generator) -> None:
            super().__init__()
            self.dense = dense(rng, 8)

        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
        def __call__(self, x):
            def body(i, h):
                return i + 1, tf.nn.relu6(self.dense(h))

            _, h = tf.while_loop(lambda i, h: i < 3, body, [tf.constant(0), x])
            return h

    return Gated(np.random.default_rng(7)), Repeated(np.random.default_rng(8))


def detection_module():
    """The tf.Module of ssd_head_int8: its post-processing a placeholder tf.function that names
    TFLite_Detection_PostProcess and its options, for the converter to replace (seeded)."""
    import tensorflow as tf

    rng = np.random.default_rng(9)
    n, k = 64, 4  # anchors; classes with the background
    anchors = np.concatenate([rng.uniform(0, 1, (n, 2)), rng.uniform(0.05, 0.5, (n, 2))], axis=1).astype(np.float32)
    options = {
        "max_detections": 10,
        "max_classes_per_detection": 1,
        "use_regular_nms": False,
        "nms_score_threshold": 0.3,
        "nms_iou_threshold": 0.5,
        "num_classes": k - 1,
        "y_scale": 10.0,
        "x_scale": 10.0,
        "h_scale": 5.0,
        "w_scale": 5.0,
    }

    def attr(key: str, value: object) -> str:
        kind = "b" if isinstance(value, bool) else "i" if isinstance(value, int) else "f"
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return f'attr {{ key: "{key}" value {{ {kind}: {text} }} }}'

    signature = " ".join(['name: "TFLite_Detection_PostProcess"', *(attr(key, v) for key, v in options.items())])

    @tf.function(experimental_implements=signature)
    def postprocess(box_encodings, class_predictions, anchor_boxes):
        return tuple(tf.constant(0.0, dtype=tf.float32, name=name) for name in ("boxes", "classes", "scores", "count"))

    class Head(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.boxes = tf.constant(rng.normal(0, 0.3, (8, n * 4)).astype(np.float32))
            self.scores = tf.constant(rng.normal(0, 0.6, (8, n * k)).astype(np.float32))

        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32)])
        def __call__(self, x):
            boxes = tf.reshape(tf.matmul(x, self.boxes), [1, n, 4])
            scores = tf.sigmoid(tf.reshape(tf.matmul(x, self.scores), [1, n, k]))
            return postprocess(boxes, scores, tf.constant(anchors))

    return Head()


def digits_models() -> None:
    """digits_int8 and digits_float: trained on scikit-learn's digits, converted int8 and float."""
    import tensorflow as tf
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]
    train, labels = images[:1200], digits.target[:1200]
    tf.keras.utils.set_random_seed(7)
    tf.config.experimental.enable_op_determinism()
    inputs = tf.keras.Input(shape=(8, 8, 1), batch_size=1)
    x = tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = tf.keras.layers.MaxPooling2D(2)(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(10)(x)
    x = tf.keras.layers.Softmax()(x)
    model = tf.keras.Model(inputs, x)
    trainer = tf.keras.Model(inputs, x)
    trainer.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    trainer.fit(train, labels, batch_size=32, epochs=30, shuffle=False, verbose=0)

    def representative():
        for image in train[:256]:
            yield [image[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = converter.inference_output_type = tf.int8
    for path, data in ((OUT / "digits_int8.tflite", converter.convert()),
                       (OUT / "digits_float.tflite", tf.lite.TFLiteConverter.from_keras_model(model).convert())):
        path.write_bytes(data)
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


def int16_gates() -> None:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(9)
    inputs = tf.keras.Input(shape=(16,))
    h = tf.keras.layers.Dense(16, activation="tanh")(inputs)
    g = tf.keras.layers.Dense(16, activation="sigmoid")(inputs)
    x = tf.keras.layers.Multiply()([h, g])
    x = tf.keras.layers.Dense(4)(x)
    convert(tf.keras.Model(inputs, x), (16,), OUT / "int16x8_gates.tflite", int16=True)

    tf.keras.utils.set_random_seed(10)
    inputs = tf.keras.Input(shape=(8, 8, 2))
    x = tf.keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(3)(x)
    convert(tf.keras.Model(inputs, x), (8, 8, 2), OUT / "int16x8_float_io.tflite", int16=True, float_io=True)


def main() -> None:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    inputs = tf.keras.Input(shape=(16, 15))
    x = tf.keras.layers.Dense(8)(inputs)
    x = tf.keras.layers.Reshape((-1,))(x)
    x = tf.keras.layers.Dense(4)(x)
    convert(tf.keras.Model(inputs, x), (16, 15), OUT / "dynamic_batch_reshape_int8.tflite")

    tf.keras.utils.set_random_seed(1)
    inputs = tf.keras.Input(shape=(12, 12, 3))
    x = tf.keras.layers.Conv2D(8, 3, strides=2, activation="relu")(inputs)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(10)(x)
    x = tf.keras.layers.Softmax()(x)
    convert(tf.keras.Model(inputs, x), (12, 12, 3), OUT / "int16x8_conv_fc_softmax.tflite", int16=True)

    tf.keras.utils.set_random_seed(2)
    inputs = tf.keras.Input(shape=(16, 16, 3))
    x = tf.keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu6")(inputs)
    y = tf.keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    y = tf.keras.layers.Conv2D(8, 1)(y)
    x = tf.keras.layers.Add()([x, y])
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    x = tf.keras.layers.Dense(5)(x)
    x = tf.keras.layers.Softmax()(x)
    convert(tf.keras.Model(inputs, x), (16, 16, 3), OUT / "int16x8_residual.tflite", int16=True)
    int16_gates()

    tf.keras.utils.set_random_seed(3)
    inputs = tf.keras.Input(shape=(6, 16), batch_size=1)
    x = tf.keras.layers.Dense(16)(inputs)
    x = tf.keras.layers.LayerNormalization()(x)
    convert(tf.keras.Model(inputs, x), (6, 16), OUT / "layer_norm_int8.tflite")

    tf.keras.utils.set_random_seed(4)
    inputs = tf.keras.Input(shape=(6, 16), batch_size=1)
    x = tf.keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)(inputs, inputs)
    convert(tf.keras.Model(inputs, x), (6, 16), OUT / "attention_int8.tflite")

    tf.keras.utils.set_random_seed(5)
    inputs = tf.keras.Input(shape=(6, 6, 4), batch_size=1)
    x = tf.keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(inputs)
    x = tf.keras.layers.Conv2D(3, 3, padding="same")(x)
    convert(tf.keras.Model(inputs, x), (6, 6, 4), OUT / "upsample_int8.tflite")

    tf.keras.utils.set_random_seed(6)
    inputs = tf.keras.Input(shape=(16,), batch_size=1)
    x = tf.keras.layers.Dense(16)(inputs)
    x = tf.keras.layers.Lambda(tf.sin)(x)
    x = tf.keras.layers.Dense(4)(x)
    convert(tf.keras.Model(inputs, x), (16,), OUT / "sine_int8.tflite", float_fallback=True)

    gated, repeated = control_flow_modules()
    convert_function(gated, (8,), OUT / "if_int8.tflite")
    convert_function(repeated, (8,), OUT / "while_int8.tflite")
    convert_function(detection_module(), (8,), OUT / "ssd_head_int8.tflite", custom=True)
    digits_models()


if __name__ == "__main__":
    main()
