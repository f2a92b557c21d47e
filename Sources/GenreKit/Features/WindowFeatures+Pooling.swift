import GenreKitNN

extension WindowFeatures {
    /// These rows mean-pooled into the windows of `target` (their starts and length; its values are not used):
    /// row `i` of the result is the mean of the rows `j` whose window centre lies in target window `i`,
    ///
    ///     cⱼ = windowStarts[j] + windowSeconds / 2,    row i = mean { row j : startᵢ ≤ cⱼ < startᵢ + length }
    ///
    /// (for YAMNet rows cⱼ = 0.48·j + 0.4875 s). A target window that holds no centre (possible only when it is
    /// shorter than this feature's hop) takes the row whose centre is nearest its own centre (the earlier on a tie).
    /// The result has the target's window starts and length. How a combined spec pools YAMNet into musicnn's windows
    /// (``CombinedFeatureSpec``).
    public func meanPooled(into target: WindowFeatures) -> WindowFeatures {
        let d = dimension, n = target.windowCount
        let centres = windowStarts.map { $0 + windowSeconds / 2 }
        var values = [Float](repeating: 0, count: n * d)
        matrix.values.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let lo = target.windowStarts[i], hi = lo + target.windowSeconds
                    var members = centres.indices.filter { lo <= centres[$0] && centres[$0] < hi }
                    if members.isEmpty, !centres.isEmpty {
                        let mid = lo + target.windowSeconds / 2
                        members = [centres.indices.min { abs(centres[$0] - mid) < abs(centres[$1] - mid) }!]
                    }
                    guard !members.isEmpty else { continue }
                    let row = out.baseAddress! + i * d
                    for j in members { for c in 0..<d { row[c] += src[j * d + c] } }
                    let scale = 1 / Float(members.count)
                    for c in 0..<d { row[c] *= scale }
                }
            }
        }
        return WindowFeatures(matrix: Tensor(shape: [n, d], values: values), windowStarts: target.windowStarts,
                              windowSeconds: target.windowSeconds)
    }
}
