import Foundation
import Testing
import TestSupport
@testable import DSP
import CPUFeatures

/// THD+N of a tone: what is left after the fitted fundamental is taken out, against the fundamental.
private func distortion(_ x: [Float], frequency: Double, rate: Int, from start: Int) -> (thdn: Double, amplitude: Double) {
    let part = Array(x[start...])
    let (a, phase) = Signal.fit(part, frequency: frequency, rate: rate, skip: 0)
    var residual = 0.0
    for (i, v) in part.enumerated() {
        let e = Double(v) - a * sin(2 * .pi * frequency * Double(i) / Double(rate) + phase)
        residual += e * e
    }
    return ((residual / Double(part.count)).squareRoot() / (a / 2.squareRoot()), a)
}

@Suite("TruePeakLimiter: look-ahead true-peak limiting without clipping")
struct TruePeakLimiterTests {
    @Test("a 1 kHz tone driven 6 dB into the limiter comes out at the ceiling with under 1% THD+N", arguments: [8000, 16000, 48000])
    func toneDrivenIn(rate: Int) throws {
        let ceiling = -7.0
        let x = Signal.tone(1000, rate: rate, seconds: 1, amplitude: pow(10, -1.0 / 20))
        let limiter = TruePeakLimiter(.init(ceiling: ceiling))
        _ = try limiter.start(StageFormat(rate: rate, channels: 1))
        let y = Signal.run(limiter, x)
        #expect(y.count == x.count)
        let (thdn, amplitude) = distortion(y, frequency: 1000, rate: rate, from: rate / 10)
        #expect(thdn < 0.01, "\(rate) Hz: THD+N \(thdn * 100)%")
        #expect(Signal.dB(amplitude) <= ceiling + 0.01 && Signal.dB(amplitude) > ceiling - 0.5, "\(rate) Hz: \(Signal.dB(amplitude)) dB")
        #expect(truePeak(y) <= ceiling + 0.01, "\(rate) Hz: \(truePeak(y)) dBTP")
        // The start too: the look-ahead lowers the gain before the first peak.
        #expect(Signal.dB(Double(y[0..<(rate / 100)].map { abs($0) }.max()!)) <= ceiling + 0.01)
        let a = limiter.activity
        #expect(abs(a.maxReductionDB - (-1 - ceiling)) < 0.5, "\(a)")
        print(String(format: "limiter, 1 kHz 6 dB in at %d Hz: THD+N %.4f%%, level %.2f dB for a ceiling of %.1f", rate, thdn * 100, Signal.dB(amplitude), ceiling))
    }

    @Test("below the ceiling every sample passes unchanged and in place")
    func transparent() throws {
        var g = SeededGenerator(seed: 7)
        let x = (0..<20000).map { _ in Float.random(in: -0.3...0.3, using: &g) }   // true peak well under -1 dBTP
        let limiter = TruePeakLimiter(.init(ceiling: -1))
        _ = try limiter.start(StageFormat(rate: 8000, channels: 1))
        #expect(Signal.run(limiter, x, block: 333).elementsEqual(x))
        #expect(limiter.activity.limitedFrames == 0 && limiter.activity.maxReductionDB == 0)
    }

    @Test("sudden peaks (a click, a loud burst) in band-limited noise are held at the ceiling by a gain that moves smoothly, and it recovers after")
    func transients() throws {
        let rate = 8000
        var g = SeededGenerator(seed: 11)
        // What reaches the limiter is band-limited by the resampler: noise made of 60
        // tones between 100 and 3400 Hz with random phases, the same for the click (a
        // windowed sinc pulse) and the burst.
        func bandLimitedNoise(_ n: Int, peak: Float) -> [Float] {
            let tones = (0..<60).map { _ in (Double.random(in: 100...3400, using: &g), Double.random(in: 0...(2 * .pi), using: &g)) }
            let v = (0..<n).map { i in Float(tones.reduce(0.0) { $0 + sin(2 * .pi * $1.0 * Double(i) / Double(rate) + $1.1) }) }
            let m = v.map { abs($0) }.max()!
            return v.map { $0 * peak / m }
        }
        var x = bandLimitedNoise(3 * rate, peak: 0.05)
        for i in -40...40 {   // the click
            let u = 0.85 * Double(i)
            x[4000 + i] += Float((i == 0 ? 1 : sin(.pi * u) / (.pi * u)) * (0.5 + 0.5 * cos(.pi * Double(i) / 41)))
        }
        let burst = bandLimitedNoise(2400, peak: 1)
        for i in burst.indices { x[8000 + i] += burst[i] }
        let ceiling = -12.0
        let limiter = TruePeakLimiter(.init(ceiling: ceiling))
        _ = try limiter.start(StageFormat(rate: rate, channels: 1))
        let y = Signal.run(limiter, x, block: 1000)
        #expect(y.count == x.count)
        let peak = truePeak(y), before = truePeak(x)
        #expect(peak <= ceiling + 0.1, "\(peak) dBTP")
        // The gain, where the input is not tiny: never a jump (clipping would be one), at
        // most 1/40 a sample (the fall spread over the 5 ms look-ahead).
        var steepest: Float = 0, previous: (index: Int, gain: Float) = (0, 1)
        for i in x.indices where abs(x[i]) > 0.02 {
            let gain = y[i] / x[i]
            #expect(gain > 0 && gain <= 1.000001)
            steepest = max(steepest, abs(gain - previous.gain) / Float(i - previous.index))
            previous = (i, gain)
        }
        #expect(steepest < 0.04, "largest gain step between samples \(steepest)")
        // Quiet noise a second after the burst: the gain is back to exactly 1 (release 80 ms).
        #expect(y[20000...].elementsEqual(x[20000...]))
        print(String(format: "limiter, click and burst at 8 kHz: true peak %.2f -> %.2f dBTP for %.1f, deepest %.1f dB, steepest gain step %.4f",
                     before, peak, ceiling, limiter.activity.maxReductionDB, steepest))
    }

