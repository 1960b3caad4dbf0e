import ArgumentParser
import AudioIO
import PromptKit

/// What may be done to the sound on the way (convert, batch and install alike). Without
/// any of these the level and the samples are left as they are.
struct ProcessingFlags: ParsableArguments {
    @Flag(help: "The preset for phone recordings: --highpass (100 Hz), --trim (50 ms pads, 5 ms fades) and --normalize (-19 LUFS, -1 dBTP limit). Flags given beside it win.")
    var telephony = false

    @Option(help: ArgumentHelp("Remove rumble, handling noise and DC below this frequency: a 4th-order Butterworth high-pass, -3 dB at the corner, flat from 3 times it (--highpass alone: 100 Hz).", valueName: "hz"))
    var highpass: Double?

    @Option(help: ArgumentHelp("Bring the prompt to this integrated loudness in LUFS, or to a P.56 active speech level as p56:DBOV; a true-peak limiter at -1 dBTP holds the peaks (--normalize alone: -19, the median of Asterisk's own prompts).", valueName: "lufs|p56:dbov"))
    var normalize: String?

    @Option(help: ArgumentHelp("Hold the true peak at or under this level with a look-ahead limiter, no clipping (--limit alone: -1; it runs at -1 whenever --normalize raises the level).", valueName: "dbtp"))
    var limit: Double?

    @Flag(help: "No limiter: --normalize then stops short of its target where the true peak would pass -1 dBTP.")
    var noLimit = false

    @Option(help: ArgumentHelp("Take steady noise (hiss, fans) out, lowering it by up to this many dB, with libspeexdsp's preprocessor as Asterisk's DENOISE() (--denoise alone: 25).", valueName: "db"))
    var denoise: Int?

    @Option(help: ArgumentHelp("Remove leading and trailing silence or noise, keeping this much around the sound; pauses inside stay (--trim alone: 50 ms).", valueName: "ms"))
    var trim: Double?

    @Option(help: ArgumentHelp("Fade in and out over this long, against clicks (default with --trim: 5 ms; 0: none).", valueName: "ms"))
    var fade: Double?

    @Option(help: ArgumentHelp("Put this much silence before the prompt, for calls whose first syllable gets clipped.", valueName: "ms"))
    var leadIn: Double?

    @Option(help: ArgumentHelp("Start the prompt this far into the recording (seconds, or [HH:]MM:SS[.mmm] as ffmpeg's -ss).", valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("Keep this much of the recording (seconds, or [HH:]MM:SS[.mmm] as ffmpeg's -t).", valueName: "time"))
    var duration: String?

    func validate() throws {
        if let n = normalize, LoudnessTarget(n) == nil {
            throw ValidationError("--normalize takes a loudness between -70 and 0 LUFS (-19) or an active speech level as p56:-26 (dBov); '\(n)' is neither.")
        }
        if let h = highpass, !(h >= 10 && h <= 1000) { throw ValidationError("--highpass takes a corner between 10 and 1000 Hz; \(h) is not.") }
        if let l = limit, !(l >= -20 && l <= 0) { throw ValidationError("--limit takes a ceiling between -20 and 0 dBTP; \(l) is not.") }
        if limit != nil && noLimit { throw ValidationError("--limit and --no-limit contradict each other; give one.") }
        if let d = denoise, !(1...60).contains(d) { throw ValidationError("--denoise takes 1 to 60 dB; \(d) is not.") }
        for (name, v) in [("--trim", trim), ("--fade", fade), ("--lead-in", leadIn)] {
            if let v, !(v >= 0 && v <= 10_000) { throw ValidationError("\(name) takes 0 to 10000 ms; \(v) is not.") }
        }
        for (name, v) in [("--start", start), ("--duration", duration)] {
            if let v, FFmpegCommand.seconds(v) == nil { throw ValidationError("\(name) takes seconds (1.5) or [HH:]MM:SS[.mmm] (00:01:02.5); '\(v)' is neither.") }
        }
    }

    func apply(to options: inout ConversionOptions) {
        if telephony {
            options.highpass = ConversionOptions.telephonyHighpass
            options.trim = ConversionOptions.telephonyTrim
            options.normalize = .integratedLoudness(SoundsDoctor.stockLoudness)
        }
        if let h = highpass { options.highpass = h }
        if let n = normalize { options.normalize = LoudnessTarget(n) }
        options.limit = limit
        options.limitWhenRaising = !noLimit
        if let t = trim { options.trim = t / 1000 }
        options.fade = fade.map { $0 / 1000 }
        options.leadIn = leadIn.map { $0 / 1000 }
        options.denoise = denoise
        options.start = start.flatMap(FFmpegCommand.seconds)
        options.duration = duration.flatMap(FFmpegCommand.seconds)
    }
}
