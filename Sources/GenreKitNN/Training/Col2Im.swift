/// col2im: the adjoint of `Im2Col.fill`, folding patch-matrix rows back onto the image.
///
/// For rows `firstRow ..< firstRow + rows` of an im2col matrix (row `m = (n·oh + y)·ow + x`,
/// row stride `K = kh·kw·c`, columns row-major in `i, j, c`):
///
///     dx[n, y·sh − pt + i, x·sw − pl + j, ch] += dcol[m, (i·kw + j)·c + ch]
///
/// for every in-bounds position (positions in the zero padding are dropped). Overlapping patches
/// accumulate, so `dx` must be zeroed (or hold a partial sum) before the first call.
public enum Col2Im {
    public static func accumulate(_ dcol: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                  h: Int, w: Int, c: Int, kh: Int, kw: Int, sh: Int, sw: Int,
                                  pt: Int, pl: Int, oh: Int, ow: Int, firstRow: Int, rows: Int) {
        let k = kh * kw * c
        let rowLen = kw * c
        let perImage = oh * ow
        if rows == 0 || perImage == 0 { return }
        var n = firstRow / perImage
        var y = (firstRow % perImage) / ow
        var xo = firstRow % ow
        for r in 0..<rows {
            let src = dcol + r * k
            let img = dx + n * h * w * c
            let iw0 = xo * sw - pl
            let fullRow = iw0 >= 0 && iw0 + kw <= w
            for i in 0..<kh {
                let ih = y * sh - pt + i
                if ih < 0 || ih >= h { continue }
                let s = src + i * rowLen
                if fullRow {
                    let d = img + (ih * w + iw0) * c
                    for e in 0..<rowLen { d[e] += s[e] }
                } else {
                    for j in 0..<kw {
                        let iw = iw0 + j
                        if iw < 0 || iw >= w { continue }
                        let d = img + (ih * w + iw) * c
                        let sj = s + j * c
                        for ch in 0..<c { d[ch] += sj[ch] }
                    }
                }
            }
            xo += 1
            if xo == ow { xo = 0; y += 1; if y == oh { y = 0; n += 1 } }
        }
    }
}
