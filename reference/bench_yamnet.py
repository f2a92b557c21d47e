"""tf.lite.Interpreter timing for genrekit-bench yamnet: the same windows as YAMNetModel (15600 samples every 7680,
the last zero-padded), one invoke per window, warm, median of REPEAT runs; XNNPACK (the default) and the reference
kernels (BUILTIN_WITHOUT_DEFAULT_DELEGATES), each with THREADS threads. Prints one JSON line: the median wall time
of each back end, and (key + "_cpu") the median CPU time of the whole process (all threads) over the same runs.

usage: bench_yamnet.py WAVEFORM.npy MODEL.tflite THREADS REPEAT
"""
import json
import sys
import time

import numpy as np
import tensorflow as tf

wave = np.load(sys.argv[1]).astype(np.float32)
model, threads, repeat = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
W, H = 15600, 7680
count = 1 + max(0, -(-(len(wave) - W) // H))
windows = np.zeros((count, W), np.float32)
for k in range(count):
    part = wave[k * H:k * H + W]
    windows[k, :len(part)] = part

result = {"windows": count}
for name, kind in [("xnnpack", tf.lite.experimental.OpResolverType.AUTO),
                   ("builtin", tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)]:
    ip = tf.lite.Interpreter(model_path=model, num_threads=threads, experimental_op_resolver_type=kind)
    ip.allocate_tensors()
    inp, out = ip.get_input_details()[0]["index"], ip.get_output_details()[0]["index"]

    def run():
        for w in windows:
            ip.set_tensor(inp, w)
            ip.invoke()
            ip.get_tensor(out)

    run()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    result[name] = sorted(times)[len(times) // 2]
    result[name + "_cpu"] = sorted(cpu)[len(cpu) // 2]
print(json.dumps(result))
