import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

/// Conversion settings shared by convert and batch.
struct ConversionFlags: ParsableArguments {
    @Option(help: "Use only this channel (1 = left) instead of the mean of all channels.")
    var channel: Int?

    @Flag(help: "Fail on a truncated input instead of converting what decodes and warning.")
    var strict = false

    @Flag(help: "Decode at full rate and in stereo even when a faster path would do (MP3 synthesized at a quarter of the rate, Opus decoded at 12 kHz, for 8 kHz outputs).")
    var noFastPath = false

    @OptionGroup var processing: ProcessingFlags

    @Option(help: ArgumentHelp("Permission bits of new files, in octal (default: 0666 less the umask).", valueName: "octal"))
    var mode: String?

    func validate() throws {
        if let c = channel, c < 1 { throw ValidationError("--channel counts from 1 (1 = left).") }
        if let m = mode { _ = try parseMode(m) }
    }

    func apply(to options: inout ConversionOptions) {
        options.channel = channel
        options.strict = strict
        options.decoderFastPath = !noFastPath
        options.mode = mode.flatMap { try? parseMode($0) }
        processing.apply(to: &options)
    }
}

/// Permission bits given in octal ("0640", "640"), at most 0777.
func parseMode(_ text: String) throws -> mode_t {
    guard let v = mode_t(text, radix: 8), v <= 0o777 else {
        throw ValidationError("--mode takes permission bits in octal, such as 0644 or 0640; '\(text)' is not.")
    }
    return v
}
