import Foundation
import Testing
@testable import AudioIO
@testable import PromptKit

/// Every file under `dir` with its size and modification time, to see that nothing changed.
private func snapshot(_ dir: URL) -> [String: String] {
    var out: [String: String] = [:]
    let e = FileManager.default.enumerator(atPath: dir.path)
    while let rel = e?.nextObject() as? String {
        let a = try? FileManager.default.attributesOfItem(atPath: dir.path + "/" + rel)
        out[rel] = "\(a?[.size] ?? 0) \((a?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
    }
    return out
}

@Suite("batch --dry-run, and names Asterisk cannot play")
struct BatchDryRunTests {
    @Test("--dry-run lists what would be converted, left alone and pruned, and writes nothing, not even the output folder")
    func dryRun() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for name in ["a", "b", "c"] { try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.path + "/\(name).wav") }
        try Data("notes".utf8).write(to: src.appendingPathComponent("readme.txt"))
        let first = try runPromptc(["batch", src.path, "-o", out.path, "--dry-run"])
        #expect(first.status == 0, "\(first.stderr)")
        let lines = String(decoding: first.stdout, as: UTF8.self)
        #expect(lines.components(separatedBy: "would convert").count - 1 == 3 && lines.contains("skipped \(src.path)/readme.txt"), "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: out.path), "the output folder was created")
        #expect(try runPromptc(["batch", src.path, "-o", out.path]).status == 0)
        // Change one source, add one, remove one: the dry run says so and leaves the tree as it is.
        try FileManager.default.removeItem(atPath: src.path + "/b.wav")
        try FileManager.default.removeItem(atPath: src.path + "/a.wav")
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.path + "/a.wav")
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.path + "/d.wav")
        let before = snapshot(out)
        let second = try runPromptc(["batch", src.path, "-o", out.path, "--dry-run", "--prune"])
        let text = String(decoding: second.stdout, as: UTF8.self)
        #expect(second.status == 0)
        #expect(text.contains("would convert \(src.path)/a.wav") && text.contains("would convert \(src.path)/d.wav"), "\(text)")
        #expect(text.contains("unchanged \(src.path)/c.wav") && text.contains("would prune \(out.path)/b.alaw"), "\(text)")
        #expect(second.stderr.contains("2 would be converted, 1 unchanged") && second.stderr.contains("nothing was written"), "\(second.stderr)")
        #expect(snapshot(out) == before)
        // The real run then does what the dry run said.
        let real = try runPromptc(["batch", src.path, "-o", out.path, "--prune"])
        #expect(real.stderr.contains("2 converted, 1 unchanged") && !FileManager.default.fileExists(atPath: out.path + "/b.alaw"), "\(real.stderr)")
    }

    @Test("a name Asterisk cannot play is a warning naming the source it came from")
    func nameWarning() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src.appendingPathComponent("main menu"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.path + "/sales & support.wav")
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.path + "/main menu/welcome.wav")
        let r = try runPromptc(["batch", src.path, "-o", dir.appendingPathComponent("out").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("warning: \(src.path)/sales & support.wav: its output's name 'sales & support' contains"), "\(r.stderr)")
        #expect(r.stderr.contains("warning: \(src.path)/main menu/welcome.wav: its output's folder 'main menu'"), "\(r.stderr)")
    }

    @Test("verify --law reads only files whose extension does not say the law")
    func lawScope() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let ref = fixture("speech/speech-8k-mono.wav")
        let ulaw = dir.appendingPathComponent("p.ulaw").path, raw = dir.appendingPathComponent("p-without-extension").path
        #expect(try runPromptc(["convert", ref, "-o", ulaw]).status == 0)
        try FileManager.default.copyItem(atPath: ulaw, toPath: raw)
        // The .ulaw stays mu-law whatever --law says; the WAV reference stays a WAV.
        let named = try runPromptc(["verify", ulaw, "--reference", ref, "--law", "alaw"])
        #expect(named.status == 0 && String(decoding: named.stdout, as: UTF8.self).hasPrefix("PASS"), "\(String(decoding: named.stdout, as: UTF8.self))")
        // A file whose name does not say is read as --law says: right law passes, wrong fails.
        #expect(try runPromptc(["verify", raw, "--reference", ref, "--law", "ulaw"]).status == 0)
        #expect(try runPromptc(["verify", raw, "--reference", ref, "--law", "alaw"]).status == 1)
    }
}
