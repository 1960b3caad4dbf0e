import Foundation
import Testing
import TestSupport
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

    @Test("the output does not depend on how the input is cut into blocks (samples go in pairs from the stream's start), and has as many samples")
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
}
