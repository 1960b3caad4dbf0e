import Foundation
import Testing
@testable import AudioIO

/// 16-bit little-endian samples of a raw file (the independent tools' decodes).
private func s16(_ path: String) throws -> [Int16] {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    return stride(from: 0, to: d.count - 1, by: 2).map { Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8) }
}

/// Decodes a file with promptc's reader to 16-bit samples (exact: codec output is 16-bit).
private func decode16(_ path: String) throws -> (samples: [Int16], source: AudioSource) {
    let source = try AudioDecoder.open(path)
    let x = try decodeAll(source)
    return (x.map { Int16(($0 * 32768).rounded()) }, source)
}

/// Encodes mono float samples into a file of `format` at `path`.
private func encode(_ x: [Float], _ format: PromptFormat, _ path: String) throws {
    let w = try makePromptWriter(format: format, path: path, overwrite: true)
    try x.withUnsafeBufferPointer { try w.write($0) }
    try w.finish()
}

/// Signal-to-noise ratio (dB) of `y` against `ref`, with `y` delayed by `lag` samples.
private func snr(_ ref: [Int16], _ y: [Int16], lag: Int = 0) -> Double {
    var s = 0.0, e = 0.0
    for i in 0..<min(ref.count, y.count - lag) {
        let r = Double(ref[i]), d = Double(y[i + lag]) - r
        s += r * r; e += d * d
    }
    return 10 * log10(s / e)
}

private func rmsDB(_ x: [Int16]) -> Double {
    10 * log10(x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count) / (32768.0 * 32768.0))
}


@Suite("Asterisk's codec formats: GSM, G.722, G.729")
struct CodecTests {
    let speech8k = try! decodeAll(AudioDecoder.open(fixture("speech/speech-8k-mono.wav")))
    let speech16k = try! decodeAll(AudioDecoder.open(fixture("speech/speech-16k-mono.wav")))

