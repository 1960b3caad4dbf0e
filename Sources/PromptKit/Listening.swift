import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Hearing a prompt as a caller does: through the codec of the call, at 8 kHz (or 16 kHz
/// for wideband), rather than the studio file.
public enum Listening {
    /// The format a caller hears `path` through: a prompt in a telephone codec as it is
    /// (.alaw, .ulaw, .gsm, .g722, .g729, 8 kHz .sln); a wider signed-linear or WAV prompt
    /// through G.722, as a wideband phone gets it; any other recording through A-law.
    public static func callerFormat(forInput path: String) -> PromptFormat {
        guard let own = PromptFormat.forExtension(AudioDecoder.fileExtension(path)), own.spec.isPrompt else { return .alaw }
        if own.sampleRate == 8000 || own == .g722 { return own }
        return .g722
    }

    /// Converts `path` into `format` in a temporary file and returns the file's path (the
    /// caller removes it). A prompt already in that format is returned as it is.
    public static func asCaller(_ path: String, format: PromptFormat, options: ConversionOptions = ConversionOptions()) throws -> (path: String, temporary: Bool) {
        if PromptFormat.forExtension(AudioDecoder.fileExtension(path)) == format { return (path, false) }
        let folder = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let temporary = "\(folder)/promptc-caller-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).\(format.fileExtension)"
        var o = options
        o.overwrite = true
        _ = try Converter.convert(input: path, outputs: [OutputTarget(path: temporary, format: format)], options: o)
        return (temporary, true)
    }
}
