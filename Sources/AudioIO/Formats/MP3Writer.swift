import CLame
import G711

extension PromptFormat {
    /// MP3 listening copy, 8 kHz mono, of the prompt as callers hear it (A-law round trip).
    public static let mp3 = PromptFormat(registering: "mp3")
}

extension OutputFormat {
    static let mp3 = OutputFormat(.mp3, extensions: ["mp3"], sampleRate: 8000, summary: "listening copy, 8 kHz mono", isPrompt: false,
                                  makeWriter: { try MP3Writer(file: $0) },
                                  checkContent: { _, _ in .notAPrompt(extension: "mp3") })
}

/// MP3 through LAME: 8 kHz mono, 32 kbps CBR, with a LAME tag for gapless decoding.
/// The samples pass through the A-law round trip first, so the copy sounds like the call.
final class MP3Writer: PromptWriter {
    let format = PromptFormat.mp3
    let file: OutputFile
    private let lame: OpaquePointer
    private var mp3: [UInt8] = []
    private var quantized: [Float] = []
    private var codes: [UInt8] = []
    var path: String { file.path }
    var bytesWritten: Int64 { file.bytesWritten }

    private let companding: Bool

    /// - Parameter companding: pass the samples through the A-law round trip first
    ///   (on for prompts; tests turn it off to encode arbitrary signals).
    init(file: OutputFile, sampleRate: Int = 8000, bitrate: Int32 = 32, companding: Bool = true) throws {
        self.file = file
        self.companding = companding
        guard let l = lame_init() else { throw AudioIOError(.writeFailed, file.path, "LAME could not start") }
        lame = l
        lame_set_in_samplerate(l, Int32(sampleRate))
        lame_set_out_samplerate(l, Int32(sampleRate))
        lame_set_num_channels(l, 1)
        lame_set_mode(l, MONO)
        // The LAME tag (gapless info) needs ~170-byte frames: 32 kbps only suits 8 kHz.
        lame_set_brate(l, sampleRate > 24000 ? 128 : sampleRate > 12000 ? max(bitrate, 64) : bitrate)
        lame_set_quality(l, 2)
        lame_set_bWriteVbrTag(l, file.isSeekable ? 1 : 0)
        guard lame_init_params(l) >= 0 else {
            lame_close(l)
            throw AudioIOError(.writeFailed, file.path, "LAME rejected the parameters")
        }
    }

    deinit { lame_close(lame) }

    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        let n = samples.count
        if quantized.count < n { quantized = [Float](repeating: 0, count: n); codes = [UInt8](repeating: 0, count: n) }
        if companding {
            codes.withUnsafeMutableBufferPointer { c in
                G711Law.aLaw.encode(samples, into: c)
                quantized.withUnsafeMutableBufferPointer { q in G711Law.aLaw.decode(UnsafeBufferPointer(c), into: q) }
            }
        } else {
            for i in 0..<n { quantized[i] = samples[i] }
        }
        let need = n + n / 4 + 7200
        if mp3.count < need { mp3 = [UInt8](repeating: 0, count: need) }
        let got = quantized.withUnsafeBufferPointer { q in
            mp3.withUnsafeMutableBufferPointer { m in
                lame_encode_buffer_ieee_float(lame, q.baseAddress, nil, Int32(n), m.baseAddress, Int32(m.count))
            }
        }
        if got < 0 { throw AudioIOError(.writeFailed, file.path, "LAME encoding failed (\(got))") }
        try mp3.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<Int(got)])) }
    }

    var output: OutputFile { file }

    func finishEncoding() throws {
        if mp3.count < 7200 { mp3 = [UInt8](repeating: 0, count: 7200) }
        let got = mp3.withUnsafeMutableBufferPointer { lame_encode_flush(lame, $0.baseAddress, Int32($0.count)) }
        if got > 0 { try mp3.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<Int(got)])) } }
        if file.isSeekable {
            var tag = [UInt8](repeating: 0, count: 2880)
            let size = tag.withUnsafeMutableBufferPointer { lame_get_lametag_frame(lame, $0.baseAddress, $0.count) }
            if size > 0 && size <= tag.count { try file.patch(Array(tag[0..<size]), at: 0) }
        }
    }
}
