import Foundation
import TestSupport
import Testing
@testable import DSP
import CPUFeatures

/// Every build of the filter kernels this machine can run (baseline, and AVX2 where the CPU has it).
let levels = SIMDLevel.supported

/// Input rates the resampler must serve, from phones, studios and odd devices.
let commonRates = [11025, 16000, 22050, 32000, 44100, 48000, 96000]
let oddRates = [1000, 7999, 44101, 37800, 768_000]

@Suite("Polyphase resampler quality (8 kHz output unless stated)")
struct ResamplerTests {
    @Test("passband flat within ±0.1 dB from 0 to 3800 Hz", arguments: commonRates + [44101, 7999], levels)
    func passbandIsFlat(rate: Int, simd: SIMDLevel) {
        var worst = 0.0
        for f in [50.0, 300, 1000, 2000, 3000, 3500, 3700, 3800] where f < Double(rate) / 2 * 0.95 {
            let r = PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: simd)
            let y = Signal.run(r, Signal.tone(f, rate: rate, seconds: 0.5))
            let gain = Signal.dB(Signal.fit(y, frequency: f, rate: 8000, skip: 400).amplitude / 0.5)
            worst = max(worst, abs(gain))
        }
        #expect(worst <= 0.1, "worst passband deviation \(worst) dB at \(rate) Hz (\(simd))")
    }

    @Test("everything at or above 4000 Hz is attenuated by at least 100 dB", arguments: commonRates + [44101], levels)
    func stopbandIsDeep(rate: Int, simd: SIMDLevel) {
        var worst = -400.0
        for f in [4000.0, 4050, 4200, 5000, 7000, 7900, 8000, 11000, 15000, 19999, 23000, 40000]
        where f < Double(rate) / 2 {
            let r = PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: simd)
            let y = Signal.run(r, Signal.tone(f, rate: rate, seconds: 0.5))
            worst = max(worst, Signal.dB(Signal.rms(y, skip: 400) / (0.5 / 2.0.squareRoot())))
        }
        #expect(worst <= -100, "worst stopband leak \(worst) dB at \(rate) Hz (\(simd))")
    }

    @Test("16 kHz output: flat to 7600 Hz, >= 100 dB from 8000 Hz", arguments: [44100, 48000, 8000, 22050])
    func wideband(rate: Int) {
        for f in [200.0, 3000, 7600] where f < Double(rate) / 2 * 0.95 {
            let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 16000), Signal.tone(f, rate: rate, seconds: 0.3))
            #expect(abs(Signal.dB(Signal.fit(y, frequency: f, rate: 16000, skip: 800).amplitude / 0.5)) <= 0.1, "\(f) Hz")
        }
        for f in [8000.0, 9000, 15000, 21000] where f < Double(rate) / 2 {
            let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 16000), Signal.tone(f, rate: rate, seconds: 0.3))
            #expect(Signal.dB(Signal.rms(y, skip: 800) / (0.5 / 2.0.squareRoot())) <= -100, "\(f) Hz leaks")
        }
        if rate == 8000 { // upsampling: the images above 4 kHz must be gone too
            let y = Signal.run(PolyphaseResampler(inputRate: 8000, outputRate: 16000), Signal.tone(1000, rate: 8000, seconds: 0.3))
            let image = Signal.fit(y, frequency: 7000, rate: 16000, skip: 800).amplitude
            #expect(Signal.dB(image / 0.5) <= -100)
        }
    }

    @Test("output k is the input at time k/8000 s (delay compensated)", arguments: commonRates + oddRates, levels)
    func delayIsCompensated(rate: Int, simd: SIMDLevel) {
        let f = min(1000.0, Double(rate) * 0.3)
        let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: simd), Signal.tone(f, rate: rate, seconds: 0.5, phase: 0.3))
        let phase = Signal.fit(y, frequency: f, rate: 8000, skip: 400).phase
        // A time error of dt seconds shows as a phase error of 2 pi f dt; allow half an input sample.
        let timeError = abs(phase - 0.3) / (2 * .pi * f)
        #expect(timeError < 0.5 / Double(rate), "time error \(timeError * Double(rate)) input samples")
    }

    @Test("output length is exactly round(frames * 8000 / rate)", arguments: commonRates + oddRates)
    func exactLength(rate: Int) {
        for frames in [0, 1, 2, 7, 100, 4095, 4096, 44_099, 123_457] {
            let out = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000), [Float](repeating: 0.1, count: frames))
            let expected = Int((Double(frames) * 8000 / Double(rate)).rounded(.toNearestOrAwayFromZero))
            #expect(out.count == expected, "\(frames) frames at \(rate) Hz")
        }
    }

    // 48000 (2 phases) and 22050 (320 phases after the decimator) exercise the blocked
    // polyphase kernel, 44100 the four-output decimator, 44101 the interpolated kernel.
    @Test("block size does not change a single output sample", arguments: [44100, 44101, 16000, 48000, 22050], levels)
    func blockBoundariesAreSeamless(rate: Int, simd: SIMDLevel) {
        var rng = SeededGenerator(seed: 2027)
        let x = (0..<30_000).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        let reference = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: simd), x, block: 30_000)
        for block in [1, 7, 64, 1000, 4096] {
            let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: simd), x, block: block)
            #expect(y == reference, "block \(block) (\(simd))")
        }
    }

    @Test("every SIMD build of the kernels gives the same output to within float rounding", arguments: [44100, 48000, 22050, 44101])
    func levelsAgree(rate: Int) {
        var rng = SeededGenerator(seed: 2028)
        let x = (0..<40_000).map { _ in Float.random(in: -0.9...0.9, using: &rng) }
        let baseline = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: .baseline), x)
        for simd in levels {
            let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000, simd: simd), x)
            #expect(y.count == baseline.count)
            let worst = zip(y, baseline).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 2e-6, "\(simd) differs from baseline by \(worst) at \(rate) Hz")
        }
    }

    @Test("a detached pre-decimator gives bit-identical output and the exact length", arguments: [44100, 48000, 96000, 44101])
    func detachedPreDecimator(rate: Int) {
        var rng = SeededGenerator(seed: 2029)
        let x = (0..<54_321).map { _ in Float.random(in: -0.5...0.5, using: &rng) }
        let whole = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: 8000), x, block: 999)
        let r = PolyphaseResampler(inputRate: rate, outputRate: 8000)
        guard let pre = r.detachPreDecimator() else { Issue.record("no pre-decimator at \(rate) Hz"); return }
        #expect(r.detachPreDecimator() == nil)
        // Detached, the resampler no longer sees the input's length: it is told, as the executor does.
        r.expectedOutputFrames = PolyphaseResampler.outputLength(inputFrames: x.count, inputRate: rate, outputRate: 8000)
        let split = Signal.run(StageChainStage(StageChain([pre, r])), x, block: 999)
        #expect(split == whole)
    }

    @Test("equal rates are an identity")
    func identity() {
        let x = (0..<10_000).map { Float($0 % 200) / 256 - 0.4 }
        let r = PolyphaseResampler(inputRate: 8000, outputRate: 8000)
        #expect(Signal.run(r, x) == x)
    }

    @Test("planning designs only the stages it picks; the table cache stays bounded for any rate")
    func planningCost() {
        // An attenuation no other test uses, so the count below is this test's alone.
        let q = ResamplerQuality(passbandEdge: 0.95, stopbandEdge: 1.0, attenuationDB: 97.25)
        let r = PolyphaseResampler(inputRate: 44101, outputRate: 8000, quality: q)
        #expect(r.stageDescription.contains("->"), "a two-stage plan: \(r.stageDescription)")
        #expect(FilterTableKey.cachedCount(attenuation: 97.25) == 2, "only the two chosen stages were designed")
        for rate in stride(from: 20011, to: 768_000, by: 37_013) { _ = PolyphaseResampler(inputRate: rate, outputRate: 8000) }
        #expect(FilterTableKey.cachedBytes <= FilterTableKey.cacheLimit)
    }

    /// Which plan is cheaper is the benchmark's to show (Benchmarks/DSPBenchmarks); this
    /// checks the plan's shape for the common rates.
    @Test("common rates get a wide first stage to 4/3 of 8 kHz and the equiripple sharp stage")
    func multistagePlan() {
        for rate in [11025, 22050, 44100, 48000, 96000] {
            let r = PolyphaseResampler(inputRate: rate, outputRate: 8000)
            #expect(r.stageDescription.contains("-> 10666 Hz x3/4 (") && r.stageDescription.hasSuffix(" taps equiripple, 3 exact phases)"),
                    "\(rate): \(r.stageDescription)")
        }
    }

    @Test("equiripple tables match a fresh design (and cover every preset at 8 and 16 kHz)")
    func equirippleTablesAreCurrent() throws {
        var specs: [EquirippleDesign.Spec] = []
        for quality in [ResamplerQuality.telephone, .draft] {
            for out in [8000, 16000] {
                // The sharp stage's band edges, computed as the plan computes them.
                let nyquist = Double(out) / 2, mid = Double(out) * 4 / 3
                specs.append(PolyphaseStage.equirippleSpec(phases: 3, pass: quality.passbandEdge * nyquist / mid,
                                                           stop: quality.stopbandEdge * nyquist / mid,
                                                           attenuationDB: quality.attenuationDB))
            }
        }
        var source = """
        // Generated: the equiripple prototypes of the resampler's presets, so that no conversion
        // waits 0.1 s for a design. The test "equiripple tables match a fresh design" checks every
        // entry against EquirippleDesign.lowpass and, when they differ, writes this file anew to
        // .build/EquirippleTables.swift (copy it here). Each array is the centre tap and one half.
        enum EquirippleTables {
            static let prototypes: [EquirippleDesign.Spec: [Double]] = [

        """
        var current = true
        for spec in Set(specs).sorted(by: { ($0.attenuationDB, $0.pass) < ($1.attenuationDB, $1.pass) }) {
            let fresh = try #require(EquirippleDesign.lowpass(halfOrder: spec.halfOrder, pass: spec.pass, stop: spec.stop,
                                                              stopWeight: spec.stopWeight))
            let half = Array(fresh[spec.halfOrder...])
            if EquirippleTables.prototypes[spec] != half { current = false }
            source += "        EquirippleDesign.Spec(halfOrder: \(spec.halfOrder), pass: \(spec.pass), stop: \(spec.stop), attenuationDB: \(spec.attenuationDB)): [\n"
            for row in stride(from: 0, to: half.count, by: 4) {
                source += "            " + half[row..<min(row + 4, half.count)].map { "\($0)," }.joined(separator: " ") + "\n"
            }
            source += "        ],\n"
        }
        source += "    ]\n}\n"
        if !current && Figures.requested {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/EquirippleTables.swift")
            try source.write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(current, "Sources/DSP/EquirippleTables.swift is stale: make figures writes the new one to .build/EquirippleTables.swift")
        #expect(EquirippleTables.prototypes.count == Set(specs).count)
    }

    @Test("a custom quality designs its equiripple filter at run time and meets it")
    func customQuality() {
        let q = ResamplerQuality(passbandEdge: 0.9, stopbandEdge: 1.0, attenuationDB: 90)
        let r = PolyphaseResampler(inputRate: 44100, outputRate: 8000, quality: q)
        #expect(r.stageDescription.contains("equiripple"), "\(r.stageDescription)")
        var pass = 0.0, stop = -400.0
        for f in stride(from: 200.0, through: 3600, by: 200) {
            let y = Signal.run(PolyphaseResampler(inputRate: 44100, outputRate: 8000, quality: q), Signal.tone(f, rate: 44100, seconds: 0.25))
            pass = max(pass, abs(Signal.dB(Signal.fit(y, frequency: f, rate: 8000, skip: 300).amplitude / 0.5)))
        }
        for f in stride(from: 4000.0, to: 22050, by: 500) {
            let y = Signal.run(PolyphaseResampler(inputRate: 44100, outputRate: 8000, quality: q), Signal.tone(f, rate: 44100, seconds: 0.25))
            stop = max(stop, Signal.dB(Signal.rms(y, skip: 300) / (0.5 / 2.0.squareRoot())))
        }
        #expect(pass <= 0.1 && stop <= -85, "passband \(pass) dB, stopband \(stop) dB")
    }

    @Test("equiripple design: equal ripples, the band errors it was weighted for, shorter than Kaiser")
    func equirippleDesign() throws {
        // The sharp stage's prototype: 3800 / 4000 Hz at 32 kHz, passband ripple 0.004, stopband 1e-5.5.
        let stopRipple = pow(10, -110.0 / 20)
        let n = EquirippleDesign.estimatedTaps(transition: 200 / 32000, passRipple: 0.004, stopRipple: stopRipple)
        let h = try #require(EquirippleDesign.lowpass(halfOrder: n / 2, pass: 3800 / 32000, stop: 4000 / 32000,
                                                      stopWeight: 0.004 / stopRipple))
        #expect(h.count == n / 2 * 2 + 1)
        func response(_ f: Double) -> Double {
            let m = h.count / 2
            return h[m] + (1...m).reduce(0) { $0 + 2 * h[m + $1] * cos(2 * Double.pi * f * Double($1)) }
        }
        let passError = stride(from: 0.0, through: 3800, by: 2).map { abs(response($0 / 32000) - 1) }.max()!
        let stopError = stride(from: 4000.0, through: 16000, by: 2).map { abs(response($0 / 32000)) }.max()!
        #expect(passError <= 0.004 && stopError <= stopRipple, "pass \(passError), stop \(stopError)")
        #expect(abs(passError / stopError - 0.004 / stopRipple) / (0.004 / stopRipple) < 0.02, "ripples not in the weighted ratio")
        let kaiserTaps = (110 - 7.95) / (2.285 * 2 * Double.pi * 200 / 32000) + 1
        #expect(Double(h.count) < kaiserTaps * 0.65, "\(h.count) taps vs Kaiser \(kaiserTaps)")
    }
}

