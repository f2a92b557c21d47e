"""Small TensorFlow Lite models with YAMNet's operators, as seeds for scripts/fuzz-tflite.sh.

    TF_USE_LEGACY_KERAS=1 python reference/make_tflite_seeds.py OUT_DIR

Writes tiny.tflite (float weights) and tiny-hybrid.tflite (dynamic-range int8 weights, as yamnet.tflite): a 400-sample
waveform → framing (GATHER), RFFT2D, COMPLEX_ABS, MUL, LOG, RESHAPE, PAD, CONV_2D, DEPTHWISE_CONV_2D, MEAN,
FULLY_CONNECTED, LOGISTIC. Each under 30 KB (the hybrid one quantizes the layers of ≥ 1024 weights, as the converter does), so the fuzzer's mutations run thousands of times a second. Also prints
each model's operator list.
"""
import os
import sys

import numpy as np
import tensorflow as tf

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)

frame_index = (np.arange(9)[:, None] * 40 + np.arange(64)[None, :]).astype(np.int32)   # 9 frames of 64, hop 40
conv = tf.constant(rng.normal(size=(3, 3, 1, 128)).astype(np.float32))
dw = tf.constant(rng.normal(size=(3, 3, 128, 1)).astype(np.float32))
pw = tf.constant(rng.normal(size=(1, 1, 128, 48)).astype(np.float32))
dense = tf.constant(rng.normal(size=(48, 40)).astype(np.float32))
bias = tf.constant(rng.normal(size=(40,)).astype(np.float32))


@tf.function(input_signature=[tf.TensorSpec([400], tf.float32)])
def tiny(wave):
    frames = tf.gather(wave, frame_index)                                 # [9, 64]
    spec = tf.abs(tf.signal.rfft(frames, fft_length=[64]))                # [9, 33]
    mel = tf.math.log(spec * 0.5)
    x = tf.reshape(mel, [1, 9, 33, 1])
    x = tf.pad(x, [[0, 0], [0, 2], [1, 0], [0, 0]])
    x = tf.nn.relu(tf.nn.conv2d(x, conv, strides=2, padding="VALID"))
    x = tf.nn.depthwise_conv2d(x, dw, strides=[1, 1, 1, 1], padding="SAME")
    x = tf.nn.relu(tf.nn.conv2d(x, pw, strides=1, padding="SAME"))
    e = tf.reduce_mean(x, axis=[1, 2])                                     # [1, 48]
    return tf.sigmoid(tf.matmul(e, dense) + bias)


for name, optimize in [("tiny", False), ("tiny-hybrid", True)]:
    conv_ = tf.lite.TFLiteConverter.from_concrete_functions([tiny.get_concrete_function()], tiny)
    if optimize:
        conv_.optimizations = [tf.lite.Optimize.DEFAULT]
        conv_._experimental_disable_per_channel = False
    data = conv_.convert()
    path = os.path.join(out, name + ".tflite")
    open(path, "wb").write(data)
    interp = tf.lite.Interpreter(model_path=path)
    ops = sorted({d["op_name"] for d in interp._get_ops_details()})
    print(f"{path}: {len(data)} bytes, ops {', '.join(ops)}")
