import ArgumentParser
import PromptKit

/// What may be done to the sound on the way (convert, batch and install alike). Without
/// any of these the level and the samples are left as they are.
struct ProcessingFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Remove rumble, handling noise and DC below this frequency: a 4th-order Butterworth high-pass, -3 dB at the corner, flat from 3 times it (--highpass alone: 100 Hz).", valueName: "hz"))
    var highpass: Double?

    @Option(help: ArgumentHelp("Bring the prompt to this integrated loudness (LUFS); a true-peak limiter at -1 dBTP holds the peaks (--normalize alone: -19, the median of Asterisk's own prompts).", valueName: "lufs"))
    var normalize: Double?

    @Option(help: ArgumentHelp("Hold the true peak at or under this level with a look-ahead limiter, no clipping (--limit alone: -1; it runs at -1 whenever --normalize raises the level).", valueName: "dbtp"))
    var limit: Double?

    @Flag(help: "No limiter: --normalize then stops short of its target where the true peak would pass -1 dBTP.")
    var noLimit = false

    func validate() throws {
        if let n = normalize, !(n >= -70 && n <= 0) { throw ValidationError("--normalize takes a loudness between -70 and 0 LUFS; \(n) is not.") }
        if let h = highpass, !(h >= 10 && h <= 1000) { throw ValidationError("--highpass takes a corner between 10 and 1000 Hz; \(h) is not.") }
        if let l = limit, !(l >= -20 && l <= 0) { throw ValidationError("--limit takes a ceiling between -20 and 0 dBTP; \(l) is not.") }
        if limit != nil && noLimit { throw ValidationError("--limit and --no-limit contradict each other; give one.") }
    }

    func apply(to options: inout ConversionOptions) {
        options.highpass = highpass
        options.normalize = normalize
        options.limit = limit
        options.limitWhenRaising = !noLimit
    }
}
