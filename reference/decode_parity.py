"""Decode parity of GenreKit against librosa + ffmpeg on real-world file kinds (issue 11).

Makes the same kinds of files as Tests/GenreKitAudioTests/RealWorldAudioTests.swift, with the same Debian
encoders (ffmpeg, lame, sox, flac, opus-tools, vorbis-tools, wavpack; scripts/setup.sh installs them), in a
temporary folder, from the same 2-s synthesized chord (16-bit stereo 44.1 kHz unless noted). For each file:

  librosa.load(f, sr=16000)                 soundfile first; audioread's ffmpeg backend when soundfile fails
  genrekit decode f --out y.npy             the release build (swift build -c release --product genrekit)

and prints one row: kind | GenreKit reads (decoder) | librosa reads (backend) | same length | max abs diff.
Goal: <= 1e-6 where both use libsndfile, <= 1e-4 where both use FFmpeg. Extra files (e.g. musicnn's example
MP3s) can be given as arguments. Nothing is written to the repository unless --out is given.

    reference/.venv/bin/python reference/decode_parity.py [--genrekit .build/release/genrekit] [--out reference/decode_parity.txt] [FILE...]

reference/.venv: python3 -m venv reference/.venv && reference/.venv/bin/pip install librosa soundfile
(audioread comes with librosa; Debian's ffmpeg must be on PATH for its fallback).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np


def signal(rate, channels, seconds=2.0):
    """The chord of RealWorldFixtures.signal: int16, shape (n, channels)."""
    n = int(rate * seconds)
    t = np.arange(n, dtype=np.float64) / rate
    out = np.zeros((n, channels), dtype=np.int16)
    for c in range(channels):
        tremolo = 0.75 + 0.25 * np.sin(2 * np.pi * (1.5 + c) * t)
        v = 0.30 * np.sin(2 * np.pi * 220 * t + c) + 0.20 * np.sin(2 * np.pi * 554.37 * t + 0.5 * c) \
            + 0.10 * np.sin(2 * np.pi * 1318.5 * t)
        out[:, c] = np.round(v * tremolo * 32767).astype(np.int16)
    return out


def write_wav16(path, x, rate):
    import struct
    channels = x.shape[1]
    data = x.astype('<i2').tobytes()
    with open(path, 'wb') as f:
        f.write(b'RIFF' + struct.pack('<I', 36 + len(data)) + b'WAVEfmt ')
        f.write(struct.pack('<IHHIIHH', 16, 1, channels, rate, rate * channels * 2, channels * 2, 16))
        f.write(b'data' + struct.pack('<I', len(data)) + data)


def run(cmd, stdin=None, stdout=None):
    if shutil.which(cmd[0]) is None:
        sys.exit(f'{cmd[0]} is not installed: run bash scripts/setup.sh')
    subprocess.run(cmd, check=True, stdin=stdin, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE)


def ffmpeg(*args):
    run(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', *args])


def make_fixtures(d):
    """Returns [(kind, path)] in table order."""
    src = os.path.join(d, 'source.wav')
    write_wav16(src, signal(44100, 2), 44100)
    p = lambda name: os.path.join(d, name)
    files = []

    def add(kind, name):
        files.append((kind, p(name)))

    add('WAV PCM16 (source)', 'source.wav')
    run(['sox', src, '-b', '24', p('pcm24.wav')]); add('WAV 24-bit', 'pcm24.wav')
    run(['sox', src, '-e', 'floating-point', '-b', '32', p('float.wav')]); add('WAV float32', 'float.wav')
    ffmpeg('-i', src, '-c:a', 'pcm_s24le', p('extensible.wav')); add('WAVE_FORMAT_EXTENSIBLE', 'extensible.wav')
    ffmpeg('-i', src, '-rf64', 'always', p('rf64.wav')); add('RF64', 'rf64.wav')
    run(['sox', src, p('aiff.aiff')]); add('AIFF', 'aiff.aiff')
    ffmpeg('-i', src, '-c:a', 'pcm_s16le', '-f', 'aiff', p('aifc.aifc')); add('AIFC (sowt)', 'aifc.aifc')
    run(['flac', '-s', '-f', src, '-o', p('flac.flac')]); add('FLAC', 'flac.flac')
    raw = p('source.raw')
    run(['sox', src, '-t', 'raw', raw])
    with open(raw, 'rb') as fin, open(p('unknown.flac'), 'wb') as fout:
        run(['flac', '-s', '--force-raw-format', '--endian=little', '--sign=signed', '--channels=2', '--bps=16',
             '--sample-rate=44100', '-', '-o', '-'], stdin=fin, stdout=fout)
    add('FLAC unknown length', 'unknown.flac')
    run(['flac', '-s', '-f', '--ogg', src, '-o', p('oggflac.oga')]); add('Ogg-FLAC', 'oggflac.oga')
    ffmpeg('-i', src, '-c:a', 'alac', p('alac.m4a')); add('M4A ALAC', 'alac.m4a')
    run(['wavpack', '-q', '-y', src, '-o', p('wavpack.wv')]); add('WavPack', 'wavpack.wv')
    run(['lame', '--quiet', '-b', '192', src, p('cbr.mp3')]); add('MP3 CBR + Info tag', 'cbr.mp3')
    run(['lame', '--quiet', '-t', '-b', '192', src, p('cbr-t.mp3')]); add('MP3 CBR, no tag (lame -t)', 'cbr-t.mp3')
    run(['lame', '--quiet', '-V', '2', src, p('vbr.mp3')]); add('MP3 VBR + Xing tag', 'vbr.mp3')
    run(['lame', '--quiet', '-t', '-V', '2', src, p('vbr-t.mp3')]); add('MP3 VBR, no tag (lame -t)', 'vbr-t.mp3')
    for rate, br in ((22050, '64'), (8000, '24')):
        s = p(f'src{rate}.wav')
        write_wav16(s, signal(rate, 1), rate)
        run(['lame', '--quiet', '-b', br, s, p(f'mpeg{rate}.mp3')])
        add(f'MP3 MPEG-{"2" if rate == 22050 else "2.5"} {rate} Hz', f'mpeg{rate}.mp3')
    with open(p('cover.jpg'), 'wb') as f:
        f.write(bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + b'JFIF\0' + np.random.default_rng(0).bytes(600_000))
    run(['lame', '--quiet', '-b', '192', '--ti', p('cover.jpg'), src, p('id3pic.mp3')]); add('MP3 ID3v2 600 KB picture', 'id3pic.mp3')
    ffmpeg('-i', src, '-c:a', 'aac', '-b:a', '192k', p('aac.m4a')); add('M4A AAC', 'aac.m4a')
    ffmpeg('-i', src, '-c:a', 'aac', '-b:a', '192k', '-f', 'adts', p('adts.aac')); add('ADTS AAC', 'adts.aac')
    ffmpeg('-i', src, '-c:a', 'wmav2', '-b:a', '192k', p('wma.wma')); add('WMA (wmav2)', 'wma.wma')
    run(['opusenc', '--quiet', '--bitrate', '128', src, p('opus.opus')]); add('Ogg Opus', 'opus.opus')
    run(['oggenc', '-Q', '-q', '6', src, '-o', p('vorbis.ogg')]); add('Ogg Vorbis', 'vorbis.ogg')
    ffmpeg('-i', src, '-c:a', 'libvorbis', '-q:a', '6', '-f', 'webm', p('webm.webm')); add('WebM Vorbis', 'webm.webm')
    # Damaged kinds.
    def cut(name, out, frac=0.5):
        b = open(p(name), 'rb').read()
        open(p(out), 'wb').write(b[:int(len(b) * frac)])
    cut('cbr.mp3', 'cut.mp3'); add('cut MP3 (50 %)', 'cut.mp3')
    cut('flac.flac', 'cut.flac'); add('cut FLAC (50 %)', 'cut.flac')
    ffmpeg('-i', src, '-c:a', 'aac', '-b:a', '192k', '-movflags', '+faststart', p('fast.m4a'))
    cut('fast.m4a', 'cut.m4a'); add('cut M4A (50 %)', 'cut.m4a')
    junk = np.random.default_rng(1).bytes(20_000)
    open(p('junk.wav'), 'wb').write(open(src, 'rb').read() + junk); add('WAV + junk appended', 'junk.wav')
    open(p('junk.mp3'), 'wb').write(open(p('cbr.mp3'), 'rb').read() + junk); add('MP3 + junk appended', 'junk.mp3')
    w = bytearray(open(src, 'rb').read())
    w[4:8] = b'\xff\xff\xff\xff'; w[40:44] = b'\xff\xff\xff\xff'
    open(p('ffff.wav'), 'wb').write(w); add('WAV sizes 0xFFFFFFFF', 'ffff.wav')
    w = bytearray(open(src, 'rb').read())
    w[40:44] = (88200 * 4 * 2).to_bytes(4, 'little')
    open(p('long.wav'), 'wb').write(w); add('WAV data size > file', 'long.wav')
    x = signal(8000, 2, 1.0).astype(np.float32) / 32768
    import soundfile as sf
    for kind, bad in (('NaN', np.nan), ('Inf', np.inf)):
        y = x.copy(); y[6000, 1] = bad
        sf.write(p(f'{kind}.wav'), y, 8000, subtype='FLOAT'); add(f'float WAV with {kind}', f'{kind}.wav')
    open(p('zero.wav'), 'wb').close(); add('0 bytes', 'zero.wav')
    open(p('text.wav'), 'w').write('this is a text file, not audio\n'); add('text named .wav', 'text.wav')
    os.makedirs(p('folder.mp3'), exist_ok=True); add('a directory', 'folder.mp3')
    return files


def librosa_load(path):
    import librosa
    import soundfile as sf
    try:
        sf.info(path)
        backend = 'soundfile'
    except Exception:
        backend = 'audioread/ffmpeg'
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            y, _ = librosa.load(path, sr=16000)
        except Exception as e:  # noqa: BLE001 - the table records what failed
            return None, f'no ({type(e).__name__})'
    if not np.all(np.isfinite(y)):
        return y, f'{backend} (non-finite!)'
    return y, backend


def genrekit_decode(exe, path, tmp):
    out = os.path.join(tmp, 'y.npy')
    if os.path.exists(out):
        os.remove(out)
    r = subprocess.run([exe, 'decode', path, '--out', out], capture_output=True, text=True)
    err_lines = [l for l in r.stderr.splitlines() if l.strip()]
    if r.returncode != 0:
        msg = err_lines[-1] if err_lines else f'exit {r.returncode}'
        kind = msg.split(': ', 2)[-1].split(' (')[0].split(';')[0][:40]
        return None, f'no: {kind}', len(err_lines), r.returncode
    warned = any(l.startswith('warning:') for l in err_lines)
    import re
    m = re.search(r' Hz \((\w+)\) → ', r.stderr)   # genrekit decode's summary line names the decoder used
    decoder = m.group(1) if m else '?'
    return np.load(out), decoder + (' +warning' if warned else ''), len(err_lines), r.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--genrekit', default='.build/release/genrekit')
    ap.add_argument('--out')
    ap.add_argument('--batch', action='store_true',
                    help='also tag the whole fixture folder in one `genrekit tag DIR --format jsonl` and check its lines')
    ap.add_argument('files', nargs='*')
    a = ap.parse_args()
    exe = os.path.abspath(a.genrekit)
    if not os.path.exists(exe):
        sys.exit(f'{exe} missing: swift build -c release --product genrekit')
    tmp = tempfile.mkdtemp(prefix='genrekit-parity-')
    try:
        files = make_fixtures(tmp) + [(os.path.basename(f), os.path.abspath(f)) for f in a.files]
        rows = []
        header = ('kind', 'GenreKit reads', 'librosa+ffmpeg reads', 'same length', 'max abs diff', 'stderr lines')
        for kind, path in files:
            g, gk, nerr, rc = genrekit_decode(exe, path, tmp)
            l, lb = librosa_load(path)
            same = '-' if g is None or l is None else ('yes' if len(g) == len(l) else f'no ({len(g)} vs {len(l)})')
            if g is not None and l is not None and len(l) > 0:
                n = min(len(g), len(l))
                diff = f'{float(np.max(np.abs(g[:n].astype(np.float64) - l[:n]))):.3g}' if n else '-'
            else:
                diff = '-'
            rows.append((kind, gk, lb, same, diff, str(nerr)))
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        fmt = lambda r: ' | '.join(c.ljust(w) for c, w in zip(r, widths))
        import librosa
        import soundfile
        lines = [f'# librosa {librosa.__version__}, soundfile {soundfile.__version__} (libsndfile {soundfile.__libsndfile_version__}), '
                 + ' '.join(subprocess.run(['ffmpeg', '-version'], capture_output=True, text=True).stdout.split()[:3]),
                 fmt(header), '-|-'.join('-' * w for w in widths)] + [fmt(r) for r in rows]
        lines += ['', '# stderr lines: what genrekit decode printed (its one summary line, plus one warning line for a cut file).',
                  '# Intended differences: a streamed FLAC (unknown length) librosa cannot read (soundfile sizes its buffer',
                  '# from the missing length); an MP3 without Xing/Info tag whose libsndfile length estimate is too short:',
                  '# librosa (soundfile) stops at the estimate, GenreKit reads the whole stream (through FFmpeg).']
        text = '\n'.join(lines) + '\n'
        print(text, end='')
        if a.out:
            open(a.out, 'w').write(text)
        if a.batch:
            batch_check(exe, tmp, files, {kind: row for kind, row in zip([k for k, _ in files], rows)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def batch_check(exe, folder, files, rows):
    """One `genrekit tag FOLDER --format jsonl`: every file GenreKit decodes has its result line, every file it refuses
    its {"path", "error"} line, in path order, and the exit status is 1 (some files failed)."""
    import json
    r = subprocess.run([exe, 'tag', folder, '--format', 'jsonl', '--top', '1'], capture_output=True, text=True)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    by_path = {rec['path']: rec for rec in lines}
    print(f'\n# genrekit tag {os.path.basename(folder)}/ --format jsonl: exit {r.returncode}, {len(lines)} lines '
          f'({sum("error" not in x for x in lines)} tagged, {sum("error" in x for x in lines)} errors); '
          f'in path order: {[x["path"] for x in lines] == sorted(x["path"] for x in lines)}')
    problems = 0
    for kind, path in files:
        if not path.startswith(folder + os.sep):
            continue
        reads = not rows[kind][1].startswith('no')
        rec = by_path.get(path)
        if os.path.isdir(path) and (rec is None or 'error' in rec):
            # A folder named like an audio file is listed by the folder walk and refused, or searched (nothing in it).
            got, ok = 'folder: ' + ('searched, no line' if rec is None else 'error line: ' + rec['error'][len(path) + 2:][:48]), True
        elif rec is None:
            got, ok = 'NO LINE', False
        elif 'error' in rec:
            got, ok = 'error line: ' + rec['error'][len(path) + 2:][:60], not reads
        else:
            got, ok = f'tagged ({rec["top_tags"][0]["tag"]})', reads
        problems += not ok
        print(f'#   {kind:<40} {got}{"" if ok else "   <-- MISMATCH"}')
    print(f'# {problems} mismatches; exit status {r.returncode} (1 expected: some files fail)')


if __name__ == '__main__':
    main()
