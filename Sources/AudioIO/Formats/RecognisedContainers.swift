/// Files promptc recognises but does not decode: named in a one-line error instead of
/// "not a recognised audio format". AMR-WB is here because no AMR-WB encoder is packaged
/// in Debian 12 to make a real file to test a decoder with; WMA because no free decoder is.
struct RecognisedContainer: Equatable {
    /// For people: "AMR-WB (wideband AMR)".
    let description: String

    /// What the first bytes say, when they are one of these formats.
    init?(_ head: [UInt8]) {
        if head.starts(with: AMRStorage.wideMagic) { description = "AMR-WB (wideband AMR)"; return }
        if head.starts(with: [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) { description = "WMA (ASF)"; return }
        return nil
    }
}

/// What a file that is not audio looks like, for the "not audio" message: an image, a
/// document, an archive, a video container.
enum OtherFileKind {
    static func describe(_ head: [UInt8]) -> String? {
        func at(_ offset: Int, _ bytes: [UInt8]) -> Bool { head.count >= offset + bytes.count && Array(head[offset..<(offset + bytes.count)]) == bytes }
        let ascii = { (s: String) in Array(s.utf8) }
        if at(0, [0x89, 0x50, 0x4E, 0x47]) { return "a PNG image" }
        if at(0, [0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        if at(0, ascii("GIF8")) { return "a GIF image" }
        if at(0, ascii("RIFF")) && at(8, ascii("WEBP")) { return "a WebP image" }
        if at(0, ascii("RIFF")) && at(8, ascii("AVI ")) { return "an AVI video" }
        if at(4, ascii("ftypheic")) || at(4, ascii("ftypmif1")) { return "a HEIC image" }
        if at(0, ascii("%PDF")) { return "a PDF document" }
        if at(0, [0x50, 0x4B, 0x03, 0x04]) { return "a ZIP archive (or an office document)" }
        if at(0, [0x1F, 0x8B]) { return "a gzip archive" }
        if at(0, ascii("\u{7F}ELF")) { return "a program (ELF)" }
        if at(0, [0x00, 0x00, 0x01, 0xBA]) { return "an MPEG video" }
        return nil
    }
}

extension InputFormat {
    /// Recognised, not decoded: opening one is a one-line error naming what it is.
    public static let recognisedContainers = InputFormat(
        name: "AMR-WB and WMA (recognised only)",
        extensions: ["awb", "wma"],
        probe: { head, _ in RecognisedContainer(head) != nil ? Match(.magic) : nil },
        open: { bytes, _, _ in
            let what = RecognisedContainer(bytes.peek(65536))?.description ?? "this kind of file"
            throw AudioIOError(.unsupported, bytes.path, "is \(what), which promptc does not decode; export it as MP3, M4A or WAV first")
        })
}
