import Foundation
import Testing
import TestSupport
@testable import AudioIO
@testable import DSP
@testable import PromptKit

/// Seeded Gaussian hiss at `dBFS` RMS.
func hiss(_ n: Int, dBFS: Double, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    let rms = pow(10, dBFS / 20)
    return (0..<n).map { _ in
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
        return Float(rms * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

/// A phone-like recording: 1.5 s of hiss at -55 dBFS, the espeak speech (which starts at
/// its first sample) over the same hiss, 1 s more of hiss. 8 kHz, 16-bit.
private func hissyRecording(in dir: URL) throws -> (path: String, samples: [Float], speechStart: Int, speechLength: Int) {
    let speech = try decodeMono(fixture("speech/speech-8k-mono.wav")).samples
    var x = hiss(12000 + speech.count + 8000, dBFS: -55, seed: 42)
    for (i, v) in speech.enumerated() { x[12000 + i] += v }
    let path = dir.appendingPathComponent("hissy.sln").path
    try writeSLN(path, x)
    return (path, try decodeMono(path).samples, 12000, speech.count)
}

/// Where `part` sits in `whole`, sample for sample (nil: it is not a slice of it).
private func offset(of part: [Float], in whole: [Float], near: Range<Int>) -> Int? {
    near.first { k in k >= 0 && k + part.count <= whole.count && whole[k..<(k + part.count)].elementsEqual(part) }
}

@Suite("prompt conditioning: trim, fades, lead-in, a piece, --telephony, and where the sound is in info")
struct ConditioningTests {
    @Test("info finds speech over hiss at -55 dBFS where it is (the old -60 dBFS threshold saw no silence at all), and the hiss as the noise floor")
    func infoOverHiss() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (path, _, _, length) = try hissyRecording(in: dir)
        let clean = try Inspector.inspect(fixture("speech/speech-8k-mono.wav"))
        let i = try Inspector.inspect(path)
        #expect(abs(i.leadingSilence - 1.5) <= 0.002, "lead \(i.leadingSilence)")
        // The speech's own tail (its last sound) plus the 1 s of hiss.
        #expect(abs(i.trailingSilence - (clean.trailingSilence + 1)) <= 0.02, "tail \(i.trailingSilence), clean \(clean.trailingSilence)")
        #expect(abs(i.noiseFloorDBFS - -55) <= 1.5, "floor \(i.noiseFloorDBFS)")
        let a = try #require(i.activeSpeechLevelDBov), b = try #require(clean.activeSpeechLevelDBov)
        #expect(abs(a - b) <= 0.3, "P.56 with hiss \(a) dBov, clean \(b)")
        #expect(abs(try #require(i.activityFactor) - (clean.activityFactor ?? 0) * Double(length) / Double(length + 20000)) < 0.05)
        let json = try runPromptc(["info", "--json", path])
        #expect(json.status == 0 && String(decoding: json.stdout, as: UTF8.self).contains("\"activeSpeechLevelDBov\""))
    }

    @Test("--trim keeps exactly the pad around the sound found, cuts nothing between, and fades 5 ms by default")
    func trim() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (path, x, start, length) = try hissyRecording(in: dir)
        var o = ConversionOptions(); o.trim = 0.05; o.fade = 0
        let out = dir.appendingPathComponent("t.sln").path
        let r = try Converter.convert(input: path, outputs: [try OutputTarget(path: out)], options: o)
        let t = try #require(r.trim)
        let found = try #require(t.sound.start), foundEnd = try #require(t.sound.end)
        #expect(abs(found - start) <= 8, "sound found at \(found), speech starts at \(start)")
        #expect(found - t.kept.lowerBound == 400 && t.kept.upperBound - foundEnd == 400, "pads \(found - t.kept.lowerBound), \(t.kept.upperBound - foundEnd)")
        let y = try decodeMono(out).samples
        // The output is the input from 50 ms before the sound to 50 ms after it, sample for sample.
        #expect(offset(of: y, in: x, near: (start - 500)..<(start - 300)) == t.kept.lowerBound)
        #expect(y.count == t.kept.count && t.kept.upperBound >= start + length - 2000, "\(y.count) samples kept")
        // Default fade: 5 ms of raised cosine at each end, the rest untouched.
        o.fade = nil
        let faded = dir.appendingPathComponent("f.sln").path
        _ = try Converter.convert(input: path, outputs: [try OutputTarget(path: faded)], options: o)
        let z = try decodeMono(faded).samples
        #expect(z.count == y.count && z[40..<(z.count - 40)].elementsEqual(y[40..<(y.count - 40)]))
        #expect(abs(z[0]) < abs(y[0]) * 0.01 + 1 / 32768 && abs(z[z.count - 1]) < abs(y[y.count - 1]) * 0.01 + 1 / 32768)
        for i in 0..<40 {
            let ramp = Float(0.5 - 0.5 * cos(Double.pi * (Double(i) + 0.5) / 40))
            #expect(abs(z[i] - y[i] * ramp) <= 1 / 32768, "fade-in at \(i)")
        }
        // Two rates at once: the same piece of the prompt in each.
        let wide = dir.appendingPathComponent("t.sln16").path, narrow = dir.appendingPathComponent("t2.sln").path
        let both = try Converter.convert(input: path, outputs: [try OutputTarget(path: wide), try OutputTarget(path: narrow)], options: o)
        #expect(abs(both.outputs[0].frames - 2 * both.outputs[1].frames) <= 1 && abs(both.outputs[1].frames - y.count) <= 1, "\(both.outputs.map(\.frames))")
    }

    @Test("--lead-in puts silence first; --start and --duration (and ffmpeg's -ss and -t) keep a piece to the sample; silenceremove trims")
    func leadInAndPieces() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (path, x, _, _) = try hissyRecording(in: dir)
        let lead = dir.appendingPathComponent("l.sln").path, plain = dir.appendingPathComponent("p.sln").path
        #expect(try runPromptc(["convert", path, "--trim", "--lead-in", "200", "-o", lead]).status == 0)
        #expect(try runPromptc(["convert", path, "--trim", "-o", plain]).status == 0)
        let l = try decodeMono(lead).samples, p = try decodeMono(plain).samples
        #expect(l.count == p.count + 1600 && l[0..<1600].allSatisfy { $0 == 0 } && l[1600...].elementsEqual(p))
        let piece = dir.appendingPathComponent("piece.sln").path
        let r = try runPromptc(["convert", path, "--start", "0.5", "--duration", "1", "-o", piece])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try decodeMono(piece).samples.elementsEqual(x[4000..<12000]))
        let ff = dir.appendingPathComponent("ff.sln").path
        #expect(try runPromptc(["-ss", "00:00:00.5", "-i", path, "-t", "1", "-f", "s16le", "-ar", "8000", "-ac", "1", ff]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ff)) == Data(contentsOf: URL(fileURLWithPath: piece)))
        let late = try runPromptc(["convert", path, "--start", "99", "-o", dir.appendingPathComponent("late.sln").path])
        #expect(late.status != 0 && late.stderr.contains("past the end") && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("late.sln").path))
        #expect(try runPromptc(["convert", path, "--start", "1:75", "-o", dir.appendingPathComponent("bad.sln").path]).status == 2)
        // ffmpeg's silenceremove, as scripts write it: promptc's trim with no pad.
        let sr = dir.appendingPathComponent("sr.sln").path, t0 = dir.appendingPathComponent("t0.sln").path
        #expect(try runPromptc(["-i", path, "-af", "silenceremove=start_periods=1:start_threshold=-50dB:stop_periods=1:stop_threshold=-50dB", "-f", "s16le", "-ar", "8000", "-ac", "1", sr]).status == 0)
        #expect(try runPromptc(["convert", path, "--trim=0", "-o", t0]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: sr)) == Data(contentsOf: URL(fileURLWithPath: t0)))
        let inside = try runPromptc(["-i", path, "-af", "silenceremove=stop_periods=-1", "-f", "s16le", "-ar", "8000", "-ac", "1", sr + "x"])
        #expect(inside.status == 2 && inside.stderr.contains("stop_periods"))
    }

    @Test("batch and install --telephony: high-pass, 50 ms pads, -19 LUFS within 0.5 LU, true peak under -1 dBTP")
    func telephony() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let (path, _, _, _) = try hissyRecording(in: dir)
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // A quiet copy too: 20 dB down.
        try writeSLN(src.appendingPathComponent("quiet.sln").path, try decodeMono(path).samples.map { $0 * 0.1 })
        try FileManager.default.copyItem(atPath: path, toPath: src.appendingPathComponent("hissy.sln").path)
        let r = try runPromptc(["batch", src.path, "-o", out.path, "--format", "sln,sln16", "--telephony"])
        #expect(r.status == 0, "\(r.stderr)")
        for name in ["hissy", "quiet"] {
            for ext in ["sln", "sln16"] {
                let f = out.appendingPathComponent("\(name).\(ext)").path
                // Loudness by libebur128; the true peak by band-limited interpolation (libebur128's
                // 4x meter reads 8 kHz prompts up to 0.2 dB high near the Nyquist frequency).
                let m = try measureLoudness(f), peak = truePeak(try decodeMono(f).samples)
                #expect(abs((m.lufs ?? 0) - -19) <= 0.5 && peak <= -1 + 0.05, "\(name).\(ext): \(m), true peak \(peak)")
                let i = try Inspector.inspect(f)
                #expect(abs(i.leadingSilence - 0.05) <= 0.003, "\(name).\(ext): lead \(i.leadingSilence)")
            }
        }
        let sounds = dir.appendingPathComponent("sounds")
        #expect(try runPromptc(["install", path, "--sounds-dir", sounds.path, "--formats", "sln", "--telephony", "--name", "hi"]).status == 0)
        #expect(abs((try measureLoudness(sounds.appendingPathComponent("en/custom/hi.sln").path).lufs ?? 0) - -19) <= 0.5)
    }
}

