import Foundation
import Testing
@testable import AudioIO
@testable import DSP
@testable import PromptKit

/// THD+N of a 1 kHz tone, from the fit of the fundamental (residual over fundamental, RMS).
private func distortion(_ x: [Float], rate: Int, skip: Int) -> (thdn: Double, level: Double) {
    let part = Array(x[skip..<(x.count - skip)])
    var ss = 0.0, sc = 0.0, cc = 0.0, xs = 0.0, xc = 0.0
    for (i, v) in part.enumerated() {
        let w = 2 * Double.pi * 1000 * Double(i) / Double(rate), s = sin(w), c = cos(w)
        ss += s * s; sc += s * c; cc += c * c; xs += Double(v) * s; xc += Double(v) * c
    }
    let det = ss * cc - sc * sc, a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det
    var residual = 0.0
    for (i, v) in part.enumerated() {
        let w = 2 * Double.pi * 1000 * Double(i) / Double(rate)
        let e = Double(v) - a * sin(w) - b * cos(w)
        residual += e * e
    }
    let amplitude = (a * a + b * b).squareRoot()
    return ((residual / Double(part.count)).squareRoot() / (amplitude / 2.squareRoot()), 20 * log10(amplitude))
}

@Suite("--limit: the true-peak limiter through convert, the ffmpeg command line and every format")
struct LimiterEndToEndTests {
    @Test("a 1 kHz tone 6 dB over --limit comes out at the limit with under 1% THD+N, in a 16-bit and an A-law prompt")
    func toneThroughConvert() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("tone.wav").path
        try writeWAV(input, samples: tone(1000, rate: 44100, seconds: 2, dBFS: -1), rate: 44100)
        let wide = dir.appendingPathComponent("t.sln16").path, alaw = dir.appendingPathComponent("t.alaw").path
        let r = try runPromptc(["convert", input, "--limit=-7", "-o", wide, "-o", alaw])
        #expect(r.status == 0, "\(r.stderr)")
        let (y, rate) = try decodeMono(wide)
        let (thdn, level) = distortion(y, rate: rate, skip: rate / 5)
        #expect(abs(level - -7) <= 0.05 && thdn < 0.01, "\(level) dB, THD+N \(thdn * 100)%")
        // A-law: the same level, within its step (1/64 of the value near -7 dBFS: 0.14 dB);
        // its quantization noise (about 38 dB under the tone) makes THD+N meaningless there.
        let (z, _) = try decodeMono(alaw)
        let aLevel = distortion(z, rate: 8000, skip: 1600).level
        #expect(abs(aLevel - -7) <= 0.15, "A-law: \(aLevel) dB")
        print(String(format: "--limit=-7, 1 kHz at -1 dBFS: .sln16 %.2f dB, THD+N %.4f%%; .alaw %.2f dB", level, thdn * 100, aLevel))
    }

    @Test("every format of a prompt gets the same gain curve: one limiter runs before the branches, at the highest output rate")
    func oneGainCurve() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("stock/en-auth-thankyou.wav")
        let wide = dir.appendingPathComponent("w.sln16").path, narrow = dir.appendingPathComponent("n.sln").path
        var o = ConversionOptions(); o.normalize = -13   // about 6 dB of limiting on this prompt
        let r = try Converter.convert(input: input, outputs: [try OutputTarget(path: wide), try OutputTarget(path: narrow)], options: o)
        let gain = Float(pow(10, try #require(r.normalization).gain / 20))
        #expect((r.limiting?.maxReductionDB ?? 0) > 3, "\(String(describing: r.limiting))")
        let plainWide = dir.appendingPathComponent("pw.sln16").path, plainNarrow = dir.appendingPathComponent("pn.sln").path
        _ = try Converter.convert(input: input, outputs: [try OutputTarget(path: plainWide), try OutputTarget(path: plainNarrow)])
        // The gain curve of each format: limited over plain (times the normalization gain),
        // where the plain signal is loud enough for the ratio to mean something.
        func curve(_ limited: String, _ plain: String) throws -> [Int: Float] {
            let y = try decodeMono(limited).samples, p = try decodeMono(plain).samples
            var c: [Int: Float] = [:]
            for i in p.indices where abs(p[i]) > 0.05 { c[i] = y[i] / (gain * p[i]) }
            return c
        }
        let cw = try curve(wide, plainWide), cn = try curve(narrow, plainNarrow)
        var worst: Float = 0, compared = 0, limitedThere = 0
        for (j, g) in cn {
            guard let h = cw[2 * j] else { continue }
            worst = max(worst, abs(g - h)); compared += 1
            if h < 0.9 { limitedThere += 1 }
        }
        #expect(compared > 1000 && limitedThere > 100, "\(compared) samples compared, \(limitedThere) limited")
        #expect(worst < 0.03, "the 8 kHz curve departs from the 16 kHz one by \(worst)")
        for path in [wide, narrow] {
            let peak = try #require(try measureLoudness(path).truePeak)
            #expect(peak <= -1 + 0.1, "\(path): \(peak) dBTP")
        }
        print(String(format: "one gain curve: %d samples compared, worst difference %.4f", compared, worst))
    }

    @Test("--limit (bare: -1 dBTP), --no-limit, and the ffmpeg command line's loudnorm TP and a raised volume run the limiter")
    func commandLine() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("stock/en-auth-thankyou.wav")
        func truePeak(_ path: String) throws -> Double { try #require(try measureLoudness(path).truePeak) }
        let original = try truePeak(input)
        for (args, ceiling) in [(["--limit"], -1.0), (["--limit", "-6"], -6), (["--limit=-9"], -9)] {
            let out = dir.appendingPathComponent("l\(ceiling).sln").path
            let r = try runPromptc(["convert", input] + args + ["-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            let peak = try truePeak(out)
            #expect(peak <= ceiling + 0.1 && (ceiling < original ? peak > ceiling - 0.5 : true), "\(args): \(peak) dBTP")
        }
        #expect(try runPromptc(["convert", input, "--limit=3", "-o", dir.appendingPathComponent("x.sln").path]).status == 2)
        let both = try runPromptc(["convert", input, "--limit", "--no-limit", "-o", dir.appendingPathComponent("x.sln").path])
        #expect(both.status == 2 && both.stderr.contains("--no-limit"))
        // --no-limit: normalization stops where the true peak reaches -1 dBTP.
        let nl = dir.appendingPathComponent("nl.sln").path
        let r = try runPromptc(["convert", input, "--normalize=-14", "--no-limit", "-o", nl])
        #expect(r.status == 0 && r.stderr.contains("-14.0"), "\(r.stderr)")
        #expect(abs(try truePeak(nl) - -1) < 0.3)
        // The ffmpeg command line: loudnorm's TP is the ceiling; a raised volume gets the -1 dBTP limiter.
        let ln = dir.appendingPathComponent("ln.sln").path
        #expect(try runPromptc(["-i", input, "-af", "loudnorm=I=-14:TP=-3", "-f", "s16le", "-ar", "8000", "-ac", "1", ln]).status == 0)
        #expect(try truePeak(ln) <= -3 + 0.1)
        let vol = dir.appendingPathComponent("vol.sln").path
        #expect(try runPromptc(["-i", input, "-af", "volume=12dB", "-f", "s16le", "-ar", "8000", "-ac", "1", vol]).status == 0)
        #expect(try truePeak(vol) <= -1 + 0.1)
        // Install and batch take it too.
        let sounds = dir.appendingPathComponent("sounds")
        #expect(try runPromptc(["install", input, "--sounds-dir", sounds.path, "--formats", "sln", "--limit=-6", "--name", "thanks"]).status == 0)
        #expect(try truePeak(sounds.appendingPathComponent("en/custom/thanks.sln").path) <= -6 + 0.1)
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: input, toPath: src.appendingPathComponent("thanks.wav").path)
        #expect(try runPromptc(["batch", src.path, "-o", out.path, "--format", "sln", "--limit=-6"]).status == 0)
        #expect(try truePeak(out.appendingPathComponent("thanks.sln").path) <= -6 + 0.1)
    }
}
