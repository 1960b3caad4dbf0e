/// Opens any supported input by its content, never by its extension alone: each entry of
/// ``FormatRegistry/inputs`` probes the first bytes, and the strongest answer opens it.
public enum AudioDecoder {
    /// The formats promptc reads, for error messages and `--help`.
    public static let supportedFormats =
        "MP3 (MPEG-1/2/2.5 Layer I/II/III), WAV, RF64, W64, AIFF/AIFC, AU, CAF, FLAC, Ogg Vorbis/Opus, M4A/MP4/3GP (AAC, AMR-NB), AAC (ADTS), AMR-NB, WebM/MKA (Opus), and headerless Asterisk prompts (.alaw .ulaw .gsm .g722 .sln ...)"

    /// Opens `path` ("-" for standard input) and returns a source of float frames.
    public static func open(_ path: String, request: DecodeRequest = DecodeRequest()) throws -> AudioSource {
        let bytes = try ByteSource(path: path)
        if let raw = request.raw { return try RawSource(bytes: bytes, format: raw) }
        let head = try bytes.peekOrThrow(65536)
        if head.isEmpty { throw AudioIOError(.empty, path, "is empty (0 bytes)") }
        switch detect(head, fileExtension: fileExtension(path)) {
        case let .format(format, match):
            return try format.open(bytes, request: request, match: match)
        case .text where OtherFileKind.describe(head) != nil, .unknown where OtherFileKind.describe(head) != nil:
            throw AudioIOError(.notAudio, path, "is \(OtherFileKind.describe(head) ?? "not audio"), not audio")
        case .text:
            throw AudioIOError(.notAudio, path, "looks like text, not audio; promptc reads \(supportedFormats)")
        case .unknown:
            throw AudioIOError(.notAudio, path, "is not a recognised audio format; promptc reads \(supportedFormats)")
        }
    }

    /// What the first bytes of an input say it is.
    public enum Detection: Equatable, Sendable {
        case format(InputFormat, InputFormat.Match)
        case text
        case unknown
    }

    /// Lower-case-sensitive extension after the last dot of the last path component.
    public static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    /// Recognises the format from the first bytes: the strongest probe answer, ties going
    /// to the format listed first.
    public static func detect(_ head: [UInt8], fileExtension ext: String) -> Detection {
        var best: (InputFormat, InputFormat.Match)?
        for format in FormatRegistry.inputs {
            if let m = format.probe(head, ext), best == nil || m.evidence > best!.1.evidence { best = (format, m) }
        }
        if let (format, match) = best { return .format(format, match) }
        return looksLikeText(head) ? .text : .unknown
    }
}

/// True when at least 95% of the first 4 KiB are printable ASCII, tabs or line breaks:
/// text, never audio (raw G.711 and PCM are far from it).
func looksLikeText(_ head: [UInt8]) -> Bool {
    guard !head.isEmpty else { return false }
    let printable = head.prefix(4096).filter { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }.count
    return printable * 100 >= min(head.count, 4096) * 95
}
