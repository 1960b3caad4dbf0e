import Foundation
import Testing
@testable import AudioIO
@testable import DSP
@testable import PromptKit

/// Loudness and true peak of a prompt file, by libebur128 (which RealTreeTests checks
/// against ffmpeg's ebur128 filter on Debian's stock prompts).
func writeSLN(_ path: String, _ x: [Float]) throws {
    try Data(x.flatMap { v -> [UInt8] in let s = UInt16(bitPattern: Int16((v * 32768).rounded())); return [UInt8(s & 0xFF), UInt8(s >> 8)] })
        .write(to: URL(fileURLWithPath: path))
}

func measureLoudness(_ path: String) throws -> (lufs: Double?, truePeak: Double?) {
    let (x, rate) = try decodeMono(path)
    let meter = LoudnessMeter(channels: 1)
    _ = try meter.start(StageFormat(rate: rate, channels: 1))
    var sink: [Float] = []
    x.withUnsafeBufferPointer { meter.process($0, into: &sink) }
    return (meter.integratedLoudness, meter.truePeak)
}

@Suite("--normalize: a loudness target, never above -1 dBTP")
struct NormalizeTests {
    @Test("stock prompts and a phone recording reach the target within 0.5 LU, or stop at -1 dBTP true peak and say so", arguments: [
        ("stock/en-5.wav", -19.0), ("stock/en-5.wav", -23.0), ("stock/fr-activated.wav", -19.0), ("stock/en-auth-thankyou.wav", -16.0),
        ("phone/speech.m4a", -23.0), ("speech/speech-44k-stereo.wav", -19.0),
    ])
    func target(file: String, target: Double) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        var o = ConversionOptions(); o.normalize = .integratedLoudness(target)
        let out = dir.appendingPathComponent("n.sln16").path
        let report = try Converter.convert(input: fixture(file), outputs: [try OutputTarget(path: out)], options: o)
        let n = try #require(report.normalization)
        let after = try measureLoudness(out)
        let lufs = try #require(after.lufs), peak = try #require(after.truePeak)
        #expect(peak <= -1 + 0.1, "\(file): true peak \(peak) dBTP")
        let capped = report.warnings.contains { if case .normalizationCapped = $0 { true } else { false } }
        if capped {
            #expect(n.cappedBy > 0.05 && abs(peak - -1) < 0.3, "\(file): stopped at the ceiling, \(peak) dBTP")
            #expect(lufs < target)
        } else {
            #expect(abs(lufs - target) <= 0.5, "\(file): \(lufs) LUFS for \(target)")
        }
        print("\(file) -> \(target): \(String(format: "%.1f", n.measured ?? .nan)) LUFS + \(String(format: "%.1f", n.gain)) dB = \(String(format: "%.2f", lufs)) LUFS, true peak \(String(format: "%.2f", peak)) dBTP\(capped ? " (capped)" : "")")
    }

    @Test("a quiet recording (-56 LUFS, speech with peaks 20 dB above its loudness) reaches the target through the limiter; without it (--no-limit), it stops where the true peak reaches -1 dBTP, with a warning; silence gets no gain and a warning")
    func quietAndSilent() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let quiet = dir.appendingPathComponent("quiet.sln").path
        let x = try decodeMono(fixture("speech/speech-8k-mono.wav")).samples.map { $0 * 0.02 }
        try writeSLN(quiet, x)
        var o = ConversionOptions(); o.normalize = -19
        let out = dir.appendingPathComponent("q.sln").path
        let r = try Converter.convert(input: quiet, outputs: [try OutputTarget(path: out)], options: o)
        #expect(!r.warnings.contains { if case .normalizationCapped = $0 { true } else { false } }, "\(r.warnings)")
        let limited = try measureLoudness(out)
        #expect(abs((limited.lufs ?? 0) - -19) <= 0.5 && (limited.truePeak ?? 0) <= -1 + 0.1, "\(limited)")
        #expect((r.limiting?.maxReductionDB ?? 0) > 0.5, "the limiter acted")
        o.limitWhenRaising = false
        let capped = try Converter.convert(input: quiet, outputs: [try OutputTarget(path: dir.appendingPathComponent("c.sln").path)], options: o)
        #expect(capped.warnings.contains { if case .normalizationCapped = $0 { true } else { false } })
        #expect(capped.limiting == nil)
        #expect(abs((try measureLoudness(dir.appendingPathComponent("c.sln").path).truePeak ?? 0) - -1) < 0.3)
        let silence = dir.appendingPathComponent("silence.sln").path
        try Data(count: 16000).write(to: URL(fileURLWithPath: silence))
        o.limitWhenRaising = true
        let s = try Converter.convert(input: silence, outputs: [try OutputTarget(path: dir.appendingPathComponent("s.sln").path)], options: o)
        #expect(s.warnings.contains { if case .notMeasurable = $0 { true } else { false } })
        #expect(try Data(contentsOf: dir.appendingPathComponent("s.sln")) == Data(count: 16000))
    }

    @Test("a quiet recording with a loud click: the limiter takes at most 12 dB off the click, normalization stops short there and says so")
    func deepestLimiting() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        var x = try decodeMono(fixture("speech/speech-8k-mono.wav")).samples.map { $0 * 0.05 }
        for i in -40...40 {   // a click as a microphone passes it: a band-limited pulse (windowed sinc) reaching 0.9
            let u = 0.85 * Double(i)
            x[4000 + i] += Float(0.9 * (i == 0 ? 1 : sin(.pi * u) / (.pi * u)) * (0.5 + 0.5 * cos(.pi * Double(i) / 41)))
        }
        let input = dir.appendingPathComponent("click.sln").path
        try writeSLN(input, x)
        let before = try measureLoudness(input)
        var o = ConversionOptions(); o.normalize = -19
        let out = dir.appendingPathComponent("k.sln").path
        let r = try Converter.convert(input: input, outputs: [try OutputTarget(path: out)], options: o)
        let n = try #require(r.normalization)
        #expect(r.warnings.contains { if case .normalizationCapped = $0 { true } else { false } }, "\(r.warnings)")
        // The gain that puts the click's true peak 12 dB over the -1 dBTP ceiling.
        let expectedGain = -1 - (before.truePeak ?? 0) + LoudnessNormalizer.deepestLimiting
        #expect(abs(n.gain - expectedGain) < 0.01, "\(n.gain) dB")
        let after = try measureLoudness(out)
        #expect((after.truePeak ?? 0) <= -1 + 0.1 && (after.lufs ?? 0) < -19.5, "\(after)")
        #expect(abs((r.limiting?.maxReductionDB ?? 0) - LoudnessNormalizer.deepestLimiting) < 0.5, "\(String(describing: r.limiting))")
        print(String(format: "click: %.1f LUFS, %.1f dBTP -> gain %+.1f dB -> %.2f LUFS, %.2f dBTP, limiter up to %.1f dB",
                     before.lufs ?? .nan, before.truePeak ?? .nan, n.gain, after.lufs ?? .nan, after.truePeak ?? .nan, r.limiting?.maxReductionDB ?? 0))
    }

    @Test("convert, batch and install take --normalize (bare: -19 LUFS; a negative value given separately)")
    func commandLine() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("stock/en-5.wav")
        for (args, target) in [(["--normalize"], -19.0), (["--normalize", "-23"], -23), (["--normalize=-21"], -21)] {
            let out = dir.appendingPathComponent("c\(target).sln").path
            let r = try runPromptc(["convert", input] + args + ["-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(abs((try measureLoudness(out).lufs ?? 0) - target) <= 0.5, "\(args)")
        }
        #expect(try runPromptc(["convert", input, "--normalize=5", "-o", dir.appendingPathComponent("x.sln").path]).status == 2)
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out"), sounds = dir.appendingPathComponent("sounds")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: input, toPath: src.appendingPathComponent("five.wav").path)
        #expect(try runPromptc(["batch", src.path, "-o", out.path, "--format", "sln", "--normalize", "-23"]).status == 0)
        #expect(abs((try measureLoudness(out.appendingPathComponent("five.sln").path).lufs ?? 0) - -23) <= 0.5)
        #expect(try runPromptc(["install", input, "--sounds-dir", sounds.path, "--formats", "sln", "--normalize", "-23"]).status == 0)
        // en-5.wav is a WAV Asterisk plays as it is, which install would copy: asked to
        // normalize, it converts it like any recording.
        let installed = FileTree.list(sounds.path).filter { $0.hasSuffix(".sln") }
        #expect(installed.count == 1)
        for f in installed { #expect(abs((try measureLoudness(sounds.path + "/" + f).lufs ?? 0) - -23) <= 0.5) }
    }
}

@Suite("the normalizer's limiter: the last trial pass is the output")
struct NormalizerLimiterTests {
    @Test("a prompt the limiter must hold: the normalizer's output is, bit for bit, its gain then the limiter run afresh, and it reports the limiting")
    func lastTrialIsTheOutput() throws {
        let (x, rate) = try decodeMono(fixture("stock/en-5.wav"))
        let settings = TruePeakLimiter.Settings(ceiling: -1)
        let normalizer = LoudnessNormalizer(target: -14, limiter: settings)
        _ = try normalizer.start(StageFormat(rate: rate, channels: 1))
        func blocks(_ body: (UnsafeBufferPointer<Float>) -> Void) {
            for start in stride(from: 0, to: x.count, by: 1000) { x[start..<min(x.count, start + 1000)].withUnsafeBufferPointer(body) }
        }
        blocks { normalizer.measure($0) }
        normalizer.finishMeasuring()
        while normalizer.wantsAnotherPass {
            blocks { normalizer.measure($0) }
            normalizer.finishMeasuring()
        }
        var out: [Float] = []
        blocks { normalizer.process($0, into: &out) }
        normalizer.drain(into: &out)
        let result = try #require(normalizer.result)
        #expect(result.trials >= 1 && result.cappedBy == 0, "the limiter had work, and reached the target: \(result)")
        // The same gain and a new limiter, run as one stage after the other.
        let g = Float(pow(10, result.gain / 20))
        let limiter = TruePeakLimiter(settings)
        _ = try limiter.start(StageFormat(rate: rate, channels: 1))
        var reference: [Float] = []
        let gained = x.map { $0 * g }
        for start in stride(from: 0, to: gained.count, by: 777) {
            gained[start..<min(gained.count, start + 777)].withUnsafeBufferPointer { limiter.process($0, into: &reference) }
        }
        limiter.drain(into: &reference)
        #expect(out.count == x.count)
        #expect(out == reference)
        guard case .limited(let activity)? = normalizer.report else { Issue.record("no limiter report"); return }
        #expect(activity == limiter.activity && activity.limitedFrames > 0, "\(activity)")
        let after = try #require(result.loudnessAfter)
        #expect(abs(after - -14) <= 0.05, "\(after) LUFS")
    }
}

@Suite("the ffmpeg command line's -af: highpass, loudnorm, volume")
struct FFmpegFilterTests {
    @Test("-af runs what convert's flags run, byte for byte; volume changes the level by its factor; other filters are refused")
    func filters() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("stock/en-5.wav")
        func ff(_ chain: String) throws -> Data {
            let out = dir.appendingPathComponent("\(UUID().uuidString).sln").path
            let r = try runPromptc(["-i", input, "-af", chain, "-f", "s16le", "-ar", "8000", "-ac", "1", out])
            #expect(r.status == 0, "\(chain): \(r.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: out))
        }
        func convert(_ o: ConversionOptions) throws -> Data {
            let out = dir.appendingPathComponent("\(UUID().uuidString).sln").path
            _ = try Converter.convert(input: input, outputs: [try OutputTarget(path: out)], options: o)
            return try Data(contentsOf: URL(fileURLWithPath: out))
        }
        var hp = ConversionOptions(); hp.highpass = 120
        #expect(try ff("highpass=f=120") == (try convert(hp)))
        #expect(try ff("highpass=120") == (try convert(hp)))
        var ln = ConversionOptions(); ln.normalize = -24; ln.limit = -2
        #expect(try ff("loudnorm") == (try convert(ln)), "ffmpeg's defaults: I=-24, TP=-2")
        ln.normalize = -16; ln.limit = -1.5
        #expect(try ff("loudnorm=I=-16:TP=-1.5:LRA=11") == (try convert(ln)))
        var both = ConversionOptions(); both.highpass = 100; both.normalize = -24; both.limit = -2
        #expect(try ff("highpass=f=100,loudnorm") == (try convert(both)))
        func rms(_ d: Data) -> Double {
            let s = stride(from: 0, to: d.count - 1, by: 2).map { Double(Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8)) }
            return 10 * log10(s.reduce(0) { $0 + $1 * $1 } / Double(s.count))
        }
        let plain = try convert(ConversionOptions())
        #expect(abs(rms(try ff("volume=0.5")) - rms(plain) - 20 * log10(0.5)) < 0.05)
        #expect(abs(rms(try ff("volume=-6dB")) - rms(plain) + 6) < 0.05)
        // Empty filter names and empty keys (the ffmpeg fuzz target's first find) are errors.
        for chain in ["\t", "=", "highpass=f=", "loudnorm=I="] {
            #expect(throws: ConversionError.self, "\(chain)") { _ = try FFmpegCommand.parse(["-i", input, "-af", chain, "o.alaw"]) }
        }
        for chain in ["volume=:=", ",,", "volume=1:=:=="] { _ = try? FFmpegCommand.parse(["-i", input, "-af", chain, "o.alaw"]) }
        for bad in ["aecho=0.8:0.9:1000:0.3", "volume=loud", "highpass=f=5000"] {
            let r = try runPromptc(["-i", input, "-af", bad, dir.appendingPathComponent("x.alaw").path])
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1, "\(bad): \(r.stderr)")
        }
    }
}

