import ArgumentParser
import AudioIO
import DSP
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert one recording into one or more prompt files.",
        discussion: """
        The output format comes from each file's extension, following Asterisk's names:
        \(FormatRegistry.outputs.map { spec in
            let names = spec.extensions.map { "." + $0 }.joined(separator: " ")
            return "  " + names + String(repeating: " ", count: max(0, 23 - names.count)) + "  " + spec.summary
        }.joined(separator: "\n"))
        Several outputs decode the input once. Use - for standard input or output.

        Examples:
          promptc convert welcome.mp3 -o welcome.alaw -o welcome.ulaw -o welcome.sln
          cat msg.wav | promptc convert - -o - --format alaw > msg.alaw
          promptc convert old.alaw -o old-listen.wav
        """)

    @Argument(help: "The recording to convert (MP3, WAV, FLAC, Ogg, AIFF, ... or - for standard input).")
    var input: String

    @Option(name: .shortAndLong, help: "An output file; repeat for several formats.")
    var output: [String] = []

    @OptionGroup var conversion: ConversionFlags

    @Option(help: ArgumentHelp("Output format when the extension does not say (or for -o -).", valueName: "format"))
    var format: PromptFormat?

    @Flag(help: "Write --format even where the output's extension names another format (x.alaw holding mu-law).")
    var forceFormat = false

    @Option(help: ArgumentHelp("Read the input as headerless samples of this encoding.", valueName: "encoding"))
    var rawFormat: RawEncoding?

    @Option(help: "Sample rate of headerless input.")
    var rawRate: Int = 8000

    @Option(help: "Channel count of headerless input.")
    var rawChannels: Int = 1

    @Flag(name: [.customShort("y"), .long], help: "Replace existing output files.")
    var overwrite = false

    @Flag(name: .shortAndLong, help: "Print no warnings.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print what was read and written.")
    var verbose = false

    func validate() throws {
        if output.isEmpty { throw ValidationError("Give at least one output with -o FILE.") }
        if output.contains("-") && format == nil { throw ValidationError("Writing to standard output (-o -) needs --format.") }
        if output.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard output (-o -) can take one output; name the others as files.") }
        if rawFormat != nil && !(1000...768_000).contains(rawRate) { throw ValidationError("--raw-rate must be between 1000 and 768000 Hz.") }
        if !(1...64).contains(rawChannels) { throw ValidationError("--raw-channels must be between 1 and 64.") }
    }

    func run() throws {
        let targets = try output.map { path in
            if let f = format {
                if !forceFormat, let mismatch = OutputTarget.nameMismatch(path: path, format: f) {
                    throw ConversionError.usage(mismatch + " (or give --force-format to write it anyway)")
                }
                return OutputTarget(path: path, format: f)
            }
            return try OutputTarget(path: path)
        }
        var options = ConversionOptions()
        conversion.apply(to: &options)
        options.overwrite = overwrite
        options.raw = rawFormat.map { RawFormat(encoding: $0, sampleRate: rawRate, channels: rawChannels) }
        let report = try Converter.convert(input: input, outputs: targets, options: options)
        if !quiet { report.warnings.forEach { warn("\(input): \($0.message)") } }
        if verbose {
            var err = StandardError()
            print("\(input): \(report.inputFormat), \(formatted("%.2f", report.inputSeconds)) s; SIMD kernels: \(SIMDLevel.active)", to: &err)
            if let n = report.normalization, let before = n.measured {
                print("\(input): \(formatted("%.1f", before)) LUFS (true peak \(formatted("%.1f", n.truePeak ?? 0)) dBTP), gain \(formatted("%+.1f", n.gain)) dB -> \(formatted("%.1f", n.loudnessAfter ?? before + n.gain)) LUFS\(n.trials > 0 ? " (\(n.trials) passes with the limiter to find the gain)" : "")", to: &err)
            }
            if let t = report.trim {
                print("\(input): trimmed \(formatted("%.3f", t.removedAtStart)) s from the start and \(formatted("%.3f", t.removedAtEnd)) s from the end (noise floor \(formatted("%.1f", t.sound.noiseFloor)) dBFS)", to: &err)
            }
            if let l = report.limiting {
                print("\(input): limiter took up to \(formatted("%.1f", l.maxReductionDB)) dB off \(formatted("%.2f", Double(l.limitedFrames) / Double(max(l.rate, 1)))) s", to: &err)
            }
            for o in report.outputs {
                print("wrote \(o.path): \(o.format.rawValue), \(o.format.sampleRate) Hz mono, \(o.frames) samples (\(formatted("%.2f", Double(o.frames) / Double(o.format.sampleRate))) s), \(o.bytes) bytes", to: &err)
            }
        }
    }
}

extension PromptFormat: ExpressibleByArgument {
    public static var allValueStrings: [String] { all.map(\.rawValue) }

    /// A comma-separated list of format names, as --format and --formats take it.
    static func list(_ text: String, promptsOnly: Bool = false) throws -> [PromptFormat] {
        let allowed = all.filter { !promptsOnly || $0.spec.isPrompt }
        return try text.split(separator: ",").map { part in
            let name = part.trimmedSpaces()
            guard let f = PromptFormat(rawValue: name), allowed.contains(f) else {
                throw ValidationError("Unknown \(promptsOnly ? "prompt " : "")format '\(name)'; formats are \(allowed.map(\.rawValue).joined(separator: ", ")).")
            }
            return f
        }
    }
}
extension RawEncoding: ExpressibleByArgument {}
