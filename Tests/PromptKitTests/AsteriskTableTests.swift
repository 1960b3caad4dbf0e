import Foundation
import Testing
@testable import AudioIO
@testable import PromptKit

/// Asterisk's translation table (`core show translation`): cost[source][destination] in
/// microseconds per second of audio.
private func translationCosts() throws -> [String: [String: Int]] {
    let text = try String(contentsOfFile: fixture("reference/asterisk/core-show-translation.txt"), encoding: .utf8)
    let rows = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
    let header = rows.first { $0.first == "ulaw" && $0.count > 10 }!
    var costs: [String: [String: Int]] = [:]
    for row in rows where row.count == header.count + 1 && header.contains(row[0]) {
        for (k, column) in header.enumerated() { costs[row[0], default: [:]][column] = Int(row[k + 1]) ?? 0 }
    }
    return costs
}

@Suite("Asterisk's tables: file formats and translation costs")
struct AsteriskTableTests {
    @Test("the registry's Asterisk file formats are those `core show file formats` prints")
    func fileFormats() throws {
        let text = try String(contentsOfFile: fixture("reference/asterisk/core-show-file-formats.txt"), encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            .filter { $0.count == 3 && $0[0] != "Format" && !$0[0].hasPrefix("-") }
        #expect(rows.count == 31)
        let registry = FormatRegistry.asteriskFileFormats.map { [$0.codec, $0.name, $0.extensions.joined(separator: "|")] }
        #expect(registry.map { $0.joined(separator: " ") }.sorted() == rows.map { $0.joined(separator: " ") }.sorted())
        // Every prompt format promptc writes is one Asterisk reads, under the same codec.
        for spec in FormatRegistry.outputs where spec.isPrompt {
            #expect(FormatRegistry.asteriskCodec(extension: spec.extensions[0]) != nil, "\(spec.format)")
        }
    }

    @Test("install's default formats: alaw, ulaw, G.722 and slin16 calls play their own file; slin calls take the cheapest step, never from G.711")
    func defaultFormatsFromTranslationCosts() throws {
        let costs = try translationCosts()
        // Asterisk's codec of a file, as the table names it (slin is slin8 there).
        func codec(_ f: PromptFormat) -> String {
            let c = FormatRegistry.asteriskCodec(extension: f.fileExtension)!
            return c == "slin" ? "slin8" : c
        }
        func cost(_ file: String, _ call: String) -> Int { file == call ? 0 : costs[file]![call]! }
        let files = InstallOptions.defaultFormats.map(codec)
        #expect(Set(files).count == files.count, "no two files of one codec")
        for call in ["alaw", "ulaw", "g722", "slin16"] {
            #expect(files.map { cost($0, call) }.min() == 0, "\(call) calls play a file untranscoded")
        }
        for call in ["slin8", "gsm"] {
            let best = files.min { cost($0, call) < cost($1, call) }!
            #expect(best == "slin16", "\(call) calls start from the wideband file")
            #expect(cost(best, call) < min(cost("alaw", call), cost("ulaw", call)))
        }
        // The old default (alaw, ulaw, sln) transcodes G.722 calls from narrowband audio.
        #expect(["alaw", "ulaw", "slin8"].map { cost($0, "g722") }.min()! > 0)
    }

    @Test("install never puts two files Asterisk reads as one codec side by side")
    func sameCodecRefused() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        for list in ["sln,wav", "sln16,wav16,alaw"] {
            let r = try runPromptc(["install", fixture("sample/welcome.mp3"), "--sounds-dir", sounds.path, "--formats", list])
            #expect(r.status == 2 && !FileManager.default.fileExists(atPath: sounds.appendingPathComponent("en/custom/welcome.alaw").path), "\(r.stderr)")
        }
        // A .wav already there and a .sln asked for: refused without --replace, replaced with it.
        var o = InstallOptions(soundsDir: sounds.path)
        o.owner = nil
        o.formats = [.wav]
        _ = try PromptInstaller(options: o).install([fixture("sample/welcome.mp3")])
        o.formats = [.sln, .alaw]
        #expect(throws: ConversionError.self) { _ = try PromptInstaller(options: o).install([fixture("sample/welcome.mp3")]) }
        #expect(FileTree.list(sounds.path) == ["en/custom/welcome.wav"])
        o.replace = true
        _ = try PromptInstaller(options: o).install([fixture("sample/welcome.mp3")])
        #expect(FileTree.list(sounds.path) == ["en/custom/welcome.alaw", "en/custom/welcome.sln"])
    }
}
