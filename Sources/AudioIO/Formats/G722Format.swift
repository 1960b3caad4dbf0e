import CSpanDSP

extension PromptFormat {
    /// G.722 at 64 kbit/s, 16 kHz audio, raw (`.g722`): what HD phones play without transcoding.
    public static let g722 = PromptFormat(registering: "g722")
}

extension FrameCodec {
    /// G.722 through spandsp, from which Asterisk's own G.722 translator derives. One byte
    /// codes two samples; frames have no signature.
    static let g722 = FrameCodec(
        name: "G.722", codec: .g722, sampleRate: 16000, samplesPerFrame: 2, bytesPerFrame: 1,
        makeEncoder: { try G722Encoder() }, makeDecoder: { try G722Decoder() }, hasSignature: nil)
}

extension OutputFormat {
    static let g722 = codec(.g722, .g722, extensions: ["g722"], summary: "G.722 wideband, 16 kHz (64 kbit/s)")
}

extension InputFormat {
    /// Raw G.722 at 64 kbit/s (`.g722`).
    public static let g722 = codec(.g722, extensions: ["g722"])
}

final class G722Encoder: FrameEncoder {
    private let state: OpaquePointer

    init() throws {
        guard let s = g722_encode_init(nil, 64000, 0) else { throw AudioIOError(.unsupported, "spandsp", "cannot create a G.722 encoder") }
        state = s
    }

    deinit { g722_encode_free(state) }

    func encode(_ samples: UnsafePointer<Int16>, frames: Int, into bytes: UnsafeMutablePointer<UInt8>) {
        _ = g722_encode(state, bytes, samples, Int32(2 * frames))
    }
}

final class G722Decoder: FrameDecoder {
    private let state: OpaquePointer

    init() throws {
        guard let s = g722_decode_init(nil, 64000, 0) else { throw AudioIOError(.unsupported, "spandsp", "cannot create a G.722 decoder") }
        state = s
    }

    deinit { g722_decode_free(state) }

    func decode(_ bytes: UnsafePointer<UInt8>, frames: Int, into samples: UnsafeMutablePointer<Int16>) -> [Int] {
        _ = g722_decode(state, samples, bytes, Int32(frames))
        return []
    }
}