/// Wraps a chain as one stage for `Signal.run`.
final class StageChainStage: AudioStage {
    let chain: StageChain
    let inputChannels = 1, outputChannels = 1
    init(_ chain: StageChain) { self.chain = chain }
    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) { chain.process(input, into: &output) }
    func drain(into output: inout [Float]) { chain.drain(into: &output) }
}

@Suite("Channel mixer")
struct ChannelMixerTests {
    @Test("stereo mean equals (left + right) / 2 exactly at every length (SIMD body, scalar tail)")
    func stereoMeanEveryLength() {
        var rng = SeededGenerator(seed: 2030)
        for frames in 0...40 {
            let x = (0..<(2 * frames)).map { _ in Float.random(in: -1...1, using: &rng) }
            let expected: [Float] = (0..<frames).map { (f: Int) -> Float in
                let left = x[2 * f], right = x[2 * f + 1]
                return (left + right) * 0.5
            }
            #expect(Signal.run(ChannelMixer(channels: 2), x, block: 2 * 17) == expected, "\(frames) frames")
        }
    }

    @Test func meanAndPick() {
        let stereo: [Float] = [1, 0, 0.5, 0.5, -1, 1]
        #expect(Signal.run(ChannelMixer(channels: 2), stereo) == [0.5, 0.5, 0])
        #expect(Signal.run(ChannelMixer(channels: 2, mode: .pick(1)), stereo) == [0, 0.5, 1])
        let three: [Float] = [0.3, 0.6, 0.9]
        #expect(abs(Signal.run(ChannelMixer(channels: 3), three)[0] - 0.6) < 1e-6)
    }
}

