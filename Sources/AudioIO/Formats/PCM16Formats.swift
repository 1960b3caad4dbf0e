import G711

extension PromptFormat {
    /// Raw signed 16-bit little-endian, 8 kHz (`.sln`).
    public static let sln = PromptFormat(registering: "sln")
    /// Raw signed 16-bit little-endian, 16 kHz (`.sln16`).
    public static let sln16 = PromptFormat(registering: "sln16")
    /// Raw signed 16-bit little-endian at Asterisk's other slin rates (`.sln12` ... `.sln192`).
    public static let sln12 = PromptFormat(registering: "sln12")
    public static let sln24 = PromptFormat(registering: "sln24")
    public static let sln32 = PromptFormat(registering: "sln32")
    public static let sln44 = PromptFormat(registering: "sln44")
    public static let sln48 = PromptFormat(registering: "sln48")
    public static let sln96 = PromptFormat(registering: "sln96")
    public static let sln192 = PromptFormat(registering: "sln192")
    /// 16-bit mono PCM WAV, 8 kHz: the only WAV Asterisk plays (`.wav`).
    public static let wav = PromptFormat(registering: "wav")
    /// 16-bit mono PCM WAV, 16 kHz (`.wav16`).
    public static let wav16 = PromptFormat(registering: "wav16")
}

extension OutputFormat {
    static let sln = slin(.sln, extensions: ["sln", "slin", "raw"], rate: 8000)
    static let sln16 = slin(.sln16, extensions: ["sln16"], rate: 16000)
    // Asterisk's slin12 ... slin192 formats (slin44 is 44.1 kHz).
    static let sln12 = slin(.sln12, extensions: ["sln12"], rate: 12000)
    static let sln24 = slin(.sln24, extensions: ["sln24"], rate: 24000)
    static let sln32 = slin(.sln32, extensions: ["sln32"], rate: 32000)
    static let sln44 = slin(.sln44, extensions: ["sln44"], rate: 44100)
    static let sln48 = slin(.sln48, extensions: ["sln48"], rate: 48000)
    static let sln96 = slin(.sln96, extensions: ["sln96"], rate: 96000)
    static let sln192 = slin(.sln192, extensions: ["sln192"], rate: 192000)
    static let wav = wave(.wav, rate: 8000)
    static let wav16 = wave(.wav16, rate: 16000)

    /// "16 kHz", "44.1 kHz".
    private static func kilohertz(_ rate: Int) -> String {
        rate % 1000 == 0 ? "\(rate / 1000) kHz" : "\(rate / 1000).\(rate % 1000 / 100) kHz"
    }

    private static func slin(_ format: PromptFormat, extensions: [String], rate: Int) -> OutputFormat {
        OutputFormat(format, extensions: extensions, sampleRate: rate, summary: "16-bit signed linear, \(kilohertz(rate))",
                     headerless: RawFormat(encoding: .s16le, sampleRate: rate),
                     makeWriter: { PCM16Writer(file: $0, format: format, wavHeader: false) },
                     checkContent: { _, head in
                         if WAVHeaderScan(head) != nil || head.starts(with: Array("RIFF".utf8)) { return .wavHeaderInRawFile(extension: format.rawValue) }
                         if let other = OutputFormat.containerIn(head) { return .otherFormatInRawFile(format: other, extension: format.rawValue) }
                         return head.count % 2 != 0 ? .oddByteCount(extension: format.rawValue) : nil
                     })
    }

    private static func wave(_ format: PromptFormat, rate: Int) -> OutputFormat {
        OutputFormat(format, extensions: [format.rawValue], sampleRate: rate, summary: "16-bit mono PCM WAV, \(kilohertz(rate))",
                     makeWriter: { PCM16Writer(file: $0, format: format, wavHeader: true) },
                     checkContent: { path, _ in
                         let s = try AudioDecoder.open(path)
                         return s.stream.isAsteriskWAV(rate: rate) ? nil
                             : .unplayableWAV(found: s.stream.text, rate: rate, extension: format.rawValue)
                     })
    }
}

/// Raw 16-bit little-endian PCM, optionally inside a canonical 44-byte WAV header.
public final class PCM16Writer: PromptWriter {
    public let format: PromptFormat
    let file: OutputFile
    /// Whether the samples are inside a WAV header.
    public let wavHeader: Bool
    /// Samples of silence added at the end (Asterisk's WAV reader drops
    /// ``headerSize`` / 2 samples from the end of every `.wav`).
    public var trailingSilence = 0
    /// Bytes of the canonical header promptc writes.
    public static let headerSize = 44
    private var pcm: [Int16] = []
    private var dataBytes = 0
    public var path: String { file.path }
    public var bytesWritten: Int64 { file.bytesWritten }

    init(file: OutputFile, format: PromptFormat, wavHeader: Bool) {
        self.file = file
        self.format = format
        self.wavHeader = wavHeader
        if wavHeader { try? file.write(Self.header(rate: format.sampleRate, dataBytes: nil)) }
    }

    /// Canonical RIFF/WAVE header for 16-bit mono PCM; unknown length writes the
    /// streaming convention 0xFFFFFFFF.
    public static func header(rate: Int, dataBytes: Int?) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let data = dataBytes ?? 0xFFFF_FFFF
        let riff = dataBytes.map { 36 + $0 } ?? 0xFFFF_FFFF
        return Array("RIFF".utf8) + le32(riff) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1)
            + le32(rate) + le32(rate * 2) + le16(2) + le16(16) + Array("data".utf8) + le32(data)
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        if pcm.count < samples.count { pcm = [Int16](repeating: 0, count: samples.count) }
        try pcm.withUnsafeMutableBufferPointer { out in
            LinearPCM.encode(samples, into: out)
            #if _endian(big)
            for i in 0..<samples.count { out[i] = out[i].littleEndian }
            #endif
            try file.write(UnsafeRawBufferPointer(start: out.baseAddress, count: samples.count * 2))
        }
        dataBytes += samples.count * 2
    }

    public var output: OutputFile { file }

    public func finishEncoding() throws {
        if trailingSilence > 0 {
            try file.write([UInt8](repeating: 0, count: 2 * trailingSilence))
            dataBytes += 2 * trailingSilence
            trailingSilence = 0
        }
        if wavHeader && file.isSeekable {
            try file.patch(Self.header(rate: format.sampleRate, dataBytes: dataBytes), at: 0)
        }
    }
}

