import Foundation
import TestSupport
import Testing
@testable import DSP

private func gaussian(_ n: Int, rms: Double, seed: UInt64) -> [Float] {
    var g = SeededGenerator(seed: seed)
    return (0..<n).map { _ in
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &g), u2 = Double.random(in: 0..<1, using: &g)
        return Float(rms * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

private func p56(_ x: [Float], rate: Int) -> ActiveSpeechLevel.Measure? {
    var m = ActiveSpeechLevel(rate: rate)
    x.withUnsafeBufferPointer { m.add($0) }
    return m.measure
}

@Suite("ITU-T P.56 active speech level and where the sound is")
struct SpeechMeasureTests {
    @Test("a 1 ms level's bin is floor((10 log10(mean square) + 120) / 0.5), as the library logarithm says, from -130 to +10 dB; -120 dB and below is bin 0")
    func levelBins() {
        var g = SeededGenerator(seed: 67)
        var checked = 0
        for _ in 0..<200_000 {
            let db = Double.random(in: -130...10, using: &g), ms = pow(10, db / 10)
            let exact = (10 * log10(ms) + 120) / 0.5
            // Right at an edge the two roundings may disagree; not a case to judge.
            guard abs(exact - exact.rounded()) > 1e-9 else { continue }
            let expected = min(SpeechActivity.binCount - 1, max(0, Int(exact.rounded(.down))))
            #expect(SpeechActivity.bin(ms) == expected, "\(db) dB")
            checked += 1
        }
        #expect(checked > 199_000)
    }

    @Test("P.56: a continuous tone is all activity, at its RMS level in dBov (a full-scale sine is -3.01 dBov)", arguments: [8000, 16000])
    func continuousTone(rate: Int) throws {
        for amplitude in [0.7, 0.1, 0.01] {
            let m = try #require(p56(Signal.tone(440, rate: rate, seconds: 3, amplitude: amplitude), rate: rate))
            let rms = 20 * log10(amplitude / 2.squareRoot())
            #expect(abs(m.level - rms) < 0.05 && m.activity > 0.99, "\(amplitude): \(m)")
        }
    }

    @Test("P.56: pauses do not change the active level, only the activity factor; the level follows the gain")
    func pauses() throws {
        let rate = 8000
        // Four 0.6 s bursts of a vowel-like sound (three harmonics, a syllable envelope) with gaps of 1 s, then of 4 s.
        let burst = (0..<(rate * 6 / 10)).map { i -> Float in
            let t = Double(i) / Double(rate), env = sin(.pi * t / 0.6)
            return Float(0.2 * env * (sin(2 * .pi * 150 * t) + 0.5 * sin(2 * .pi * 300 * t) + 0.25 * sin(2 * .pi * 450 * t)))
        }
        func speech(gap: Double, gain: Float = 1) -> [Float] {
            (0..<4).flatMap { _ in burst.map { $0 * gain } + [Float](repeating: 0, count: Int(gap * Double(rate))) }
        }
        let short = try #require(p56(speech(gap: 1), rate: rate)), long = try #require(p56(speech(gap: 4), rate: rate))
        #expect(abs(short.level - long.level) < 0.01, "\(short) vs \(long)")
        // The active time is the same; the activity factor falls with the total length.
        let expectedRatio = Double(speech(gap: 1).count) / Double(speech(gap: 4).count)
        #expect(abs(long.activity / short.activity - expectedRatio) < 0.01)
        for gain in [0.5, 0.1, 2] as [Float] {
            let scaled = try #require(p56(speech(gap: 1, gain: gain), rate: rate))
            #expect(abs(scaled.level - short.level - 20 * log10(Double(gain))) < 0.1, "gain \(gain): \(scaled.level) vs \(short.level)")
        }
        #expect(p56([Float](repeating: 0, count: 8000), rate: rate) == nil)
        print(String(format: "P.56 bursts: active %.2f dBov (activity %.2f) with 1 s gaps, %.2f dBov (%.2f) with 4 s gaps", short.level, short.activity, long.level, long.activity))
    }

    @Test("where the sound is: a tone burst over hiss at -55 dBFS is found to the millisecond; the noise floor is the hiss", arguments: [-55.0, -45.0, -200.0])
    func burstOverHiss(hiss: Double) throws {
        let rate = 8000
        var x = hiss > -150 ? gaussian(4 * rate, rms: pow(10, hiss / 20), seed: 3) : [Float](repeating: 0, count: 4 * rate)
        for i in 12000..<24000 { x[i] += Float(0.1 * sin(2 * .pi * 700 * Double(i) / Double(rate))) }
        var a = SpeechActivity(rate: rate)
        x.withUnsafeBufferPointer { a.add($0) }
        let r = a.result
        let start = try #require(r.start), end = try #require(r.end)
        #expect(abs(start - 12000) <= 8 && abs(end - 24000) <= 8, "\(hiss) dBFS hiss: \(start)..<\(end)")
        if hiss > -150 { #expect(abs(r.noiseFloor - hiss) < 1.5, "floor \(r.noiseFloor)") }
        // A fixed -60 dBFS threshold (what info used before) takes this hiss for sound from the first sample.
        if hiss > -60 { #expect(x[0..<100].contains { abs($0) > 0.001 }) }
    }

    @Test("where the sound is: silence has none; a recording that is all sound starts and ends with it")
    func edges() {
        var silent = SpeechActivity(rate: 8000)
        [Float](repeating: 0, count: 8000).withUnsafeBufferPointer { silent.add($0) }
        #expect(silent.result.start == nil && silent.result.end == nil)
        var tone = SpeechActivity(rate: 16000)
        Signal.tone(300, rate: 16000, seconds: 1, amplitude: 0.3).withUnsafeBufferPointer { tone.add($0) }
        #expect(tone.result.start == 0 && tone.result.end == 16000)
    }
}
