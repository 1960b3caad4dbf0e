import G711

extension PromptFormat {
    /// Raw signed 16-bit little-endian, 8 kHz (`.sln`).
    public static let sln = PromptFormat(registering: "sln")
    /// Raw signed 16-bit little-endian, 16 kHz (`.sln16`).
    public static let sln16 = PromptFormat(registering: "sln16")
    /// 16-bit mono PCM WAV, 8 kHz: the only WAV Asterisk plays (`.wav`).
    public static let wav = PromptFormat(registering: "wav")
    /// 16-bit mono PCM WAV, 16 kHz (`.wav16`).
    public static let wav16 = PromptFormat(registering: "wav16")
}

extension OutputFormat {
    static let sln = slin(.sln, extensions: ["sln", "slin", "raw"], rate: 8000)
    static let sln16 = slin(.sln16, extensions: ["sln16"], rate: 16000)
    static let wav = wave(.wav, rate: 8000)
    static let wav16 = wave(.wav16, rate: 16000)

    private static func slin(_ format: PromptFormat, extensions: [String], rate: Int) -> OutputFormat {
        OutputFormat(format, extensions: extensions, sampleRate: rate, summary: "16-bit signed linear, \(rate / 1000) kHz",
                     headerless: RawFormat(encoding: .s16le, sampleRate: rate),
                     makeWriter: { PCM16Writer(file: $0, format: format, wavHeader: false) },
                     checkContent: { _, head in
                         if WAVHeaderScan(head) != nil || head.starts(with: Array("RIFF".utf8)) { return .wavHeaderInRawFile(extension: format.rawValue) }
                         if let other = OutputFormat.containerIn(head) { return .otherFormatInRawFile(format: other, extension: format.rawValue) }
                         return head.count % 2 != 0 ? .oddByteCount(extension: format.rawValue) : nil
                     })
    }

    private static func wave(_ format: PromptFormat, rate: Int) -> OutputFormat {
        OutputFormat(format, extensions: [format.rawValue], sampleRate: rate, summary: "16-bit mono PCM WAV, \(rate / 1000) kHz",
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
    let wavHeader: Bool
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
        if wavHeader && file.isSeekable {
            try file.patch(Self.header(rate: format.sampleRate, dataBytes: dataBytes), at: 0)
        }
    }
}

