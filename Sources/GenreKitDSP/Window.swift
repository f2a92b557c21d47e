import Foundation

/// Analysis windows.
public enum Window {
    /// Periodic ("DFT-even") Hann window of length `n`, as `scipy.signal.get_window("hann", n, fftbins=True)`:
    /// `w[k] = 0.5 − 0.5·cos(2πk/n)`, evaluated the way SciPy does (`0.5 + 0.5·cos(φ_k)`, `φ = linspace(−π, π, n+1)`)
    /// so the float64 values agree bit for bit.
    public static func hann(_ n: Int) -> [Double] {
        guard n > 1 else { return [Double](repeating: 1, count: max(n, 0)) }
        let m = n + 1
        let step = (Double.pi - (-Double.pi)) / Double(m - 1)
        return (0..<n).map { k in
            let phi = Double(k) * step + (-Double.pi)
            return 0.5 + 0.5 * cos(phi)
        }
    }
}
