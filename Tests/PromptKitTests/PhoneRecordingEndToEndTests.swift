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

@Suite("--highpass: rumble and DC removed, speech kept")
struct HighPassEndToEndTests {
    /// A 1 kHz tone (speech band) over 30 Hz rumble and a DC offset, at 16 kHz.
    static func rumble(_ path: String) throws {
        let rate = 16000.0
        let x = (0..<32000).map { i -> Float in
            let t = Double(i) / rate
            return Float(0.3 * sin(2 * .pi * 1000 * t) + 0.3 * sin(2 * .pi * 30 * t) + 0.1)
        }
        var bytes = PCM16Writer.header(rate: 16000, dataBytes: 2 * x.count)
        for v in x { let s = UInt16(bitPattern: Int16((v * 32767).rounded())); bytes += [UInt8(s & 0xFF), UInt8(s >> 8)] }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("convert, batch and install with --highpass (bare: 100 Hz; =150; a separate value): the tone stays within 0.1 dB, rumble and DC go")
    func endToEnd() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("rumble.wav").path
        try Self.rumble(input)
        func measure(_ path: String) throws -> (tone: Double, rumble: Double, dc: Double) {
            let x = Array(try decodeMono(path).samples.dropFirst(8000))       // past the filter's settling
            func amplitude(_ f: Double) -> Double {
                var s = 0.0, c = 0.0
                for (i, v) in x.enumerated() { let w = 2 * Double.pi * f * Double(i) / 8000; s += Double(v) * sin(w); c += Double(v) * cos(w) }
                return 2 * (s * s + c * c).squareRoot() / Double(x.count)
            }
            return (amplitude(1000), amplitude(30), x.reduce(0.0) { $0 + Double($1) } / Double(x.count))
        }
        let plain = dir.appendingPathComponent("plain.sln").path
        #expect(try runPromptc(["convert", input, "-o", plain]).status == 0)
        let before = try measure(plain)
        #expect(before.rumble > 0.25 && before.dc > 0.09, "\(before)")
        for (args, corner) in [(["--highpass"], 100.0), (["--highpass=150"], 150), (["--highpass", "80"], 80)] {
            let out = dir.appendingPathComponent("hp\(args.count)\(args.last!).sln").path
            let r = try runPromptc(["convert", input] + args + ["-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            let after = try measure(out)
            #expect(abs(20 * log10(after.tone / before.tone)) < 0.1, "\(args): \(after)")
            // 4th-order Butterworth at 30 Hz: -10 log10(1 + (corner / 30)^8), -34 dB for 80 Hz.
            #expect(20 * log10(after.rumble / before.rumble) < -10 * log10(1 + pow(corner / 30, 8)) + 0.5, "\(args): \(after)")
            #expect(abs(after.dc) < 1e-3, "\(args): \(after)")
        }
        let bad = try runPromptc(["convert", input, "--highpass=5", "-o", dir.appendingPathComponent("x.sln").path])
        #expect(bad.status == 2)
        // batch and install take it too.
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out"), sounds = dir.appendingPathComponent("sounds")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: input, toPath: src.appendingPathComponent("rumble.wav").path)
        #expect(try runPromptc(["batch", src.path, "-o", out.path, "--format", "sln", "--highpass"]).status == 0)
        #expect(abs(try measure(out.appendingPathComponent("rumble.sln").path).dc) < 1e-3)
        #expect(try runPromptc(["install", input, "--sounds-dir", sounds.path, "--formats", "sln", "--highpass"]).status == 0)
        let installed = FileTree.list(sounds.path).filter { $0.hasSuffix("rumble.sln") }
        #expect(installed.count == 1)
        for f in installed { #expect(abs(try measure(sounds.path + "/" + f).dc) < 1e-3) }
    }
}