@Suite("--normalize p56:DBOV: an ITU-T P.56 active speech level as the target")
struct ActiveSpeechTargetTests {
    @Test("stock prompts and espeak speech reach -26 dBov active speech level within 0.5 dB (measured by P.56 on the prompt written), through convert and the CLI")
    func p56Target() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for file in ["stock/en-5.wav", "speech/speech-44k-stereo.wav", "conditioning/quiet.flac"] {
            let out = dir.appendingPathComponent("p.sln").path
            let r = try runPromptc(["convert", fixture(file), "--normalize", "p56:-26", "-o", out, "-y"])
            #expect(r.status == 0, "\(r.stderr)")
            let i = try Inspector.inspect(out)
            let level = try #require(i.activeSpeechLevelDBov)
            #expect(abs(level - -26) <= 0.5, "\(file): \(level) dBov")
            print(String(format: "%@ -> p56:-26: %.2f dBov (%.1f LUFS)", file, level, i.loudnessLUFS ?? .nan))
        }
        #expect(try runPromptc(["convert", fixture("stock/en-5.wav"), "--normalize", "p56:-99", "-o", dir.appendingPathComponent("x.sln").path]).status == 2)
        #expect(LoudnessTarget("p56:-26") == .activeSpeech(-26) && LoudnessTarget("-26dBov") == .activeSpeech(-26)
                && LoudnessTarget("-19") == .integratedLoudness(-19) && LoudnessTarget("-19 LUFS") == .integratedLoudness(-19) && LoudnessTarget("loud") == nil)
    }
}
