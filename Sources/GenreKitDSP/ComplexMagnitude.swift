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