    @Test("the limiter's output does not depend on how the input is cut into blocks (idle stretches pass in bulk, active ones sample by sample)")
    func blockIndependent() throws {
        var g = SeededGenerator(seed: 23)
        // Quiet noise with loud bursts (Hann-shaped, so band-limited) every second: the
        // limiter goes idle, acts, releases, over and over.
        var x = (0..<40000).map { _ in Float.random(in: -0.05...0.05, using: &g) }
        for start in stride(from: 1000, to: 39000, by: 8000) {
            for i in 0..<800 {
                x[start + i] += Float(0.9 * (0.5 - 0.5 * cos(2 * Double.pi * Double(i) / 800)) * sin(2 * Double.pi * 700 * Double(i) / 8000))
            }
        }
        func run(_ block: Int) throws -> [Float] {
            let limiter = TruePeakLimiter(.init(ceiling: -6))
            _ = try limiter.start(StageFormat(rate: 8000, channels: 1))
            return Signal.run(limiter, x, block: block)
        }
        let whole = try run(x.count), small = try run(7), odd = try run(1001)
        #expect(whole.count == x.count)
        #expect(whole == small && whole == odd)
        #expect(truePeak(whole) <= -6 + 0.1, "\(truePeak(whole)) dBTP")
        // Between bursts, after the release (0.8 s after a burst), samples pass exactly.
        #expect(whole[8000..<9000].elementsEqual(x[8000..<9000]))
    }

    @Test("TruePeakMeter reads within 0.1 dB of an independent 16x band-limited measure, near Nyquist too")
    func meter() throws {
        let rate = 8000   // the detector works in fractions of the rate: one rate tells all
        var g = SeededGenerator(seed: 31)
        // Tapered ends (200 samples of raised cosine): a tone that starts abruptly is not
        // band-limited, and each measure would see its own ringing there.
        func tapered(_ x: [Float]) -> [Float] {
            x.indices.map { i in
                let edge = min(i, x.count - 1 - i)
                return edge >= 200 ? x[i] : x[i] * Float(0.5 - 0.5 * cos(Double.pi * Double(edge) / 200))
            }
        }
        let signals: [(String, [Float])] = [
            ("tone at 0.45 of the rate, between samples", tapered((0..<rate / 4).map { Float(0.5 * sin(2 * Double.pi * 0.45 * Double($0) + 0.7)) })),
            ("tone at 0.3 of the rate", tapered((0..<rate / 4).map { Float(0.8 * sin(2 * Double.pi * 0.3 * Double($0) + 0.2)) })),
            ("band-limited noise", {
                let tones = (0..<40).map { _ in (Double.random(in: 0.01...0.44, using: &g), Double.random(in: 0...(2 * .pi), using: &g)) }
                return (0..<rate / 2).map { i in Float(0.02 * tones.reduce(0.0) { $0 + sin(2 * .pi * $1.0 * Double(i) + $1.1) }) }
            }()),
        ]
        for (name, x) in signals {
            var meter = TruePeakMeter()
            defer { meter.free() }
            for start in stride(from: 0, to: x.count, by: 500) {   // in blocks, as a plan feeds it
                x[start..<min(x.count, start + 500)].withUnsafeBufferPointer { meter.add($0) }
            }
            let measured = meter.peakDB(), reference = truePeak(x)
            #expect(abs(measured - reference) < 0.1, "\(name) at \(rate) Hz: \(measured) vs \(reference) dBTP")
            print("TruePeakMeter, \(name) at \(rate) Hz: \(measured) dBTP, reference \(reference)")
        }
    }

