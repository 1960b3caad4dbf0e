import ArgumentParser
import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PromptKit

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check prompts against reference prompts or the original recordings.",
        usage: "promptc verify FILE (--reference REF | --source ORIGINAL) [<options>]",
        discussion: """
        Aligns the two by cross-correlation, then measures SNR, level and length \
        differences, quantisation steps (same G.711 law), clipping. Exit 0 when all \
        pass, 1 when something fails, 2 on usage or read errors.

        Examples:
          promptc verify welcome.alaw --reference old/welcome.alaw
          promptc verify welcome.alaw --source welcome.mp3
          promptc verify out/ --reference ref/ --json
          promptc verify welcome.alaw --reference old.alaw --report report.html
        """)

    @Argument(help: "The prompt to check, or a folder of them.")
    var file: String

    @Option(help: "A reference prompt (or folder) made by another converter.")
    var reference: String?

    @Option(help: "The original recording the prompt was made from.")
    var source: String?

    @Option(help: ArgumentHelp("How to read headerless files whose extension does not say.", valueName: "format"))
    var format: PromptFormat?

    @Option(help: ArgumentHelp("Shorthand for --format alaw or ulaw (values: alaw, ulaw).", valueName: "law"))
    var law: String?

    @Option(help: ArgumentHelp("Lowest SNR after alignment, dB (default \(Int(VerifyThresholds().minSNR)); \(Int(VerifyThresholds().minSNRForCodecs)) for .gsm, .g722 and .g729, whose reference is coded the same way first).", valueName: "dB"))
    var minSnr: Double?

    @Option(help: ArgumentHelp("Largest level difference, dB.", valueName: "dB"))
    var maxLevelDiff: Double = VerifyThresholds().maxLevelDifference

    @Option(help: ArgumentHelp("Largest length difference, ms.", valueName: "ms"))
    var maxLengthDiff: Double = VerifyThresholds().maxLengthDifference

    @Option(help: ArgumentHelp("Alignment search, ms each way.", valueName: "ms"))
    var maxLag: Double = VerifyThresholds().maxLag

    @Option(help: ArgumentHelp("Also write a self-contained HTML page: waveforms, spectra, measurements, both sounds.", valueName: "report.html"))
    var report: String?

    @Flag(help: "Require the bytes to be identical.")
    var exact = false

    @Flag(help: "Print the full measurements as JSON.")
    var json = false

    func validate() throws {
        if (reference == nil) == (source == nil) { throw ValidationError("Give either --reference REF or --source ORIGINAL.") }
        if let l = law, !["alaw", "ulaw", "a", "u", "mulaw"].contains(l) { throw ValidationError("--law is alaw or ulaw.") }
        if maxLag <= 0 || maxLag > 2000 { throw ValidationError("--max-lag must be between 0 and 2000 ms.") }
    }

    func run() throws {
        var t = VerifyThresholds()
        if let m = minSnr { t.minSNR = m; t.minSNRForCodecs = m }
        t.maxLevelDifference = maxLevelDiff
        t.maxLengthDifference = maxLengthDiff
        t.maxLag = maxLag
        t.exact = exact
        let raw: RawFormat? = {
            if let l = law { return RawFormat(encoding: l.hasPrefix("a") ? .alaw : .ulaw, sampleRate: 8000) }
            return format?.spec.headerless
        }()
        let other = reference ?? source!
        var isDir = false
        let results: [VerifyResult]
        var missing: [String] = [], extra: [String] = []
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDir), isDir {
            guard FileManager.default.fileExists(atPath: other, isDirectory: &isDir), isDir else {
                throw ConversionError.usage("\(file) is a folder, so \(other) must be one too")
            }
            // Prompts pair by name whatever their formats (out/welcome.alaw with
            // rec/welcome.mp3); a format the other side lacks pairs with the one it has.
            func audio(_ dir: String) -> [String] {
                FileTree.walk(dir, followingLinksOutside: true).files.filter { FormatRegistry.looksLikeAudio(extension: AudioDecoder.fileExtension($0)) }
            }
            let mine = audio(file), theirs = audio(other)
            var theirsByName: [String: [String]] = [:]
            for rel in theirs { theirsByName[PathName.deletingExtension(rel), default: []].append(rel) }
            let myNames = Set(mine.map(PathName.deletingExtension))
            missing = theirs.filter { !myNames.contains(PathName.deletingExtension($0)) }.sorted()
            var list: [VerifyResult] = []
            for rel in mine.sorted() {
                guard let candidates = theirsByName[PathName.deletingExtension(rel)]?.sorted() else { extra.append(rel); continue }
                let partner = candidates.first { AudioDecoder.fileExtension($0) == AudioDecoder.fileExtension(rel) } ?? candidates[0]
                list.append(try Verifier.verify(file: file + "/" + rel, reference: other + "/" + partner, thresholds: t, raw: raw))
            }
            results = list
            if let page = report { try Verifier.writeFolderReport(results, missing: missing, extra: extra, raw: raw, to: page) }
        } else {
            results = [try Verifier.verify(file: file, reference: other, thresholds: t, raw: raw, report: report)]
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            struct Report: Encodable { var results: [VerifyResult]; var missing: [String]; var extra: [String]; var passed: Bool }
            let passed = results.allSatisfy(\.passed) && missing.isEmpty && extra.isEmpty
            print(String(decoding: try encoder.encode(Report(results: results, missing: missing, extra: extra, passed: passed)), as: UTF8.self))
        } else {
            for r in results {
                let steps = r.maxStepDeviation.map { ", max \($0) step\($0 == 1 ? "" : "s")" } ?? ""
                let m = formatted("SNR %.1f dB, level %+.2f dB, length %+.1f ms, lag %d", r.snrDB, r.levelDifferenceDB, r.lengthDifferenceMs, r.lagSamples) + steps
                let coded = r.referenceCodedAs.map { " (reference coded as \($0) first)" } ?? ""
                let loud = r.loudnessLUFS.map { formatted("; %.1f LUFS (%+.1f LU from Asterisk's own), true peak %.1f dBTP", $0, r.loudnessFromStockLU ?? 0, r.truePeakDBTP ?? 0) } ?? ""
                print("\(r.passed ? "PASS" : "FAIL") \(r.file): \(r.identical ? "identical; " : "")\(m)\(coded)\(loud)")
                for f in r.failures { print("     - \(f)") }
            }
            for m in missing { print("MISSING \(file)/\(m) (in \(other))") }
            for e in extra { print("EXTRA \(file)/\(e) (not in \(other))") }
            if results.count > 1 || !missing.isEmpty || !extra.isEmpty {
                print("\(results.filter(\.passed).count) passed, \(results.filter { !$0.passed }.count + missing.count + extra.count) failed"
                      + (missing.isEmpty && extra.isEmpty ? "" : " (\(missing.count) missing, \(extra.count) extra)"))
            }
        }
        if !(results.allSatisfy(\.passed) && missing.isEmpty && extra.isEmpty) { throw ExitCode(1) }
    }
}
