import ArgumentParser
import Foundation

/// `--strict`, shared by the commands that decode audio.
struct DecodingOptions: ParsableArguments {
    @Flag(help: "Refuse a cut or damaged file instead of decoding it as far as it goes with a warning (also GENREKIT_STRICT=1).")
    var strict = false

    /// Makes every decoder of this process strict (``AudioDecoder/strictFromEnvironment``) when `--strict` is given.
    func apply() {
        if strict { setenv("GENREKIT_STRICT", "1", 1) }
    }
}