@Suite("--denoise: libspeexdsp's preprocessor on a hissy phone recording")
struct DenoiseTests {
    @Test("the hiss falls by over 20 dB, the speech keeps its P.56 level within 1 dB and its place to the sample; trimming then finds the speech")
    func hissy() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("conditioning/hissy.flac")
        let plain = dir.appendingPathComponent("p.sln16").path, clean = dir.appendingPathComponent("d.sln16").path
        #expect(try runPromptc(["convert", input, "-o", plain]).status == 0)
        let r = try runPromptc(["convert", input, "--denoise", "-o", clean])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let before = try Inspector.inspect(plain), after = try Inspector.inspect(clean)
        #expect(before.noiseFloorDBFS - after.noiseFloorDBFS > 20, "floor \(before.noiseFloorDBFS) -> \(after.noiseFloorDBFS) dBFS")
        let a = try #require(before.activeSpeechLevelDBov), b = try #require(after.activeSpeechLevelDBov)
        #expect(abs(a - b) <= 1, "P.56 \(a) -> \(b) dBov")
        #expect(after.frames == before.frames)
        #expect(abs(after.leadingSilence - 1.5) <= 0.02, "lead \(after.leadingSilence) s")
        // In place: the denoised speech lines up with the original at lag 0 (cross-correlation over ±25 ms).
        let x = try decodeMono(plain).samples, y = try decodeMono(clean).samples
        func correlation(_ lag: Int) -> Double {
            var s = 0.0
            for i in stride(from: 30000, to: 80000, by: 1) { s += Double(x[i]) * Double(y[i + lag]) }
            return s
        }
        let best = (-400...400).max { correlation($0) < correlation($1) }
        #expect(best == 0, "lag \(String(describing: best))")
        print(String(format: "--denoise on hissy.flac: noise floor %.1f -> %.1f dBFS, P.56 %.2f -> %.2f dBov", before.noiseFloorDBFS, after.noiseFloorDBFS, a, b))
    }
}
