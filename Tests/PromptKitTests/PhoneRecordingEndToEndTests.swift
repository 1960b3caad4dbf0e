import Foundation
import Testing
@testable import AudioIO
@testable import PromptKit

/// Recordings as they come off phones and out of browsers, through every way in.
@Suite("phone and browser recordings end to end: convert, batch, install, the ffmpeg command line")
struct PhoneRecordingEndToEndTests {
    /// Each recording, and the A-law length it must give: 4.000 s at 8 kHz, except raw
    /// ADTS, which keeps the AAC encoder's padding (177152 frames at 44.1 kHz).
    static let recordings: [(file: String, alawBytes: Int)] = [
        ("speech.m4a", 32000), ("speech-faststart.m4a", 32000), ("speech-stereo.m4a", 32000), ("speech.3gp", 32000),
        ("speech-amr.3gp", 32000), ("speech.amr", 32000), ("speech-all-modes.amr", 32000), ("speech.webm", 32000),
        ("speech-live.webm", 32000), ("speech-stereo.mka", 32000), ("speech.aac", (177152 * 8000 * 2 + 44100) / (2 * 44100)),
    ]

    @Test("convert and the ffmpeg command line give the same A-law, of the original's length and level", arguments: recordings)
    func convert(file: String, alawBytes: Int) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.alaw").path, b = dir.appendingPathComponent("b.alaw").path
        let r = try runPromptc(["convert", fixture("phone/\(file)"), "-o", a])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let f = try runPromptc(["-i", fixture("phone/\(file)"), "-acodec", "pcm_alaw", "-f", "alaw", "-ac", "1", "-ar", "8000", "-vn", b])
        #expect(f.status == 0, "\(f.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: a))
        #expect(bytes.count == alawBytes)
        #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: b))))
        // Level against the 8 kHz original (A-law decoded by G.711's tables in AudioIO).
        let ours = try decodeMono(a).samples, original = try decodeMono(fixture("speech/speech-8k-mono.wav")).samples
        func rms(_ x: [Float]) -> Double { 10 * log10(x.reduce(0.0) { $0 + Double($1 * $1) } / Double(x.count)) }
        #expect(abs(rms(Array(ours.prefix(original.count))) - rms(original)) < 1.5, "\(file)")
    }

    @Test("from a pipe: an M4A with its index at the end and a live WebM give what their files give", arguments: ["speech.m4a", "speech-live.webm", "speech.amr", "speech.aac"])
    func pipe(file: String) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("f.alaw").path
        #expect(try runPromptc(["convert", fixture("phone/\(file)"), "-o", out]).status == 0)
        let r = try runPromptc(["convert", "-", "-o", "-", "--format", "alaw"], stdin: try Data(contentsOf: URL(fileURLWithPath: fixture("phone/\(file)"))))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == (try Data(contentsOf: URL(fileURLWithPath: out))))
    }

    @Test("batch converts a phone's folder; what it cannot decode fails with the codec named, the rest goes on")
    func batch() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("phone"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // Named as a phone names them: one name per recording ("speech.m4a" -> "speech-m4a.m4a").
        func named(_ f: String) -> String { f.replacingOccurrences(of: ".", with: "-") + "." + (f as NSString).pathExtension }
        for (f, _) in Self.recordings + [("speech-alac.m4a", 0)] {
            try FileManager.default.copyItem(atPath: fixture("phone/\(f)"), toPath: src.appendingPathComponent(named(f)).path)
        }
        let r = try runPromptc(["batch", src.path, "-o", out.path, "--format", "alaw,g722"])
        #expect(r.status == 1, "one input fails: \(r.stderr)")
        #expect(r.stderr.contains("speech-alac-m4a.m4a") && r.stderr.contains("ALAC"))
        let made = Set(FileTree.list(out.path))
        #expect(made.count == 2 * Self.recordings.count)
        for (f, bytes) in Self.recordings {
            let stem = out.path + "/" + (named(f) as NSString).deletingPathExtension
            #expect(try Data(contentsOf: URL(fileURLWithPath: stem + ".alaw")).count == bytes, "\(f)")
            #expect(FileManager.default.fileExists(atPath: stem + ".g722"), "\(f)")
        }
    }

    @Test("install takes an M4A and an AMR straight from the phone")
    func install() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        for (file, name) in [("speech.m4a", "greeting"), ("speech.amr", "after-hours"), ("speech.webm", "holiday")] {
            let input = dir.appendingPathComponent("\(name).\((file as NSString).pathExtension)").path
            try FileManager.default.copyItem(atPath: fixture("phone/\(file)"), toPath: input)
            let r = try runPromptc(["install", input, "--sounds-dir", sounds.path, "--lang", "en", "--subdir", "custom"])
            #expect(r.status == 0, "\(r.stderr)")
            for format in InstallOptions.defaultFormats {
                let path = sounds.path + "/en/custom/\(name).\(format.fileExtension)"
                #expect(FileManager.default.fileExists(atPath: path), "\(path)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: sounds.path + "/en/custom/\(name).alaw")).count == 32000)
        }
    }

    /// libopus decodes at 12 kHz without its 48 kHz resampler, whose phase costs waveform
    /// SNR against the original: the narrowband decode is no worse, and here better.
    @Test("Opus decoded natively at 12 kHz for narrowband outputs: the A-law prompt's SNR against the original is no worse (within 0.1 dB) than through the 48 kHz decode")
    func opusNarrowband() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        func convert(_ fast: Bool, _ ext: String) throws -> [Float] {
            var o = ConversionOptions(); o.decoderFastPath = fast
            let out = dir.appendingPathComponent("\(fast)-\(UUID().uuidString).\(ext)").path
            _ = try Converter.convert(input: fixture("phone/speech.webm"), outputs: [try OutputTarget(path: out)], options: o)
            return try decodeMono(out).samples
        }
        let original = try decodeMono(fixture("speech/speech-8k-mono.wav")).samples
        let full = alignedSNR(try convert(false, "alaw"), original, maxLag: 0).snr
        let fast = alignedSNR(try convert(true, "alaw"), original, maxLag: 0).snr
        print("Opus to A-law against the 8 kHz original: 48 kHz decode \(String(format: "%.2f", full)) dB, 12 kHz decode \(String(format: "%.2f", fast)) dB")
        #expect(fast >= full - 0.1)
    }
}
