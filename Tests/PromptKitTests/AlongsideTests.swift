import Foundation
import Testing
@testable import AudioIO
@testable import PromptKit

/// Every regular file under `dir` (promptc's own hidden files left out) with its bytes.
private func contents(_ dir: String) -> [String: Data] {
    var out: [String: Data] = [:]
    for rel in FileTree.walk(dir).files { out[rel] = FileManager.default.contents(atPath: dir + "/" + rel) }
    return out
}

@Suite("batch --alongside: formats added to a live sounds tree")
struct AlongsideTests {
    @Test("on a copy of the stock tree: each new format from the best source the prompt has, none from narrower audio unless --from, existing files kept unless --force, and --undo takes each run back exactly")
    func stockTreeCopy() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let s = try stockTree(dir)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: s + "/en_US_f_Allison/narrow.wav")
        let original = contents(s)
        let r = try runPromptc(["batch", s, "--alongside", "--format", "sln16,ulaw,gsm"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = String(decoding: r.stdout, as: UTF8.self)
        // The tree reaches the voice's folder through its link (en -> en_US_f_Allison), as Asterisk does.
        let en = out.contains("\(s)/en/digits/") ? "\(s)/en" : "\(s)/en_US_f_Allison"
        // Wideband from the wideband source (.g722), narrowband from lossless PCM (.wav); .gsm already there.
        #expect(out.contains("added \(en)/digits/5.sln16 (from \(en)/digits/5.g722)"), "\(out)")
        #expect(out.contains("added \(en)/digits/5.ulaw (from \(en)/digits/5.wav)"))
        #expect(out.contains("kept \(en)/digits/5.gsm"))
        #expect(r.stderr.contains("skipped \(en)/narrow.sln16: would be made from 8 kHz audio"), "\(r.stderr)")
        // What was added is what a conversion of that source gives, and nothing else changed.
        let expected = dir.appendingPathComponent("5.ulaw").path
        _ = try Converter.convert(input: s + "/en_US_f_Allison/digits/5.wav", outputs: [try OutputTarget(path: expected)])
        #expect(FileManager.default.contents(atPath: s + "/en_US_f_Allison/digits/5.ulaw") == FileManager.default.contents(atPath: expected))
        let after = contents(s)
        #expect(original.allSatisfy { after[$0.key] == $0.value }, "an existing file changed")
        // 5 stock prompts x (sln16, ulaw), narrow: ulaw and gsm; Debian's ru/is is an empty prompt: skipped, not failed.
        #expect(after.count == original.count + 5 * 2 + 2, "\(after.count - original.count) files added")
        #expect(r.stderr.contains("ru/is.sln16: its .g722 is empty"), "\(r.stderr)")
        // A second run adds nothing; --from makes the narrow prompt's sln16 anyway; --force replaces the .gsm.
        let again = try runPromptc(["batch", s, "--alongside", "--format", "sln16,ulaw,gsm"])
        #expect(again.stderr.contains("0 added, 0 replaced"), "\(again.stderr)")
        #expect(try runPromptc(["batch", s, "--alongside", "--format", "sln16", "--from", "wav"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: s + "/en_US_f_Allison/narrow.sln16"))
        let forced = try runPromptc(["batch", s, "--alongside", "--format", "gsm", "--force"])
        // Now the prompt has a .sln16: the widest PCM it has is the source.
        #expect(String(decoding: forced.stdout, as: UTF8.self).contains("replaced \(en)/digits/5.gsm (from \(en)/digits/5.sln16)"))
        #expect(FileManager.default.contents(atPath: s + "/en_US_f_Allison/digits/5.gsm") != original["en_US_f_Allison/digits/5.gsm"])
        // Undo the three runs that wrote, last first: the tree is as it was, byte for byte.
        for _ in 0..<3 { #expect(try runPromptc(["batch", s, "--alongside", "--undo"]).status == 0) }
        #expect(contents(s) == original)
        #expect(try runPromptc(["batch", s, "--alongside", "--undo"]).status != 0)
        // --dry-run writes nothing; -o and --alongside do not mix.
        let dry = try runPromptc(["batch", s, "--alongside", "--format", "ulaw", "--dry-run"])
        #expect(dry.status == 0 && String(decoding: dry.stdout, as: UTF8.self).contains("would add") && contents(s) == original)
        #expect(try runPromptc(["batch", s, "--alongside", "--format", "ulaw", "-o", dir.path + "/x"]).status == 2)
    }
}
