/// The activation scales `s_a` of a musicnn network's int8 GEMMs (``InferencePrecision/int8``): each layer's input
/// is quantised as `clamp(round(a / s_a), −127, 127)`.
///
/// The front end's scale comes from the network's bounded input: the log-mel input is clamped to
/// `[0, inputMaximum]` and batch-normalised by a known affine map, so `s_a = max(|lo|, |hi|) / 127` of that range
/// never clips. The later layers' scales are `max |a| / 127` over calibration audio (``MusicnnModel/calibrated(patches:count:)``,
/// `--calibrate DIR`); a `nil` scale is taken from each chunk's own activations when it runs.
public struct Int8Calibration: Sendable, Codable, Hashable {
    /// Scale of the normalised input (all five front-end branches).
    public var frontend: Float
    /// Scales of the inputs of the three mid-end convolutions and the two dense layers.
    public var mid1: Float?, mid2: Float?, mid3: Float?, dense1: Float?, dense2: Float?

    public init(frontend: Float, mid1: Float? = nil, mid2: Float? = nil, mid3: Float? = nil,
                dense1: Float? = nil, dense2: Float? = nil) {
        self.frontend = frontend
        (self.mid1, self.mid2, self.mid3, self.dense1, self.dense2) = (mid1, mid2, mid3, dense1, dense2)
    }

    /// Whether every layer has a fixed scale (calibrated), rather than one taken from each chunk.
    public var isStatic: Bool { [mid1, mid2, mid3, dense1, dense2].allSatisfy { $0 != nil } }
}