    @Test("the release, eight samples at a time, follows z[i] = max(need[i], z[i-1] f) (need = 1 - held, at least 0.0001 where not 0; under 0.0001 reads 0) as a double-precision chain does, within its rounding (2 parts in 10^4)")
    func releaseRecurrence() throws {
        var g = SeededGenerator(seed: 61)
        let n = 4000, f = 0.995
        // Held gains: mostly 1, with dips of various depths and lengths.
        var held = [Float](repeating: 1, count: n + 8)
        var i = 0
        while i < n {
            let length = Int.random(in: 1...40, using: &g), depth = Float.random(in: 0.00002...0.5, using: &g)
            for k in i..<min(n, i + length) { held[k] = 1 - depth }
            i += length + Int.random(in: 0...900, using: &g)
        }
        var reference = [Double](repeating: 0, count: n), z = 0.0
        for k in 0..<n {
            var need = 1 - Double(held[k])
            if need > 0 { need = max(need, 0.0001) }
            z = max(need, z * f)
            if z < 0.0001 { z = 0 }
            reference[k] = z
        }
        for level in SIMDLevel.supported.filter({ $0 <= .avx2 }) {
            let k = LimiterKernelSet.forLevel(level)
            let powers = (1...8).map { Float(pow(f, Double($0))) }
            var needs = [Float](repeating: 0, count: n + 16), out = [Float](repeating: 0, count: n + 9)
            held.withUnsafeBufferPointer { h in
                needs.withUnsafeMutableBufferPointer { np in
                    out.withUnsafeMutableBufferPointer { k.release(h.baseAddress!, n, powers, np.baseAddress! + 8, $0.baseAddress! + 1) }
                }
            }
            // A value right at 0.0001 may read 0 in one and not the other; elsewhere the
            // single-precision decay drifts from the double one by rounding, a few parts in
            // 10^8 a step over up to 1800 steps of release.
            let apart = (0..<n).filter { j in
                let a = Double(out[j + 1]), b = reference[j]
                return abs(a - b) > 2e-4 * max(a, b) && max(a, b) > 0.000101
            }
            #expect(apart.isEmpty, "\(level): \(apart.count) samples off the recurrence, first at \(apart.first ?? -1)")
            #expect(out.contains { $0 > 0.1 } && out.contains { $0 == 0 })
        }
    }

    @Test("the limiter's kernels give the same bits in their baseline and AVX2 builds")
    func kernelBuilds() throws {
        guard SIMDLevel.host >= .avx2 else { return }   // nothing to compare on this CPU
        var g = SeededGenerator(seed: 43)
        let n = 3001
        // Band-limited bursts over quiet noise: some windows skipped, some interpolated.
        var x = (0..<(n + 24)).map { _ in Float.random(in: -0.02...0.02, using: &g) }
        for i in 0..<x.count where (i / 500) % 2 == 1 { x[i] += Float(0.9 * sin(2 * Double.pi * 0.21 * Double(i))) }
        let sets = [LimiterKernelSet.forLevel(.baseline), LimiterKernelSet.forLevel(.avx2)]
        var results: [[[Float]]] = []
        for k in sets {
            var detector = PeakInterpolator()
            defer { detector.free() }
            detector.reset()
            var bounds = [Float](repeating: 0, count: n + 8)
            x[0..<n].withUnsafeBufferPointer { b in bounds.withUnsafeMutableBufferPointer { detector.bounds(of: b, level: 0.5, into: $0.baseAddress!, kernels: k) } }
            var needed = [Float](repeating: 1, count: 64 + n + 8), held = [Float](repeating: 0, count: n + 8)
            var scratch = [Float](repeating: 0, count: 64 + n + 8), spare = scratch
            var z = [Float](repeating: 0, count: 64 + n + 8), sums = [Float](repeating: 0, count: 64 + n + 8)
            var out = [Float](repeating: 0, count: n + 8)
            needed.withUnsafeMutableBufferPointer { np in
                _ = k.neededGain(bounds, n, 0.5, np.baseAddress! + 64)
                held.withUnsafeMutableBufferPointer { h in
                    scratch.withUnsafeMutableBufferPointer { s in
                        spare.withUnsafeMutableBufferPointer { sp in
                            k.slidingMin(np.baseAddress! + 64, 39, n, s.baseAddress!, sp.baseAddress!, h.baseAddress!)
                            z.withUnsafeMutableBufferPointer { zp in
                                let powers = (1...8).map { Float(pow(0.998, Double($0))) }
                                var needs = [Float](repeating: 0, count: n + 16)
                                needs.withUnsafeMutableBufferPointer { k.release(h.baseAddress!, n, powers, $0.baseAddress! + 8, zp.baseAddress! + 64) }
                                sums.withUnsafeMutableBufferPointer { sm in
                                    k.slidingSum(zp.baseAddress! + 64, 20, n, s.baseAddress!, sp.baseAddress!, sm.baseAddress! + 64)
                                    x.withUnsafeBufferPointer { xp in
                                        out.withUnsafeMutableBufferPointer { o in
                                            _ = k.applyGain(xp.baseAddress!, sm.baseAddress! + 64, n, 1.0 / 400, o.baseAddress!)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            results.append([Array(bounds[0..<n]), Array(held[0..<n]), Array(z[64..<(64 + n)]), Array(sums[64..<(64 + n)]), Array(out[0..<n])])
        }
        for (i, name) in ["bounds", "held", "release", "sums", "output"].enumerated() {
            let a = results[0][i], b = results[1][i]
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(name): \(zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count) differ")
        }
        // Not all trivial: something was limited.
        #expect(results[0][4].indices.contains { results[0][4][$0] != x[$0] })
    }
}
