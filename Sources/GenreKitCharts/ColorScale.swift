/// Colours for charts: a sequential scale for heat maps and a categorical palette for series.
public enum ColorScale {
    /// Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), then a few more.
    public static let categorical = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
                                     "#F0E442", "#000000", "#999999", "#8C564B", "#17BECF", "#BCBD22"]

    /// The `i`-th categorical colour (cycling).
    public static func category(_ i: Int) -> String { categorical[((i % categorical.count) + categorical.count) % categorical.count] }

    /// Sequential colour for `t` in [0, 1]: white → blue (`#f7fbff` → `#08306b`), linear in sRGB between five stops.
    public static func sequential(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        let a = stops[i], b = stops[i + 1]
        func c(_ u: Double, _ v: Double) -> Int { Int((u + (v - u) * f).rounded()) }
        return hex(c(a.0, b.0), c(a.1, b.1), c(a.2, b.2))
    }

    /// Text colour readable on ``sequential(_:)`` at `t`.
    public static func textOnSequential(_ t: Double) -> String { t > 0.55 ? "#ffffff" : "#222222" }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { v in String([digits[(v >> 4) & 15], digits[v & 15]]) }.joined()
    }
}
