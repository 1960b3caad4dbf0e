import CBcg729

extension PromptFormat {
    /// G.729 Annex A, raw 10-byte frames of 10 ms, 8 kHz (`.g729`), for low-bandwidth trunks.
    public static let g729 = PromptFormat(registering: "g729")
}

extension FrameCodec {
    /// G.729 Annex A through bcg729, without voice activity detection (every frame is a
    /// full 10-byte speech frame, as Asterisk's g729 file format expects).
    static let g729 = FrameCodec(
        name: "G.729 Annex A", codec: .g729, sampleRate: 8000, samplesPerFrame: 80, bytesPerFrame: 10,
        makeEncoder: { try G729Encoder() }, makeDecoder: { try G729Decoder() }, hasSignature: nil)
}

extension OutputFormat {
    static let g729 = codec(.g729, .g729, extensions: ["g729"], summary: "G.729 Annex A, 8 kHz (8 kbit/s)")
}

extension InputFormat {
    /// Raw G.729 frames (`.g729`).
    public static let g729 = codec(.g729, extensions: ["g729"])
}

final class G729Encoder: FrameEncoder {
    private let state: OpaquePointer

    init() throws {
        guard let s = initBcg729EncoderChannel(0) else { throw AudioIOError(.unsupported, "bcg729", "cannot create a G.729 encoder") }
        state = s
    }

    deinit { closeBcg729EncoderChannel(state) }

    func encode(_ samples: UnsafePointer<Int16>, frames: Int, into bytes: UnsafeMutablePointer<UInt8>) {
        var length: UInt8 = 0
        for f in 0..<frames { bcg729Encoder(state, samples + 80 * f, bytes + 10 * f, &length) }
    }
}

final class G729Decoder: FrameDecoder {
    private let state: OpaquePointer

    init() throws {
        guard let s = initBcg729DecoderChannel() else { throw AudioIOError(.unsupported, "bcg729", "cannot create a G.729 decoder") }
        state = s
    }

    deinit { closeBcg729DecoderChannel(state) }

    func decode(_ bytes: UnsafePointer<UInt8>, frames: Int, into samples: UnsafeMutablePointer<Int16>) -> [Int] {
        for f in 0..<frames { bcg729Decoder(state, bytes + 10 * f, 10, 0, 0, 0, samples + 80 * f) }
        return []
    }
}
