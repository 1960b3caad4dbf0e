import ArgumentParser
import AudioIO
import DSP
import PromptKit
#if canImport(Glibc)
import Glibc
#endif

@main
struct Promptc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promptc",
        abstract: "Turn recordings into Asterisk telephony prompts (8 kHz G.711 and friends).",
        discussion: """
        promptc also runs the ffmpeg command admins use today, as written:
          promptc -i in.mp3 -acodec pcm_alaw -f alaw -ac 1 -ar 8000 -vn out.alaw
        """,
        version: "0.1.0 (SIMD kernels: \(SIMDLevel.active))",
        subcommands: [Convert.self, Batch.self, Install.self, Uninstall.self, Doctor.self, Verify.self, Info.self, Play.self])

    /// ffmpeg-style argument lists take their own path; everything else goes to the parser.
    static func main() {
        TemporaryFiles.installSignalHandlers()
        let args = Array(CommandLine.arguments.dropFirst())
        if FFmpegCommand.matches(args) {
            do {
                let cmd = try FFmpegCommand.parse(args)
                var options = ConversionOptions()
                options.raw = cmd.rawInput
                options.overwrite = cmd.overwrite
                options.highpass = cmd.filters.highpass
                options.normalize = cmd.filters.normalize.map(LoudnessTarget.integratedLoudness)
                options.trim = cmd.filters.trim
                options.start = cmd.start
                options.duration = cmd.duration
                options.limit = cmd.filters.ceiling
                options.gainDB = cmd.filters.gainDB
                let report = try Converter.convert(input: cmd.input, outputs: [cmd.output], options: options)
                if !cmd.quiet { report.warnings.forEach { warn("\(cmd.input): \($0.message)") } }
                Glibc.exit(0)
            } catch let e as AudioIOError where e.kind == .exists {
                // Name the flag of the command line in use.
                fail(AudioIOError(.exists, e.path, "already exists (give -y to replace it, as with ffmpeg)"))
            } catch {
                fail(error)
            }
        }
        do {
            var command = try parseAsRoot(OptionalValues.expand(args))
            try command.run()
        } catch let e as AudioIOError {
            // verify promises exit 2 for read errors (1 means "something failed the checks").
            if args.first == "verify" { printError(e); Glibc.exit(2) }
            fail(e)
        } catch let e as ConversionError {
            fail(e)
        } catch {
            // Usage mistakes exit 2 like every other usage error of promptc (the parser's
            // own convention would be 64).
            if exitCode(for: error) == .validationFailure {
                var err = StandardError()
                print(fullMessage(for: error), to: &err)
                Glibc.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Prints a one-line warning to standard error.
func warn(_ message: String) {
    var err = StandardError()
    print("promptc: warning: \(message)", to: &err)
}

func printError(_ error: Error) {
    var err = StandardError()
    print("promptc: \(error)", to: &err)
}

/// Prints a one-line error to standard error and exits non-zero (2 for usage errors).
func fail(_ error: Error) -> Never {
    printError(error)
    if case ConversionError.usage = error { exit(2) }
    exit(1)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var s = string
        s.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
