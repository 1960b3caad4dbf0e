/// Recordings from phones and browsers that promptc recognises but does not decode yet
/// (MP4/M4A/3GP, AMR, WebM/Matroska, ADTS AAC, WMA): they are named in a one-line error
/// instead of being taken for something else (an M4A's AAC frames are not MP3) or called
/// "not a recognised audio format". Each becomes a decoder of its own as it is written.
struct RecognisedContainer: Equatable {
    /// For people: "M4A (MPEG-4 audio) with AAC".
    let description: String

    /// What the first bytes say, when they are one of these containers.
    init?(_ head: [UInt8]) {
        func ascii(_ at: Int, _ count: Int) -> String? {
            guard at >= 0, at + count <= head.count else { return nil }
            return String(decoding: head[at..<(at + count)], as: UTF8.self)
        }
        if ascii(4, 4) == "ftyp", let brand = ascii(8, 4) {
            let kind: String
            switch brand {
            case "M4A ", "M4B ", "M4P ": kind = "M4A (MPEG-4 audio)"
            case "qt  ": kind = "QuickTime (MOV)"
            default: kind = brand.hasPrefix("3g2") ? "3G2" : brand.hasPrefix("3g") ? "3GP" : "MP4"
            }
            description = kind + (RecognisedContainer.mp4Codec(head).map { " with \($0)" } ?? "")
            return
        }
        if head.starts(with: Array("#!AMR-WB\n".utf8)) { description = "AMR-WB (wideband AMR)"; return }
        if head.starts(with: Array("#!AMR\n".utf8)) { description = "AMR (AMR-NB)"; return }
        if head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) {
            let doctype = Array("webm".utf8), start = Array(head.prefix(64))
            let webm = start.count >= 4 && (0...(start.count - 4)).contains { start[$0..<($0 + 4)].elementsEqual(doctype) }
            description = webm ? "WebM" : "Matroska (MKA/MKV)"
            return
        }
        if head.starts(with: [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) { description = "WMA (ASF)"; return }
        if RecognisedContainer.adtsFrames(head) >= 3 { description = "AAC (ADTS)"; return }
        return nil
    }

    /// The codec of the first sample entry of an MP4's sample description box, when the
    /// index is within the first bytes (ffmpeg and phones often put it at the end).
    static func mp4Codec(_ head: [UInt8]) -> String? {
        let stsd = Array("stsd".utf8)
        guard let i = head.indices.dropLast(20).first(where: { head[$0..<($0 + 4)].elementsEqual(stsd) }) else { return nil }
        let type = String(decoding: head[(i + 16)..<(i + 20)], as: UTF8.self)
        return ["mp4a": "AAC", "alac": "Apple Lossless (ALAC)", "samr": "AMR-NB", "sawb": "AMR-WB", "Opus": "Opus",
                ".mp3": "MP3", "ac-3": "AC-3", "ec-3": "E-AC-3", "fLaC": "FLAC"][type] ?? "'\(type)' audio"
    }

    /// ADTS frames that follow each other from the start (12-bit sync, layer 0, a frame
    /// length in the header).
    static func adtsFrames(_ head: [UInt8]) -> Int {
        var i = 0, n = 0
        while i + 7 <= head.count, head[i] == 0xFF, head[i + 1] & 0xF6 == 0xF0 {
            let length = Int(head[i + 3] & 0x03) << 11 | Int(head[i + 4]) << 3 | Int(head[i + 5]) >> 5
            guard length >= 7 else { break }
            n += 1
            i += length
        }
        return n
    }
}

extension InputFormat {
    /// Recognised, not decoded: opening one is a one-line error naming what it is.
    public static let recognisedContainers = InputFormat(
        name: "phone and browser recordings (recognised only)",
        extensions: ["m4a", "mp4", "3gp", "3g2", "mov", "amr", "awb", "webm", "mka", "aac", "wma"],
        probe: { head, _ in RecognisedContainer(head) != nil ? Match(.magic) : nil },
        open: { bytes, _, _ in
            let what = RecognisedContainer(bytes.peek(65536))?.description ?? "this kind of file"
            throw AudioIOError(.unsupported, bytes.path, "is \(what), which this version of promptc does not decode; export it as MP3 or WAV first")
        })
}
