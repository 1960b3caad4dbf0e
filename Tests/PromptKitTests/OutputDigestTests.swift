import Foundation
import Testing
@testable import AudioIO
@testable import PromptKit

/// Every output byte on the fixtures, pinned: each fixture converted to each format alone
/// and to all formats at once, compared with the SHA-256 digests that
/// `Scripts/output-digests.sh` computed with the promptc binary and sha256sum
/// (Fixtures/digests/outputs.txt). A change of any output byte fails here; an intended
/// change regenerates the file (`make digests`) in a commit that says why.
@Suite("output digests")
struct OutputDigestTests {
    static let formats: [PromptFormat] = [.alaw, .ulaw, .sln, .sln16, .wav, .wav16, .mp3]

    @Test("SHA-256 gives the FIPS 180-4 example digests")
    func sha256Vectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("every fixture to every format: output bytes unchanged")
    func digests() throws {
        let expected = try String(contentsOfFile: fixture("digests/outputs.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let inputs = Set(expected.map { String($0.split(separator: " ")[0]) }).sorted()
        #expect(inputs.count >= 50, "the digest list covers \(inputs.count) inputs")
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        var actual: [String] = []
        func digest(_ path: String) -> String {
            guard let d = FileManager.default.contents(atPath: path) else { return "fails" }
            return SHA256.hex([UInt8](d))
        }
        func clear() { for f in Self.formats { unlink(dir.appendingPathComponent("out.\(f.rawValue)").path) } }
        for input in inputs {
            for f in Self.formats {
                clear()
                let out = dir.appendingPathComponent("out.\(f.rawValue)").path
                _ = try? Converter.convert(input: fixture(input), outputs: [OutputTarget(path: out, format: f)])
                actual.append("\(input) single \(f.rawValue) \(digest(out))")
            }
            clear()
            let targets = Self.formats.map { OutputTarget(path: dir.appendingPathComponent("out.\($0.rawValue)").path, format: $0) }
            _ = try? Converter.convert(input: fixture(input), outputs: targets)
            for t in targets { actual.append("\(input) all \(t.format.rawValue) \(digest(t.path))") }
        }
        let differing = zip(expected, actual).filter { $0 != $1 }.map { "expected \($0)\n     got \($1)" }
        #expect(expected.count == actual.count)
        #expect(differing.isEmpty, "\(differing.count) outputs differ:\n\(differing.prefix(20).joined(separator: "\n"))")
    }
}
