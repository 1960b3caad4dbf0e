import COpus
#if canImport(Glibc)
import Glibc
#endif

/// Opus through libopus, set up from the OpusHead header (RFC 7845): mono or stereo
/// (channel mapping family 0). libopus decodes at 8, 12, 16, 24 or 48 kHz; a narrowband
/// output asks for the lowest rate the pipeline can use, which saves the work of making
/// and then filtering away the upper band.
final class OpusPacketDecoder: PacketDecoder {
    let sampleRate: Int
    let channels: Int
    let codecName = "Opus"
    /// Samples at 48 kHz to drop at the start (the encoder's look-ahead).
    let preSkip: Int
    private let gain: Float
    private let decoder: OpaquePointer
    private var pcm: [Float]
    private var lastFrames: Int

    /// The rates libopus decodes at.
    static let rates = [8000, 12000, 16000, 24000, 48000]

    /// Parses OpusHead and creates a decoder at the lowest rate at or above `lowestRate`.
    init(path: String, head: [UInt8], lowestRate: Int?) throws {
        guard head.count >= 19, head.starts(with: Array("OpusHead".utf8)) else {
            throw AudioIOError(.corrupt, path, "its Opus track has no valid OpusHead header")
        }
        let ch = Int(head[9])
        let family = head[18]
        guard family == 0, (1...2).contains(ch) else {
            throw AudioIOError(.unsupported, path, "holds Opus with \(ch) channels (mapping family \(family)), which is not supported: export it as mono or stereo")
        }
        channels = ch
        preSkip = Int(head[10]) | Int(head[11]) << 8
        let q78 = Int16(bitPattern: UInt16(head[16]) | UInt16(head[17]) << 8)
        gain = Float(pow(10, Double(q78) / (20 * 256)))
        sampleRate = OpusPacketDecoder.rates.first { $0 >= (lowestRate ?? 48000) } ?? 48000
        var error: Int32 = 0
        guard let d = opus_decoder_create(Int32(sampleRate), Int32(ch), &error), error == OPUS_OK else {
            throw AudioIOError(.unsupported, path, "cannot create an Opus decoder")
        }
        decoder = d
        pcm = [Float](repeating: 0, count: sampleRate * 12 / 100 * ch)     // 120 ms, the longest packet
        lastFrames = sampleRate / 50
    }

    deinit { opus_decoder_destroy(decoder) }

    func decode(_ packet: UnsafeRawBufferPointer, into out: inout [Float]) -> (frames: Int, valid: Bool) {
        let maxFrames = Int32(pcm.count / channels)
        var n = packet.isEmpty ? -1 : pcm.withUnsafeMutableBufferPointer {
            Int(opus_decode_float(decoder, packet.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(packet.count), $0.baseAddress!, maxFrames, 0))
        }
        let valid = n > 0
        if !valid {
            // A damaged packet: libopus conceals it, as long as the last good one.
            n = pcm.withUnsafeMutableBufferPointer { Int(opus_decode_float(decoder, nil, 0, $0.baseAddress!, Int32(lastFrames), 0)) }
            if n <= 0 { return (0, false) }
        } else {
            lastFrames = n
        }
        if gain == 1 {
            out.append(contentsOf: pcm[0..<(n * channels)])
        } else {
            for i in 0..<(n * channels) { out.append(pcm[i] * gain) }
        }
        return (n, valid)
    }
}