    @Test("GSM: byte-identical to sox's libgsm encoding of the same samples; decodes as libgsm does")
    func gsm() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("a.gsm").path
        try encode(speech8k, .gsm, out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: fixture("codecs/speech-8k.sox.gsm"))))
        let (ours, source) = try decode16(fixture("codecs/speech-8k.sox.gsm"))
        #expect(source.stream.codec == .gsm610 && source.sampleRate == 8000 && source.frameCount == 32000)
        #expect(ours == (try s16(fixture("codecs/speech-8k.sox.gsm.s16"))))
        #expect(source.warnings.isEmpty)
    }

    @Test("G.722: byte-identical to ffmpeg's encoder, decoded as ffmpeg's adpcm_g722 decodes; 22 samples of codec delay")
    func g722() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("b.g722").path
        try encode(speech16k, .g722, out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: fixture("codecs/speech-16k.ffmpeg.g722"))))
        let (ours, source) = try decode16(out)
        #expect(source.stream.codec == .g722 && source.sampleRate == 16000 && ours.count == speech16k.count)
        #expect(ours == (try s16(fixture("codecs/speech-16k.ffmpeg.g722.s16"))))
        // The codec's own delay (QMF analysis and synthesis) is 22 samples at 16 kHz: the
        // lag with the best SNR, which is that of ffmpeg's encoder (the same bytes).
        let ref = speech16k.map { Int16(($0 * 32768).rounded()) }
        let best = (0..<64).max { snr(ref, ours, lag: $0) < snr(ref, ours, lag: $1) }!
        #expect(best == 22)
        #expect(snr(ref, ours, lag: 22) > 25)
    }

    @Test("G.729: bcg729's frames decode with ffmpeg's own G.729 decoder to the same speech")
    func g729() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("c.g729").path
        try encode(speech8k, .g729, out)
        // The kept encoding is what ffmpeg decoded: the encoder has not changed since.
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: URL(fileURLWithPath: fixture("codecs/speech-8k.promptc.g729"))))
        #expect(try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int == 32000 / 80 * 10)
        let (ours, source) = try decode16(out)
        let theirs = try s16(fixture("codecs/speech-8k.promptc.g729.ffmpeg.s16"))
        #expect(source.stream.codec == .g729 && ours.count == theirs.count)
        // Two decoders of one bitstream (bcg729 and ffmpeg's) agree to 21 dB; each keeps the
        // source's level within 1 dB (-0.9 and -0.8 dB here), and CELP's waveform SNR (about 4.6 dB on this
        // speech, 40 samples late) is the codec's usual.
        #expect(snr(theirs, ours) > 18)
        let ref = speech8k.map { Int16(($0 * 32768).rounded()) }
        #expect(abs(rmsDB(ours) - rmsDB(ref)) < 1 && abs(rmsDB(theirs) - rmsDB(ref)) < 1)
        #expect(snr(ref, ours, lag: 40) > 3.5 && snr(ref, theirs, lag: 40) > 3.5)
    }

    @Test("stock prompts: .gsm decodes as sox does and measures within 0.5 dB of its .wav; .g722 decodes as ffmpeg does")
    func stockPrompts() throws {
        for name in ["en-5", "en-auth-thankyou", "en-vm-goodbye", "fr-activated"] {
            let wav = try decode16(fixture("stock/\(name).wav")).samples
            let gsm = try decode16(fixture("stock/\(name).gsm")).samples
            #expect(gsm == (try s16(fixture("stock/\(name).gsm.sox.s16"))), "\(name)")
            #expect(abs(rmsDB(gsm) - rmsDB(wav)) < 0.5, "\(name): \(rmsDB(gsm)) vs \(rmsDB(wav))")
            let (g722, source) = try decode16(fixture("stock/\(name).g722"))
            #expect(g722 == (try s16(fixture("stock/\(name).g722.ffmpeg.s16"))), "\(name)")
            #expect(source.warnings.isEmpty, "odd byte counts are whole G.722 (one byte, two samples)")
        }
    }

    @Test("lengths: every codec file of one input lasts the input's duration, padded with silence to the codec frame")
    func padding() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for (format, count, frame, bytes) in [(PromptFormat.gsm, 8001, 160, 33), (.g729, 8001, 80, 10), (.g722, 16001, 2, 1), (.gsm, 160, 160, 33)] {
            let path = dir.appendingPathComponent("x.\(format.fileExtension)").path
            let x = (0..<count).map { Float(0.5 * sin(Double($0) * 0.3)) }
            try encode(x, format, path)
            let frames = (count + frame - 1) / frame
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == frames * bytes, "\(format)")
            let decoded = try decode16(path).samples
            #expect(decoded.count == frames * frame)
        }
    }

    @Test("bad input: a partial last frame, invalid GSM frames and non-GSM bytes are warnings or content problems, never crashes")
    func badInput() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Data(contentsOf: URL(fileURLWithPath: fixture("codecs/speech-8k.sox.gsm")))
        // Cut in the middle of the 11th frame: 10 whole frames decode, 17 bytes are left.
        let cut = dir.appendingPathComponent("cut.gsm").path
        try good.prefix(10 * 33 + 17).write(to: URL(fileURLWithPath: cut))
        let (samples, source) = try decode16(cut)
        #expect(samples.count == 1600 && source.warnings == [.trailingBytes(17)])
        // Frames 3 and 7 lose their 0xD signature: they decode as silence, with one warning.
        var damaged = good
        damaged[3 * 33] = 0x00; damaged[7 * 33] = 0x55
        let bad = dir.appendingPathComponent("damaged.gsm").path
        try damaged.write(to: URL(fileURLWithPath: bad))
        let (d, s2) = try decode16(bad)
        #expect(d.count == 32000 && d[480..<640].allSatisfy { $0 == 0 })
        #expect(s2.warnings == [.invalidFrames(count: 2, atFrame: 480, sampleRate: 8000, codec: "GSM 06.10")])
        #expect(try OutputFormat.gsm.problem(at: bad) == .notCodecFrames(codec: "GSM 06.10", extension: "gsm", share: 198.0 / 200))
        #expect(try OutputFormat.gsm.problem(at: fixture("codecs/speech-8k.sox.gsm")) == nil)
        // An A-law prompt named .gsm is not GSM; a WAV named .g722 has a header.
        #expect(try OutputFormat.gsm.problem(at: fixture("reference/speech-44k-cbr128.ffmpeg.alaw"))?.isNotCodecFrames == true)
        #expect(try OutputFormat.g722.problem(at: fixture("stock/en-5.wav")) == .wavHeaderInRawFile(extension: "g722"))
        // A G.729 file cut mid-frame, and one of 3 bytes.
        for n in [3, 3995] {
            let g = dir.appendingPathComponent("cut\(n).g729").path
            try Data(contentsOf: URL(fileURLWithPath: fixture("codecs/speech-8k.promptc.g729"))).prefix(n).write(to: URL(fileURLWithPath: g))
            let (x, s) = try decode16(g)
            #expect(x.count == n / 10 * 80 && s.warnings == [.trailingBytes(n % 10)], "\(n): \(s.warnings)")
        }
    }

    @Test("the encoders take silence, full-scale square waves and single samples")
    func extremes() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let inputs: [[Float]] = [[Float](repeating: 0, count: 4000), (0..<4000).map { $0 / 20 % 2 == 0 ? 1.5 : -1.5 }, [0.9], []]
        for format in [PromptFormat.gsm, .g722, .g729] {
            for (k, x) in inputs.enumerated() {
                let path = dir.appendingPathComponent("e\(k).\(format.fileExtension)").path
                try encode(x, format, path)
                if x.isEmpty {
                    #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0)
                    continue
                }
                let y = try decode16(path).samples
                let frame = format == .gsm ? 160 : format == .g729 ? 80 : 2
                #expect(y.count == (x.count + frame - 1) / frame * frame, "\(format) \(k)")
                if k == 0 { #expect(y.allSatisfy { abs(Int($0)) < 64 }, "\(format): silence stays silent") }
            }
        }
    }
}

extension PromptProblem {
    var isNotCodecFrames: Bool { if case .notCodecFrames = self { true } else { false } }
}
