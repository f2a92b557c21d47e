import ArgumentParser
import GenreKit

/// `--class-weight`: the class weightings a user can name.
enum ClassWeightOption: String, ExpressibleByArgument, CaseIterable {
    case none, balanced

    var weighting: ClassWeighting { self == .balanced ? .balanced : .none }
}
