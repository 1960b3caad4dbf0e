import CGSM

extension PromptFormat {
    /// GSM 06.10 full rate, raw 33-byte frames of 20 ms, 8 kHz (`.gsm`).
    public static let gsm = PromptFormat(registering: "gsm")
}

extension FrameCodec {
    /// GSM 06.10 through libgsm, the code Asterisk's own GSM translator uses. Every frame
    /// starts with the nibble 0xD, which makes a file recognisable.
    static let gsm = FrameCodec(
        name: "GSM 06.10", codec: .gsm610, sampleRate: 8000, samplesPerFrame: 160, bytesPerFrame: 33,
        makeEncoder: { try GSMCoder() }, makeDecoder: { try GSMCoder() },
        hasSignature: { $0.pointee >> 4 == 0xD })
}

extension OutputFormat {
    static let gsm = codec(.gsm, .gsm, extensions: ["gsm"], summary: "GSM 06.10 full rate, 8 kHz (13 kbit/s)")
}

extension InputFormat {
    /// Raw GSM 06.10 frames (`.gsm`).
    public static let gsm = codec(.gsm, extensions: ["gsm"])
}

/// One libgsm state, which codes or decodes (never both: the state is per direction).
final class GSMCoder: FrameEncoder, FrameDecoder {
    private let state: gsm

    init() throws {
        guard let s = gsm_create() else { throw AudioIOError(.unsupported, "libgsm", "cannot create a GSM coder") }
        state = s
    }

    deinit { gsm_destroy(state) }

    func encode(_ samples: UnsafePointer<Int16>, frames: Int, into bytes: UnsafeMutablePointer<UInt8>) {
        for f in 0..<frames {
            // libgsm takes a non-const pointer but does not write through it.
            gsm_encode(state, UnsafeMutablePointer(mutating: samples + 160 * f), bytes + 33 * f)
        }
    }

    func decode(_ bytes: UnsafePointer<UInt8>, frames: Int, into samples: UnsafeMutablePointer<Int16>) -> [Int] {
        var invalid: [Int] = []
        for f in 0..<frames where gsm_decode(state, UnsafeMutablePointer(mutating: bytes + 33 * f), samples + 160 * f) != 0 {
            invalid.append(f)
        }
        return invalid
    }
}
