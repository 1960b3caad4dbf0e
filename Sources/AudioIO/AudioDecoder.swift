/// Options for opening an input.
public struct DecodeOptions: Sendable, Equatable {
    /// Treat the input as headerless samples with these parameters (no probing).
    public var raw: RawFormat?
    /// Hints for the MP3 decoder when the pipeline only needs narrowband mono.
    public var mp3Hints: MP3DecodeHints

    public init(raw: RawFormat? = nil, mp3Hints: MP3DecodeHints = .full) {
        self.raw = raw
        self.mp3Hints = mp3Hints
    }
}

/// What the first bytes of an input say it is.
public enum DetectedFormat: Equatable, Sendable {
    case sndfile(promisedFrames: Int?)
    case mp3
    case asteriskRaw(RawFormat)
    case text
    case unknown
}

/// Opens any supported input by its content, never by its extension alone.
public enum AudioDecoder {
    /// The formats promptc reads, for error messages and `--help`.
    public static let supportedFormats =
        "MP3 (MPEG-1/2/2.5 Layer I/II/III), WAV, RF64, W64, AIFF/AIFC, AU, CAF, FLAC, Ogg Vorbis, Opus, and headerless Asterisk prompts (.alaw .ulaw .sln ...)"

    /// Opens `path` ("-" for standard input) and returns a source of float frames.
    public static func open(_ path: String, options: DecodeOptions = DecodeOptions()) throws -> AudioSource {
        let bytes = try ByteSource(path: path)
        if let raw = options.raw { return try RawSource(bytes: bytes, format: raw) }
        let head = try bytes.peekOrThrow(65536)
        if head.isEmpty { throw AudioIOError(.empty, path, "is empty (0 bytes)") }
        switch detect(head, fileExtension: fileExtension(path)) {
        case .sndfile(let promised):
            return try SndFileSource(bytes: bytes, promisedFrames: promised)
        case .mp3:
            return try MP3Source(bytes: bytes, hints: options.mp3Hints)
        case .asteriskRaw(let format):
            return try RawSource(bytes: bytes, format: format)
        case .text:
            throw AudioIOError(.notAudio, path, "looks like text, not audio; promptc reads \(supportedFormats)")
        case .unknown:
            throw AudioIOError(.notAudio, path, "is not a recognised audio format; promptc reads \(supportedFormats)")
        }
    }

    /// Lower-case-sensitive extension after the last dot of the last path component.
    public static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// Recognises the format from the first bytes.
    public static func detect(_ head: [UInt8], fileExtension ext: String) -> DetectedFormat {
        func magic(_ s: String, at offset: Int = 0) -> Bool {
            let m = Array(s.utf8)
            return head.count >= offset + m.count && Array(head[offset..<(offset + m.count)]) == m
        }
        if (magic("RIFF") || magic("RIFX") || magic("RF64")) && magic("WAVE", at: 8) {
            let wav = WAVHeaderScan(head)
            if wav.formatTag == 0x0055 || wav.formatTag == 0x0050 { return .mp3 } // MPEG audio inside a WAV
            return .sndfile(promisedFrames: wav.promisedFrames)
        }
        if magic("FORM") || magic(".snd") || magic("fLaC") || magic("OggS") || magic("caff") || magic("riff")
            || magic("NIST_1A") || magic("Creative Voice File") || magic("RIFF") {
            return .sndfile(promisedFrames: nil)
        }
        if magic("ID3") { return .mp3 }
        // Headerless prompts have no magic: their extension decides unless a strong magic
        // number (above) says otherwise. Frame-sync sniffing is weak evidence, so it comes after.
        if let raw = RawFormat.asterisk(extension: ext) { return .asteriskRaw(raw) }
        if findMPEGSync(head) { return .mp3 }
        let printable = head.prefix(4096).filter { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }.count
        if printable * 100 >= min(head.count, 4096) * 95 { return .text }
        return .unknown
    }

    /// True when two MPEG audio frame headers with the same version, layer and rate
    /// follow each other at the distance the first header gives.
    static func findMPEGSync(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 4 <= b.count {
            // Free format (bitrate index 0): the next header with the same fields decides.
            if b[i] == 0xFF, b[i + 1] & 0xE0 == 0xE0, b[i + 2] >> 4 == 0, (b[i + 1] >> 1) & 3 != 0, (b[i + 2] >> 2) & 3 != 3 {
                var j = i + 48
                while j + 3 <= min(b.count, i + 4000) {
                    if b[j] == 0xFF && b[j + 1] == b[i + 1] && (b[j + 2] & 0xFC) == (b[i + 2] & 0xFC) { return true }
                    j += 1
                }
            }
            if let length = mpegFrameLength(b, i), i + length + 4 <= b.count,
               mpegFrameLength(b, i + length) != nil,
               b[i + 1] == b[i + length + 1], (b[i + 2] & 0x0C) == (b[i + length + 2] & 0x0C) {
                return true
            }
            i += 1
        }
        return false
    }

    /// Length in bytes of the MPEG audio frame whose header starts at `i`, if it is one
    /// (free-format frames are not sized here; libmpg123 handles them once recognised).
    static func mpegFrameLength(_ b: [UInt8], _ i: Int) -> Int? {
        guard i + 4 <= b.count, b[i] == 0xFF, b[i + 1] & 0xE0 == 0xE0 else { return nil }
        let version = Int(b[i + 1] >> 3) & 3           // 0: 2.5, 2: 2, 3: 1
        let layer = Int(b[i + 1] >> 1) & 3             // 3: I, 2: II, 1: III
        let bitrateIndex = Int(b[i + 2] >> 4)
        let rateIndex = Int(b[i + 2] >> 2) & 3
        guard version != 1, layer != 0, bitrateIndex != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let rates = [[11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000]]
        let rate = rates[version][rateIndex]
        let mpeg1 = version == 3
        let table: [Int]
        switch (mpeg1, layer) {
        case (true, 3): table = [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448]
        case (true, 2): table = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384]
        case (true, _): table = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
        case (false, 3): table = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256]
        default: table = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
        }
        let bitrate = table[bitrateIndex] * 1000
        let padding = Int(b[i + 2] >> 1) & 1
        if layer == 3 { return (12 * bitrate / rate + padding) * 4 }
        let factor = (layer == 1 && !mpeg1) ? 72 : 144
        return factor * bitrate / rate + padding
    }
}

/// The few facts of a RIFF/WAVE header that probing needs.
struct WAVHeaderScan {
    var formatTag: Int = 0
    var promisedFrames: Int?

    init(_ b: [UInt8]) {
        func u32(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 | Int(b[o + 2]) << 16 | Int(b[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        guard b.count >= 12, b[0] == UInt8(ascii: "R") else { return }
        var o = 12
        var blockAlign = 0
        while o + 8 <= b.count {
            let id = String(decoding: b[o..<(o + 4)], as: UTF8.self)
            let size = u32(o + 4)
            if id == "fmt " && o + 8 + 14 <= b.count {
                formatTag = u16(o + 8)
                blockAlign = u16(o + 8 + 12)
            } else if id == "data" {
                if blockAlign > 0 && size != 0 && size != 0xFFFF_FFFF { promisedFrames = size / blockAlign }
                return
            }
            o += 8 + size + (size & 1)
        }
    }
}
