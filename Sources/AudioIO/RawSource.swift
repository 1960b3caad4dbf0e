import G711

/// Sample encodings of headerless input.
public enum RawEncoding: String, Sendable, CaseIterable, Codable {
    case s16le, s16be, f32le, alaw, ulaw

    var bytesPerSample: Int { self == .f32le ? 4 : self == .alaw || self == .ulaw ? 1 : 2 }
}

/// Parameters of headerless input: encoding, rate and channel count.
public struct RawFormat: Sendable, Equatable, Codable {
    public var encoding: RawEncoding
    public var sampleRate: Int
    public var channels: Int

    public init(encoding: RawEncoding, sampleRate: Int, channels: Int = 1) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Asterisk's headerless prompt formats, recognised by extension (lower case only,
    /// as Asterisk does): the output formats that have no header.
    public static func asterisk(extension ext: String) -> RawFormat? {
        FormatRegistry.outputs.first { $0.extensions.contains(ext) }?.headerless
    }
}

/// Headerless samples (explicit parameters, or an Asterisk prompt file by extension).
public final class RawSource: AudioSource {
    public let format: RawFormat
    public let stream: StreamDescription
    public private(set) var warnings: [DecodeWarning] = []
    private let bytes: ByteSource
    private var scratch: [UInt8] = []
    private var carry: [UInt8] = []

    public init(bytes: ByteSource, format: RawFormat) throws {
        try AudioLimits.check(rate: format.sampleRate, channels: format.channels, path: bytes.path)
        self.bytes = bytes
        self.format = format
        let frameBytes = format.encoding.bytesPerSample * format.channels
        let codecs: [RawEncoding: (StreamDescription.Codec, Int?, [String])] = [
            .s16le: (.pcm, 16, ["little-endian"]), .s16be: (.pcm, 16, ["big-endian"]), .f32le: (.float, 32, []),
            .alaw: (.alaw, nil, []), .ulaw: (.ulaw, nil, []),
        ]
        let (codec, bits, details) = codecs[format.encoding]!
        stream = StreamDescription(container: .raw, codec: codec, bitsPerSample: bits, sampleRate: format.sampleRate,
                                   channels: format.channels, frames: bytes.size.map { Int($0) / frameBytes }, details: details)
        if let size = bytes.size, Int(size) % frameBytes != 0 {
            warnings.append(.trailingBytes(Int(size) % frameBytes))
        }
    }

    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let sampleBytes = format.encoding.bytesPerSample
        let want = frames * format.channels * sampleBytes
        if scratch.count < want { scratch = [UInt8](repeating: 0, count: want) }
        var got = carry.count
        scratch.withUnsafeMutableBytes { s in
            for (i, b) in carry.enumerated() { s[i] = b }
            while got < want {
                let n = bytes.read(s.baseAddress! + got, want - got)
                if n <= 0 { break }   // a failed read is thrown below
                got += n
            }
        }
        try bytes.throwIfReadFailed()
        let samples = got / sampleBytes / format.channels * format.channels
        let used = samples * sampleBytes
        carry = Array(scratch[used..<got])
        scratch.withUnsafeBytes { s in
            let p = s.baseAddress!
            switch format.encoding {
            case .s16le, .s16be:
                for i in 0..<samples {
                    var v = UInt16(p.load(fromByteOffset: 2 * i, as: UInt8.self)) | UInt16(p.load(fromByteOffset: 2 * i + 1, as: UInt8.self)) << 8
                    if format.encoding == .s16be { v = v.byteSwapped }
                    buffer[i] = Float(Int16(bitPattern: v)) * (1 / 32768)
                }
            case .f32le:
                for i in 0..<samples { buffer[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .alaw, .ulaw:
                let law: G711Law = format.encoding == .alaw ? .aLaw : .muLaw
                law.decode(UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: samples),
                           into: UnsafeMutableBufferPointer(start: buffer, count: samples))
            }
        }
        return samples / format.channels
    }
}

extension InputFormat {
    /// Asterisk's headerless prompts (`.alaw`, `.ulaw`, `.sln`, ...), known by their
    /// extension only: any magic number found in the content wins over it.
    public static let asteriskRaw = InputFormat(
        name: "headerless Asterisk prompt",
        extensions: FormatRegistry.outputs.filter { $0.headerless != nil }.flatMap(\.extensions),
        probe: { head, ext in
            // Text named like a prompt (a key file linked as leak.sln) is not audio.
            guard let raw = RawFormat.asterisk(extension: ext), !looksLikeText(head) else { return nil }
            return Match(.fileExtension, raw: raw)
        },
        open: { bytes, _, match in try RawSource(bytes: bytes, format: match.raw!) })
}
