import Foundation
import Testing
import TestSupport
import CPUFeatures
@testable import DSP

@Suite("high-pass filter (rumble and DC)")
struct HighPassFilterTests {
    /// The analog 4th-order Butterworth magnitude, 1 / sqrt(1 + (fc/f)^8), which the
    /// bilinear design follows closely far below the Nyquist frequency.
    static func butterworth(_ f: Double, corner: Double) -> Double { -10 * log10(1 + pow(corner / f, 8)) }

    @Test("the response follows the 4th-order Butterworth curve within 0.05 dB; 300 Hz within 0.5 dB of flat with a 100 Hz corner",
          arguments: [8000, 16000, 44100, 192000])
    func response(rate: Int) throws {
        for corner in [80.0, 100.0, 150.0] {
            for f in [40.0, 60.0, 100.0, 150.0, 200.0, 300.0, 1000.0, 3000.0] {
                let filter = HighPassFilter(corner: corner)
                _ = try filter.start(StageFormat(rate: rate, channels: 1))
                let x = Signal.tone(f, rate: rate, seconds: 1.5)
                let y = Signal.run(filter, x)
                let gain = Signal.dB(Signal.fit(y, frequency: f, rate: rate, skip: rate / 2).amplitude / 0.5)
                #expect(abs(gain - Self.butterworth(f, corner: corner)) < 0.05, "\(rate) Hz, corner \(corner), \(f) Hz: \(gain) dB")
                if corner == 100 && f == 300 { #expect(gain > -0.5) }
                if f == corner / 2 { #expect(gain < -23.9, "4th order: 24 dB an octave") }
            }
        }
    }

    @Test("DC is removed")
    func dc() throws {
        let filter = HighPassFilter(corner: 100)
        _ = try filter.start(StageFormat(rate: 8000, channels: 1))
        let y = Signal.run(filter, [Float](repeating: 0.5, count: 8000))
        #expect(y.count == 8000)
        #expect(y.suffix(4000).allSatisfy { abs($0) < 1e-4 })
    }

    @Test("the output does not depend on how the input is cut into blocks (samples go in blocks of eight from the stream's start), and has as many samples")
    func blockIndependent() throws {
        var g = SeededGenerator(seed: 41)
        let x = (0..<20001).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        func run(_ block: Int) throws -> [Float] {
            let filter = HighPassFilter(corner: 100)
            _ = try filter.start(StageFormat(rate: 8000, channels: 1))
            return Signal.run(filter, x, block: block)
        }
        let whole = try run(x.count)
        #expect(whole.count == x.count)
        for block in [1, 2, 7, 1001, 4096] { #expect(try run(block) == whole, "blocks of \(block)") }
    }

    /// The two sections as direct form I in double precision, sample by sample: a
    /// reference independent of the block recursion the filter runs.
    static func directForm(_ x: [Float], _ sections: [BiquadSection]) -> [Double] {
        var v = x.map(Double.init)
        for q in sections {
            var (x1, x2, y1, y2) = (0.0, 0.0, 0.0, 0.0)
            for i in v.indices {
                let y = q.b0 * v[i] + q.b1 * x1 + q.b2 * x2 - q.a1 * y1 - q.a2 * y2
                (x2, x1, y2, y1) = (x1, v[i], y1, y)
                v[i] = y
            }
        }
        return v
    }

    @Test("with a large DC offset under quiet noise (the hard case for poles near the unit circle), the filter matches a sample-by-sample double-precision reference within single-precision rounding and 1e-10, at 8 to 192 kHz",
          arguments: [8000, 48000, 192000])
    func precision(rate: Int) throws {
        var g = SeededGenerator(seed: 47)
        let x = (0..<(rate * 3 + 5)).map { _ in 0.3 + Float.random(in: -0.01...0.01, using: &g) }
        let filter = HighPassFilter(corner: 100)
        _ = try filter.start(StageFormat(rate: rate, channels: 1))
        let y = Signal.run(filter, x, block: 1000)
        let k = tan(Double.pi * 100 / Double(rate))
        let sections = [Double.pi / 8, 3 * Double.pi / 8].map { angle in
            let q = 1 / (2 * cos(angle)), norm = 1 / (1 + k / q + k * k)
            return BiquadSection(b0: norm, b1: -2 * norm, b2: norm, a1: 2 * (k * k - 1) * norm, a2: (1 - k / q + k * k) * norm)
        }
        let reference = Self.directForm(x, sections)
        #expect(y.count == x.count)
        // Rounding to single precision differs by at most half a unit in the last place
        // (2^-24 of the value); the two double-precision computations by much less.
        let worst = zip(y, reference).map { abs(Double($0) - $1) - abs($1) * 0x1p-24 }.max() ?? 0
        #expect(worst < 1e-10, "\(rate) Hz: largest difference beyond rounding \(worst)")
        print("high-pass at \(rate) Hz, DC 0.3: largest difference from the reference beyond rounding \(worst)")
    }

    @Test("the baseline and AVX2 (fused multiply-add) builds of the block recursion agree to the last bit of single precision")
    func kernelBuilds() throws {
        guard SIMDLevel.host >= .avx2 else { return }   // nothing to compare on this CPU
        var g = SeededGenerator(seed: 53)
        let x = (0..<4096).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        let first = BiquadSection(b0: 1.53, b1: -2.69, b2: 1.19, a1: -1.69, a2: 0.73)
        let second = BiquadSection(b0: 1, b1: -2, b2: 1, a1: -1.99, a2: 0.9901)
        let outputs = [SIMDLevel.baseline, .avx2].map { level -> [Float] in
            let filter = FourthOrderFilter(first, second, level: level)
            var state = FourthOrderFilter.State()
            var y = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { filter.run(xp.baseAddress!, count: x.count, state: &state, into: $0.baseAddress!) } }
            return y
        }
        let apart = zip(outputs[0], outputs[1]).filter { $0 != $1 && $0.nextUp != $1 && $0.nextDown != $1 }
        #expect(apart.isEmpty, "\(apart.count) outputs more than a unit in the last place apart, e.g. \(apart.prefix(3))")
        #expect(outputs[0].contains { $0 != 0 })
    }
}
