import Foundation
import Testing
import TestSupport
@testable import AudioIO
@testable import DSP
@testable import PromptKit

/// The normalizer's own BS.1770 meter against libebur128 (itself checked against ffmpeg's
/// ebur128 filter in RealTreeTests) on the same mono signals.
@Suite("IntegratedLoudnessMeter: BS.1770-4 integrated loudness as libebur128 measures it")
struct IntegratedLoudnessTests {
    /// libebur128's integrated loudness of a mono signal.
    static func reference(_ x: [Float], rate: Int) throws -> Double? {
        let meter = LoudnessMeter(channels: 1)
        _ = try meter.start(StageFormat(rate: rate, channels: 1))
        var sink: [Float] = []
        x.withUnsafeBufferPointer { meter.process($0, into: &sink) }
        return meter.integratedLoudness
    }

    /// The meter's, fed in blocks of `block` samples.
    static func measured(_ x: [Float], rate: Int, block: Int) -> Double? {
        let meter = IntegratedLoudnessMeter(rate: rate)
        for start in stride(from: 0, to: x.count, by: block) {
            x[start..<min(x.count, start + block)].withUnsafeBufferPointer { meter.add($0) }
        }
        return meter.loudness
    }

    @Test("within 0.01 LU of libebur128 on stock prompts and speech at 8, 16, 44.1 and 48 kHz, in any block size; silence and under 0.4 s give none")
    func fixtures() throws {
        let files = ["stock/en-5.wav", "stock/en-auth-thankyou.wav", "stock/en-vm-goodbye.wav", "stock/fr-activated.wav",
                     "stock/it-vm-and.wav", "stock/en-silence-1.wav", "speech/speech-44k-stereo.wav", "speech/speech-16k-mono.wav",
                     "speech/speech-8k-mono.wav", "formats/speech-48k-24bit.wav", "conditioning/quiet.flac", "conditioning/hissy.flac",
                     "conditioning/clipped.flac", "conditioning/humming.flac", "phone/speech.m4a"]
        for file in files {
            let (x, rate) = try decodeMono(fixture(file))
            let theirs = try Self.reference(x, rate: rate)
            for block in [x.count, 777, 4096] {
                let ours = Self.measured(x, rate: rate, block: block)
                if let t = theirs {
                    let o = try #require(ours, "\(file): no reading where libebur128 gives \(t)")
                    #expect(abs(o - t) <= 0.01, "\(file) at \(rate) Hz, blocks of \(block): \(o) vs libebur128 \(t) LUFS")
                } else {
                    #expect(ours == nil, "\(file): \(String(describing: ours)) where libebur128 gives none")
                }
            }
            print(String(format: "%@ (%d Hz): %.4f LUFS, libebur128 %.4f", file, rate, Self.measured(x, rate: rate, block: 4096) ?? .nan, theirs ?? .nan))
        }
    }

    @Test("the relative gate: speech, the same 20 dB down (gated out), and noise rising slowly through the gate (blocks on both sides of it and in its bin) agree with libebur128 within 0.01 LU")
    func gating() throws {
        var g = SeededGenerator(seed: 5)
        let rate = 8000
        // Speech fixture at full level, then the same 20 dB down, then noise rising slowly
        // through the relative gate (so blocks sit on both sides of it, and in its bin).
        let (speech, speechRate) = try decodeMono(fixture("speech/speech-8k-mono.wav"))
        #expect(speechRate == rate)
        var x = speech + speech.map { $0 * 0.1 }
        let ramp = 10 * rate
        x += (0..<ramp).map { i in Float.random(in: -1...1, using: &g) * 0.002 * Float(pow(10, 1.5 * Double(i) / Double(ramp))) }
        let theirs = try #require(try Self.reference(x, rate: rate))
        let ours = try #require(Self.measured(x, rate: rate, block: 1000))
        #expect(abs(ours - theirs) <= 0.01, "\(ours) vs libebur128 \(theirs) LUFS")
        print(String(format: "gating: %.4f LUFS, libebur128 %.4f", ours, theirs))
    }

    @Test("a large DC offset under quiet speech (the K-weighting's high-pass has poles near the unit circle) agrees with libebur128 within 0.01 LU at 8, 48 and 192 kHz",
          arguments: [8000, 48000, 192000])
    func offset(rate: Int) throws {
        var g = SeededGenerator(seed: 59)
        let (speech, speechRate) = try decodeMono(fixture("speech/speech-8k-mono.wav"))
        // The speech held at each 8 kHz sample's value (an 8 kHz signal at the higher rate),
        // 26 dB down, riding on 0.3 of DC, with a little noise.
        let hold = rate / speechRate
        var x: [Float] = []
        for v in speech { for _ in 0..<hold { x.append(0.3 + v * 0.05 + Float.random(in: -0.0005...0.0005, using: &g)) } }
        let theirs = try #require(try Self.reference(x, rate: rate))
        let ours = try #require(Self.measured(x, rate: rate, block: 4093))
        #expect(abs(ours - theirs) <= 0.01, "\(rate) Hz: \(ours) vs libebur128 \(theirs) LUFS")
        print(String(format: "DC offset at %d Hz: %.4f LUFS, libebur128 %.4f", rate, ours, theirs))
    }
}
