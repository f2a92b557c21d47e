import GenreKitModels
import GenreKitNN

/// Settings of a fine-tuning run (``FineTuner``). Defaults follow seed paper 003 and musicnn's training set-up:
/// 4 random 3-s segments per training song and epoch, batches of 32, Adam with learning rate 1e-3 and weight
/// decay 1e-5 (L2 on kernels), dropout 0.5, up to 150 epochs keeping the epoch with the lowest validation loss.
public struct FineTuneOptions: Sendable, Codable {
    /// The first trained part (the output layer is always new and trained).
    public var stage: FineTuneStage = .head
    public var epochs = 150
    public var segmentsPerSong = 4
    public var batchSize = 32
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-5
    public var optimizer: OptimizerChoice = .adam
    /// Momentum of SGD (ignored by Adam).
    public var momentum: Float = 0.9
    public var schedule: ScheduleChoice = .constant
    /// Global-norm gradient clipping (nil: none).
    public var clipNorm: Float?
    /// Stop when the validation loss has not improved for this many epochs (nil: run all epochs).
    public var patience: Int? = 20
    public var seed: UInt64 = 0
    /// Dropout before the penultimate and output layers (musicnn: 0.5).
    public var dropout: Float = 0.5
    /// Hop in seconds of the grid of candidate segments whose frozen features are computed once and cached
    /// (stages `head`, `backend`, `midend` without input augmentation); `all` draws segments at any frame.
    public var segmentHop: Double = 1
    public var augmentation = Augmentation()
    public var balance: Balance = .none
    /// Number format of the trained part's forward and backward GEMMs: fp32 (default), or bf16 (operands rounded to
    /// bfloat16, float32 sums; weights, optimiser state, loss and batch-norm statistics stay float32). bf16 runs fp32
    /// on a CPU without AVX512-BF16 (``InferencePrecision/effectiveHere``); int8 is refused. Not stored in the model
    /// file (``CodingKeys``): it changes how the run computed, not what the model is.
    public var precision: InferencePrecision = .fp32

    public init() {}

    /// Every setting but ``precision``.
    enum CodingKeys: String, CodingKey {
        case stage, epochs, segmentsPerSong, batchSize, learningRate, weightDecay, optimizer, momentum, schedule, clipNorm
        case patience, seed, dropout, segmentHop, augmentation, balance
    }

    public enum OptimizerChoice: String, Sendable, Codable, CaseIterable { case adam, sgd }
    /// `constant`; `cosine` decay to 0 over all steps (TF `cosine_decay`); `plateau`: ×0.1 after 5 epochs without a
    /// better validation loss (Keras `ReduceLROnPlateau`).
    public enum ScheduleChoice: String, Sendable, Codable, CaseIterable { case constant, cosine, plateau }
    /// Class imbalance: `oversample` draws training songs with probability ∝ 1/(songs of their class); `weights`
    /// weights the loss by `n/(k·n_c)` (scikit-learn's "balanced").
    public enum Balance: String, Sendable, Codable, CaseIterable { case none, oversample, weights }

    /// Training-time data augmentation, all off by default.
    public struct Augmentation: Sendable, Codable, Equatable {
        /// SpecAugment (Park et al. 2019): one time mask of up to this many frames and one frequency mask of up
        /// to ``frequencyMask`` mel bands per segment, set to 0 (silence in musicnn's log-mel). 0: off.
        public var timeMask = 0
        public var frequencyMask = 0
        /// mixup (Zhang et al. 2018): inputs of the trained part and one-hot targets mixed with `λ ~ Beta(α, α)`. 0: off.
        public var mixupAlpha: Float = 0
        /// Random gain, uniform in ±this many dB, applied to the mel power (exactly a gain on the waveform). 0: off.
        public var gainDecibels: Float = 0
        /// Additive noise at an SNR drawn uniformly in [this, this + 20] dB, added in the power domain: white-noise
        /// power spectra (exponential per STFT bin) through the mel filterbank, scaled to the segment's power. nil: off.
        public var noiseSNR: Float?

        public init() {}

        /// Whether the network input itself is changed (then frozen parts cannot be cached).
        public var changesInput: Bool { timeMask > 0 || frequencyMask > 0 || gainDecibels > 0 || noiseSNR != nil }
    }
}
