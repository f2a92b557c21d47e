"""Shared helpers: numpy-1 musicnn front end and a correct (bug-free) musicnn
graph runner. Used by make_musicnn_fixtures.py and bench_reference.py.

Why not musicnn.extractor.extractor():
  * for every batch after the first it concatenates the FIRST batch's
    cnn1/cnn2/cnn3 (it unpacks into midend1_.. but concatenates cnn1_..);
  * batch_data's `np.log10(10000 * mel.astype(np.float16) + 1)` overflows
    float16 under numpy 2 (10000*x computed in float16, inf for x > 6.55);
    numpy 1 promoted to float32. We reproduce numpy 1.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import librosa

SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
N_FRAMES = 187  # librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
MODELS = ["MTT_musicnn", "MSD_musicnn", "MTT_vgg", "MSD_vgg"]
MUSICNN_FEATURES = ["timbral", "temporal", "cnn1", "cnn2", "cnn3", "mean_pool", "max_pool", "penultimate"]
VGG_FEATURES = ["pool1", "pool2", "pool3", "pool4", "pool5"]


def compress_numpy1(mel_tf: np.ndarray) -> np.ndarray:
    m16 = mel_tf.astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000) * m16 + np.float32(1)).astype(np.float32)


def logmel_from_audio(y: np.ndarray) -> np.ndarray:
    mel = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS).T
    return compress_numpy1(mel)


def logmel_from_file(path: str) -> np.ndarray:
    y, _ = librosa.load(path, sr=SR)
    return logmel_from_audio(y)


def batch_windows(logmel: np.ndarray, n_frames=N_FRAMES, hop=N_FRAMES) -> np.ndarray:
    """musicnn batch_data: windows start at 0, hop, ... while start <= T - n_frames.
    (A trailing partial window is dropped; T < n_frames gives zero windows,
    where musicnn itself would crash.)"""
    starts = range(0, logmel.shape[0] - n_frames + 1, hop)
    return np.stack([logmel[s:s + n_frames] for s in starts]).astype(np.float32)


class Runner:
    """Builds musicnn.models.define_model like extractor() does and restores the
    package checkpoint. run(batch) feeds all windows in one batch, is_training=False."""

    def __init__(self, model: str, threads: int = 2):
        import tensorflow as tf
        tf.compat.v1.disable_eager_execution()
        from musicnn import models, configuration as config
        self.tf = tf
        self.model = model
        self.labels = config.MTT_LABELS if "MTT" in model else config.MSD_LABELS
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, N_MELS])
            self.is_training = tf.compat.v1.placeholder(tf.bool)
            outs = models.define_model(self.x, self.is_training, model, len(self.labels))
            y = outs[0]
            names = VGG_FEATURES if "vgg" in model else MUSICNN_FEATURES
            self.fetch = {"taggram": tf.nn.sigmoid(y)}
            self.fetch.update(dict(zip(names, outs[1:])))
        cfg = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads,
                                       inter_op_parallelism_threads=1)
        self.sess = tf.compat.v1.Session(config=cfg)
        self.sess.run(tf.compat.v1.global_variables_initializer())
        folder = os.path.join(os.path.dirname(models.__file__), model)
        tf.compat.v1.train.Saver().restore(self.sess, folder + "/")

    def run(self, batch: np.ndarray, features=True) -> dict:
        fetch = self.fetch if features else {"taggram": self.fetch["taggram"]}
        return self.sess.run(fetch, feed_dict={self.x: batch, self.is_training: False})

    def close(self):
        self.sess.close()
