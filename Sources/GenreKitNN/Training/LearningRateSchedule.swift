import Foundation

/// Step-indexed learning-rate schedules.
public enum LearningRateSchedule: Sendable, Equatable {
    /// `lr(t) = rate`.
    case constant(Float)
    /// TensorFlow's `cosine_decay`: with `t' = min(t, decaySteps)`,
    ///
    ///     lr(t) = initial · ((1 − α) · ½(1 + cos(π·t'/decaySteps)) + α)
    ///
    /// falling from `initial` at `t = 0` to `α·initial` at `decaySteps` and staying there.
    case cosine(initial: Float, decaySteps: Int, alpha: Float = 0)

    /// The rate at step `t ≥ 0`.
    public func rate(atStep t: Int) -> Float {
        switch self {
        case .constant(let r):
            return r
        case let .cosine(initial, decaySteps, alpha):
            precondition(decaySteps > 0, "cosine schedule: decaySteps \(decaySteps)")
            let f = Double(Swift.min(Swift.max(t, 0), decaySteps)) / Double(decaySteps)
            let cosine = 0.5 * (1 + cos(Double.pi * f))
            return Float(Double(initial) * ((1 - Double(alpha)) * cosine + Double(alpha)))
        }
    }
}

/// Keras's `ReduceLROnPlateau` for a metric to minimise (e.g. validation loss).
///
/// At each evaluation: a running cooldown counter is first decremented (resetting the wait);
/// then if `metric < best − minDelta` the metric improved (`best ← metric`, wait reset);
/// otherwise, once the cooldown counter is 0, the wait grows, and when it reaches `patience`
/// the rate becomes `max(rate · factor, minRate)`, the wait resets and the cooldown counter is
/// set to `cooldown`.
public struct ReduceLROnPlateau: Sendable, Equatable {
    public private(set) var learningRate: Float
    public let factor: Float
    public let patience: Int
    public let minDelta: Float
    public let cooldown: Int
    public let minRate: Float
    public private(set) var best: Float = .infinity
    public private(set) var wait = 0
    public private(set) var cooldownLeft = 0

    public init(initial: Float, factor: Float = 0.1, patience: Int = 10, minDelta: Float = 1e-4,
                cooldown: Int = 0, minRate: Float = 0) {
        precondition(factor > 0 && factor < 1 && patience >= 0 && cooldown >= 0,
                     "ReduceLROnPlateau: factor \(factor), patience \(patience), cooldown \(cooldown)")
        self.learningRate = initial
        self.factor = factor
        self.patience = patience
        self.minDelta = minDelta
        self.cooldown = cooldown
        self.minRate = minRate
    }

    /// Records one evaluation and returns the (possibly reduced) rate.
    @discardableResult
    public mutating func update(metric: Float) -> Float {
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            wait = 0
        }
        if metric < best - minDelta {
            best = metric
            wait = 0
        } else if cooldownLeft == 0 {
            wait += 1
            if wait >= patience {
                if learningRate > minRate {
                    learningRate = Swift.max(learningRate * factor, minRate)
                    cooldownLeft = cooldown
                }
                wait = 0
            }
        }
        return learningRate
    }
}
