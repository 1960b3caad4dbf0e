import ArgumentParser
import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what audio files hold: format, rate, channels, duration, levels, silence.",
        discussion: """
        Examples:
          promptc info welcome.alaw
          promptc info --json sounds/en/custom/*.ulaw
          promptc info memo.m4a welcome.alaw --report listen.html
        """)

    @Argument(help: "Files to inspect.")
    var files: [String]

    @Flag(help: "Print JSON for scripts.")
    var json = false

    @Option(help: ArgumentHelp("Also write one self-contained HTML page: each file's measures, waveform, spectrum and a player, to open on a desktop (about 1.3 MB a minute of audio).", valueName: "report.html"))
    var report: String?

    func run() throws {
        var infos: [FileInfo] = []
        var failed = false
        for f in files {
            do {
                let i = try Inspector.inspect(f)
                infos.append(i)
                if !json {
                    func level(_ v: Double) -> String { v <= -999 ? "-inf" : formatted("%.1f", v) }
                    print("\(f): \(i.format), \(formatted("%.2f", i.seconds)) s, peak \(level(i.peakDBFS)) dBFS, RMS \(level(i.rmsDBFS)) dBFS, \(i.loudnessLUFS.map { formatted("%.1f LUFS", $0) } ?? "loudness not measurable")\(i.loudnessRangeLU.map { formatted(" (LRA %.1f LU)", $0) } ?? ""), true peak \(i.truePeakDBTP.map { formatted("%.1f dBTP", $0) } ?? "-inf"), \(i.activeSpeechLevelDBov.map { formatted("active speech %.1f dBov (P.56, %.0f%% active)", $0, 100 * (i.activityFactor ?? 0)) } ?? "active speech not measurable"), \(i.clippedSamples) clipped, noise floor \(i.noiseFloorDBFS <= -999 ? "-inf" : formatted("%.1f", i.noiseFloorDBFS)) dBFS, silence \(formatted("%.2f", i.leadingSilence)) s lead / \(formatted("%.2f", i.trailingSilence)) s tail")
                    i.warnings.forEach { warn("\(f): \($0)") }
                    if let m = i.lawMismatch { warn("\(f): \(m)") }
                    if let m = i.problem { warn("\(f): \(m)") }
                }
            } catch {
                failed = true
                var err = StandardError()
                print("promptc: \(error)", to: &err)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(infos), as: UTF8.self))
        }
        if let report, !infos.isEmpty { try Inspector.writeReport(infos, to: report) }
        if failed { throw ExitCode(1) }
    }
}
