import CVectorKernels

/// `|z|` of a complex64 value computed the way NumPy 2 does on x86-64 and ARM64 (its SIMD `absolute` kernel for
/// complex64, used on every CPU with FMA): with `a = max(|re|, |im|)`, `b = min(|re|, |im|)`,
/// `|z| = a · sqrt(fma(b/a, b/a, 1))` in float32 (and 0 when `a = 0`).
///
/// This differs from a correctly rounded `hypotf` in the last bit for about a third of values, which is enough
/// to change librosa's mel power in the last bit and to flip musicnn's float16 rounding; matching it makes the
/// GenreKit front end bit-identical to librosa's.
@inline(__always)
public func numpyComplexMagnitude(_ re: Float, _ im: Float) -> Float {
    let x = abs(re), y = abs(im)
    let larger = max(x, y), smaller = min(x, y)
    if larger == 0 || smaller.isInfinite { return larger == 0 ? 0 : .infinity }
    let ratio = smaller / larger
    return larger * Float(1).addingProduct(ratio, ratio).squareRoot()   // fma(ratio, ratio, 1)
}

/// `out[k] = m·m` in float32 with `m = numpyComplexMagnitude(Float(re[k]), Float(im[k]))` for `k < count`: the
/// power spectrum of complex64 values given as float64 parts, as NumPy computes `np.abs(stft)**2`. The same values
/// as that loop, computed by `genrekit_numpy_power` (C, built for AVX-512F, AVX2 and baseline x86-64 and chosen at
/// load) 16 bins at a time.
@inline(__always)
public func numpyComplexPower(re: UnsafePointer<Double>, im: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Float>) {
    genrekit_numpy_power(re, im, count, out)
}
