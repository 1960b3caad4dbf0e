import Foundation
@testable import DSP

/// Test signals and measurements shared by the DSP tests.
enum Signal {
    static func tone(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 0.5, phase: Double = 0) -> [Float] {
        let n = Int(Double(rate) * seconds)
        return (0..<n).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / Double(rate) + phase)) }
    }

    /// Amplitude and phase of `frequency` in `x` (least-squares fit of sin and cos over
    /// the middle of the signal, away from the edges).
    static func fit(_ x: [Float], frequency: Double, rate: Int, skip: Int) -> (amplitude: Double, phase: Double) {
        var ss = 0.0, sc = 0.0, cc = 0.0, xs = 0.0, xc = 0.0
        for i in skip..<(x.count - skip) {
            let w = 2 * Double.pi * frequency * Double(i) / Double(rate)
            let s = sin(w), c = cos(w)
            ss += s * s; sc += s * c; cc += c * c
            xs += Double(x[i]) * s; xc += Double(x[i]) * c
        }
        let det = ss * cc - sc * sc
        let a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det
        return ((a * a + b * b).squareRoot(), atan2(b, a))
    }

    static func rms(_ x: [Float], skip: Int = 0) -> Double {
        let part = x[skip..<(x.count - skip)]
        return (part.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(part.count)).squareRoot()
    }

    static func dB(_ ratio: Double) -> Double { 20 * log10(ratio) }

    /// Runs a stage over `x` in blocks of `block` samples and drains it.
    static func run(_ stage: AudioStage, _ x: [Float], block: Int = 4096) -> [Float] {
        var out: [Float] = []
        var i = 0
        while i < x.count {
            let j = min(x.count, i + block)
            x[i..<j].withUnsafeBufferPointer { stage.process($0, into: &out) }
            i = j
        }
        stage.drain(into: &out)
        return out
    }
}

/// Measurements printed for the README rather than checked: `make figures` runs them.
enum Figures {
    static let requested = ProcessInfo.processInfo.environment["PROMPTC_FIGURES"] != nil
}