@Suite("Resampler figures (printed for the README)", .enabled(if: Figures.requested, "a printed figure: make figures runs it"))
struct ResamplerFigures {
    @Test func printFigures() {
        // 8 kHz (narrowband prompts) and 16 kHz (G.722, .sln16, .wav16): tones every 100 Hz
        // (200 Hz at 16 kHz) to 0.95 of the output's Nyquist, every 250 Hz from Nyquist up.
        for (out, rates) in [(8000, [44100, 48000, 16000, 11025, 22050, 96000, 44101]), (16000, [44100, 48000, 22050, 32000, 96000, 44101])] {
            let nyquist = Double(out) / 2
            for rate in rates {
                var pass = 0.0, stop = -400.0
                for f in stride(from: 100.0, through: 0.95 * nyquist, by: out == 8000 ? 100 : 200) {
                    let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: out), Signal.tone(f, rate: rate, seconds: 0.25))
                    pass = max(pass, abs(Signal.dB(Signal.fit(y, frequency: f, rate: out, skip: out / 25).amplitude / 0.5)))
                }
                for f in stride(from: nyquist, to: Double(rate) / 2, by: 250) {
                    let y = Signal.run(PolyphaseResampler(inputRate: rate, outputRate: out), Signal.tone(f, rate: rate, seconds: 0.25))
                    stop = max(stop, Signal.dB(Signal.rms(y, skip: out / 25) / (0.5 / 2.0.squareRoot())))
                }
                let r = PolyphaseResampler(inputRate: rate, outputRate: out)
                print("resampler \(rate)->\(out): passband max dev \(String(format: "%.4f", pass)) dB, stopband max \(String(format: "%.1f", stop)) dB, \(Int(r.costPerSecond / 1e6)) M MAC/s, \(r.stageDescription)")
                #expect(pass <= 0.1 && stop <= -100)
            }
        }
    }
}

