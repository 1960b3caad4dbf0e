import ArgumentParser
import PromptKit

/// Conversion settings shared by convert and batch.
struct ConversionFlags: ParsableArguments {
    @Option(help: "Use only this channel (1 = left) instead of the mean of all channels.")
    var channel: Int?

    @Flag(help: "Fail on a truncated input instead of converting what decodes and warning.")
    var strict = false

    @Flag(help: "Decode MP3 at full rate and stereo even when a faster path would do.")
    var noFastPath = false

    func validate() throws {
        if let c = channel, c < 1 { throw ValidationError("--channel counts from 1 (1 = left).") }
    }

    func apply(to options: inout ConversionOptions) {
        options.channel = channel
        options.strict = strict
        options.mp3FastPath = !noFastPath
    }
}