@Suite("Sample guards (SIMD scans)")
struct SampleGuardTests {
    @Test("NaN/infinity replaced and counted, overs and peak counted, at every length and position")
    func guards() {
        for length in [0, 1, 15, 16, 17, 100] {
            for position in Set([0, length / 2, max(0, length - 1)]) where length > 0 {
                var x = (0..<length).map { Float($0 % 7) / 10 - 0.3 }
                x[position] = .nan
                if length > 2 { x[(position + 1) % length] = -.infinity }
                let g = NonFiniteGuard(channels: 1)
                let y = Signal.run(g, x)
                #expect(y.allSatisfy(\.isFinite) && g.replaced == (length > 2 ? 2 : 1), "length \(length) at \(position)")
                #expect(y[position] == 0 && (length <= 2 || y[(position + 1) % length] == -1))
            }
            var z = (0..<length).map { Float($0 % 5) / 4 }          // 0, .25, .5, .75, 1.0
            if length > 3 { z[3] = -1.25; z[length - 1] = 1.0000001 }
            let c = OverCounter()
            _ = Signal.run(c, z)
            let expected = z.filter { abs($0) > 1 }.count
            #expect(c.overs == expected && c.peak == (z.map { abs($0) }.max() ?? 0), "length \(length)")
        }
    }
}
