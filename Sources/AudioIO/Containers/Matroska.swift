#if canImport(Glibc)
import Glibc
#endif

/// WebM and Matroska (`.webm`, `.mka`), as browsers' MediaRecorder saves them: EBML
/// elements (a variable-length ID and size, then the payload), read front to back so a
/// pipe needs no spooling. Only what the first audio track needs is kept: its codec
/// settings and the frames of its SimpleBlocks and BlockGroups. Browsers write the
/// Segment and its Clusters with unknown sizes; a Cluster then ends where an element of
/// the Segment's level begins.
final class MatroskaDemuxer: PacketReader {
    enum ID {
        static let ebml: UInt32 = 0x1A45_DFA3, docType: UInt32 = 0x4282
        static let segment: UInt32 = 0x1853_8067, info: UInt32 = 0x1549_A966, timecodeScale: UInt32 = 0x2AD7B1
        static let tracks: UInt32 = 0x1654_AE6B, trackEntry: UInt32 = 0xAE, trackNumber: UInt32 = 0xD7, trackType: UInt32 = 0x83
        static let codecID: UInt32 = 0x86, codecPrivate: UInt32 = 0x63A2, codecDelay: UInt32 = 0x56AA
        static let audio: UInt32 = 0xE1, samplingFrequency: UInt32 = 0xB5, channels: UInt32 = 0x9F
        static let cluster: UInt32 = 0x1F43_B675, simpleBlock: UInt32 = 0xA3, blockGroup: UInt32 = 0xA0, block: UInt32 = 0xA1
        static let discardPadding: UInt32 = 0x75A2
        /// Elements at the Segment's level: one of these ends a Cluster of unknown size.
        static let segmentLevel: Set<UInt32> = [0x1F43_B675, 0x1C53_BB6B, 0x1254_C367, 0x1043_A770, 0x1941_A469, 0x114D_9B74, 0x1549_A966, 0x1654_AE6B]
    }

    /// The audio track, as the Tracks element describes it.
    struct Track: Equatable {
        var number: UInt64 = 0
        var type: UInt64 = 0
        var codecID = ""
        var codecPrivate: [UInt8] = []
        var codecDelay: UInt64 = 0
        var channels = 0
        var sampleRate = 0.0
    }

    let container: StreamDescription.Container
    let track: Track
    private(set) var truncation: String?
    private(set) var trimEndOfLastPacket: Int64 = 0
    /// Units of ``trimEndOfLastPacket``: DiscardPadding is in nanoseconds.
    let trimTimescale: Int
    private let bytes: ByteSource
    private var position: Int64 = 0
    private var segmentEnd: Int64 = .max
    private var clusterEnd: Int64?        // inside a Cluster until here (.max: unknown size)
    private var pendingHeader: (id: UInt32, size: UInt64?, start: Int64)?
    private var laced: [[UInt8]] = []     // frames of a laced block not yet handed out
    private var ended = false
    /// Largest element payload read into memory (a block, the Tracks element).
    static let maximumElement: UInt64 = 16 << 20

    init(bytes: ByteSource, trimTimescale: Int) throws {
        self.bytes = bytes
        self.trimTimescale = trimTimescale
        // The EBML header and its DocType.
        guard let h = try MatroskaDemuxer.readHeader(bytes, &position), h.id == ID.ebml, let size = h.size, size <= 4096 else {
            throw AudioIOError(.notAudio, bytes.path, "does not start with an EBML header")
        }
        let header = try MatroskaDemuxer.readPayload(bytes, &position, size, what: "EBML header")
        let docType = MatroskaDemuxer.children(header).first { $0.id == ID.docType }.map { String(decoding: $0.data, as: UTF8.self) } ?? "matroska"
        container = docType == "webm" ? .webm : .matroska
        let kind = container == .webm ? "WebM" : "Matroska"
        guard let segment = try MatroskaDemuxer.readHeader(bytes, &position), segment.id == ID.segment else {
            throw AudioIOError(.corrupt, bytes.path, "is \(kind) without a Segment")
        }
        if let s = segment.size { segmentEnd = position + Int64(clamping: s) }
        // Segment children up to the first Cluster: the track list is there.
        var tracks: [Track] = []
        var sawTracks = false
        while true {
            guard position < segmentEnd, let e = try MatroskaDemuxer.readHeader(bytes, &position) else { break }
            if e.id == ID.cluster {
                pendingHeader = e
                break
            }
            guard let size = e.size else { throw AudioIOError(.corrupt, bytes.path, "has an element of unknown size outside a Cluster") }
            if e.id == ID.tracks {
                guard size <= MatroskaDemuxer.maximumElement else { throw AudioIOError(.corrupt, bytes.path, "claims a track list of \(size) bytes") }
                tracks = MatroskaDemuxer.tracks(try MatroskaDemuxer.readPayload(bytes, &position, size, what: "track list"))
                sawTracks = true
            } else {
                try MatroskaDemuxer.skip(bytes, &position, size)
            }
        }
        guard sawTracks else { throw AudioIOError(.corrupt, bytes.path, "is \(kind) without a track list before its first Cluster") }
        guard let audio = tracks.first(where: { $0.type == 2 }) else {
            throw AudioIOError(.notAudio, bytes.path, tracks.contains { $0.type == 1 } ? "is \(kind) video without an audio track" : "is \(kind) without an audio track")
        }
        track = audio
    }

    /// What a codec ID means for people: "Opus", "Vorbis".
    static func codecName(_ id: String) -> String {
        ["A_OPUS": "Opus", "A_VORBIS": "Vorbis", "A_AAC": "AAC", "A_MPEG/L3": "MP3", "A_FLAC": "FLAC", "A_PCM/INT/LIT": "PCM",
         "A_AC3": "AC-3", "A_EAC3": "E-AC-3", "A_DTS": "DTS", "A_ALAC": "Apple Lossless (ALAC)"][id]
            ?? (id.hasPrefix("A_AAC") ? "AAC" : "'\(String(id.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(32)))' audio")
    }

    // MARK: Packets

    func next(into packet: inout [UInt8]) throws -> Bool {
        trimEndOfLastPacket = 0
        if !laced.isEmpty {
            packet = laced.removeFirst()
            return true
        }
        while !ended {
            guard let e = try nextElement() else { ended = true; break }
            let size = e.size!
            switch e.id {
            case ID.simpleBlock, ID.blockGroup:
                guard size <= MatroskaDemuxer.maximumElement else { throw AudioIOError(.corrupt, bytes.path, "claims a block of \(size) bytes") }
                guard let payload = try readOrTruncate(size) else { return false }
                var block = payload
                var discard: Int64 = 0
                if e.id == ID.blockGroup {
                    let parts = MatroskaDemuxer.children(payload)
                    guard let b = parts.first(where: { $0.id == ID.block }) else { continue }
                    block = b.data
                    if let d = parts.first(where: { $0.id == ID.discardPadding }) { discard = MatroskaDemuxer.signed(d.data) }
                }
                guard var frames = MatroskaDemuxer.frames(ofBlock: block, track: track.number) else { continue }
                if frames.isEmpty { continue }
                packet = frames.removeFirst()
                laced = frames
                if discard > 0 && laced.isEmpty {
                    trimEndOfLastPacket = Int64((Double(discard) * Double(trimTimescale) / 1e9).rounded())
                }
                return true
            default:
                try skipOrTruncate(size)
            }
        }
        return false
    }

    /// The next element inside a Cluster (entering Clusters as they come), sizes known.
    private func nextElement() throws -> (id: UInt32, size: UInt64?, start: Int64)? {
        while true {
            if let end = clusterEnd, position >= end { clusterEnd = nil }
            guard position < segmentEnd else { return nil }
            let e: (id: UInt32, size: UInt64?, start: Int64)
            if let p = pendingHeader {
                e = p
                pendingHeader = nil
            } else {
                guard let h = try MatroskaDemuxer.readHeader(bytes, &position) else {
                    if let size = bytes.size, position < size { truncation = "the file ends inside an element header" }
                    return nil
                }
                e = h
            }
            if e.id == ID.cluster {
                clusterEnd = e.size.map { position + Int64(clamping: $0) } ?? .max
                continue
            }
            if clusterEnd != nil && clusterEnd == .max && ID.segmentLevel.contains(e.id) { clusterEnd = nil }
            guard let size = e.size else { throw AudioIOError(.corrupt, bytes.path, "has an element of unknown size inside a Cluster") }
            if clusterEnd == nil {
                // Between Clusters (Cues, Tags...): skipped.
                try skipOrTruncate(size)
                if truncation != nil { return nil }
                continue
            }
            return (e.id, size, e.start)
        }
    }

    private func readOrTruncate(_ size: UInt64) throws -> [UInt8]? {
        if let fileSize = bytes.size, position + Int64(size) > fileSize {
            truncation = "the file ends inside a block"
            ended = true
            return nil
        }
        do { return try MatroskaDemuxer.readPayload(bytes, &position, size, what: "block") } catch let e as AudioIOError where e.kind == .truncated {
            truncation = "the file ends inside a block"
            ended = true
            return nil
        }
    }

    private func skipOrTruncate(_ size: UInt64) throws {
        if let fileSize = bytes.size, position + Int64(clamping: size) > fileSize {
            truncation = "the file ends inside an element"
            ended = true
            return
        }
        try MatroskaDemuxer.skip(bytes, &position, size)
    }

    // MARK: EBML

    /// Reads an element header: nil at the end of the input. A size of all ones is
    /// "unknown" (nil).
    static func readHeader(_ bytes: ByteSource, _ position: inout Int64) throws -> (id: UInt32, size: UInt64?, start: Int64)? {
        let start = position
        guard let (id, idLength) = try readVint(bytes, &position, keepMarker: true), idLength <= 4 else {
            if position > start { throw AudioIOError(.corrupt, bytes.path, "has a damaged element ID at byte \(start)") }
            return nil
        }
        guard let (size, sizeLength) = try readVint(bytes, &position, keepMarker: false) else { return nil }
        let unknown = size == (UInt64(1) << (7 * UInt64(sizeLength))) - 1
        return (UInt32(id), unknown ? nil : size, start)
    }

    /// An EBML variable-length integer: its value and length in bytes; nil at the end.
    static func readVint(_ bytes: ByteSource, _ position: inout Int64, keepMarker: Bool) throws -> (UInt64, Int)? {
        var first: UInt8 = 0
        guard bytes.read(&first, 1) == 1 else { try bytes.throwIfReadFailed(); return nil }
        position += 1
        guard first != 0 else { throw AudioIOError(.corrupt, bytes.path, "has a damaged EBML number at byte \(position - 1)") }
        let length = first.leadingZeroBitCount + 1
        var value = UInt64(keepMarker ? first : first & (0xFF >> length))
        for _ in 1..<length {
            var b: UInt8 = 0
            guard bytes.read(&b, 1) == 1 else { try bytes.throwIfReadFailed(); return nil }
            position += 1
            value = value << 8 | UInt64(b)
        }
        return (value, length)
    }

    static func readPayload(_ bytes: ByteSource, _ position: inout Int64, _ size: UInt64, what: String) throws -> [UInt8] {
        guard size <= maximumElement else { throw AudioIOError(.corrupt, bytes.path, "claims a \(what) of \(size) bytes") }
        var out = [UInt8](repeating: 0, count: Int(size))
        var got = 0
        while got < out.count {
            let n = out.withUnsafeMutableBytes { bytes.read($0.baseAddress! + got, $0.count - got) }
            if n <= 0 { break }
            got += n
        }
        try bytes.throwIfReadFailed()
        position += Int64(got)
        guard got == out.count else { throw AudioIOError(.truncated, bytes.path, "the file ends inside its \(what)") }
        return out
    }

    static func skip(_ bytes: ByteSource, _ position: inout Int64, _ size: UInt64) throws {
        if bytes.isSeekable, let fileSize = bytes.size {
            let target = min(fileSize, position + Int64(clamping: min(size, UInt64(Int64.max / 2))))
            guard bytes.seek(target, whence: SEEK_SET) == target else { throw AudioIOError(.unreadable, bytes.path, "cannot seek") }
            position = target
            return
        }
        var left = size
        var scratch = [UInt8](repeating: 0, count: 65536)
        while left > 0 {
            let n = scratch.withUnsafeMutableBytes { bytes.read($0.baseAddress!, Int(min(left, UInt64($0.count)))) }
            if n <= 0 { break }
            left -= UInt64(n)
            position += Int64(n)
        }
        try bytes.throwIfReadFailed()
    }

    /// The elements inside an in-memory payload (one level); damaged tails are dropped.
    static func children(_ p: [UInt8]) -> [(id: UInt32, data: [UInt8])] {
        var out: [(UInt32, [UInt8])] = []
        var i = 0
        while i < p.count {
            guard let (id, idLength) = vint(p, &i, keepMarker: true), idLength <= 4, let (size, _) = vint(p, &i, keepMarker: false),
                  size <= UInt64(p.count - i) else { break }
            out.append((UInt32(id), Array(p[i..<(i + Int(size))])))
            i += Int(size)
        }
        return out
    }

    /// An EBML variable-length integer inside an in-memory payload at `i` (advanced past
    /// it): its value and length; nil when it is damaged or runs past the end.
    static func vint(_ p: [UInt8], _ i: inout Int, keepMarker: Bool) -> (UInt64, Int)? {
        guard i < p.count, p[i] != 0 else { return nil }
        let length = p[i].leadingZeroBitCount + 1
        guard i + length <= p.count else { return nil }
        var v = UInt64(keepMarker ? p[i] : p[i] & (0xFF >> length))
        for k in 1..<length { v = v << 8 | UInt64(p[i + k]) }
        i += length
        return (v, length)
    }

    static func unsigned(_ d: [UInt8]) -> UInt64 { d.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
    static func signed(_ d: [UInt8]) -> Int64 {
        guard let first = d.first else { return 0 }
        var v: Int64 = first & 0x80 != 0 ? -1 : 0
        for b in d.prefix(8) { v = v << 8 | Int64(b) }
        return v
    }
    static func float(_ d: [UInt8]) -> Double {
        switch d.count {
        case 4: Double(Float(bitPattern: UInt32(unsigned(d))))
        case 8: Double(bitPattern: unsigned(d))
        default: 0
        }
    }

    /// The tracks of a Tracks element.
    static func tracks(_ p: [UInt8]) -> [Track] {
        children(p).filter { $0.id == ID.trackEntry }.map { entry in
            var t = Track()
            for e in children(entry.data) {
                switch e.id {
                case ID.trackNumber: t.number = unsigned(e.data)
                case ID.trackType: t.type = unsigned(e.data)
                case ID.codecID: t.codecID = String(decoding: e.data.prefix(64), as: UTF8.self)
                case ID.codecPrivate: t.codecPrivate = e.data
                case ID.codecDelay: t.codecDelay = unsigned(e.data)
                case ID.audio:
                    for a in children(e.data) {
                        if a.id == ID.channels { t.channels = Int(clamping: unsigned(a.data)) }
                        if a.id == ID.samplingFrequency { t.sampleRate = float(a.data) }
                    }
                default: break
                }
            }
            return t
        }
    }

    /// The frames of a (Simple)Block of `track`: nil when the block is another track's
    /// or damaged. Handles the three lacings (Xiph, fixed-size, EBML).
    static func frames(ofBlock b: [UInt8], track: UInt64) -> [[UInt8]]? {
        var i = 0
        guard !b.isEmpty, b[0] != 0 else { return nil }
        let numberLength = b[0].leadingZeroBitCount + 1
        guard numberLength <= 8, b.count >= numberLength + 3 else { return nil }
        var number = UInt64(b[0] & (0xFF >> numberLength))
        for k in 1..<numberLength { number = number << 8 | UInt64(b[k]) }
        guard number == track else { return nil }
        i = numberLength + 2                  // relative timecode
        let flags = b[i]
        i += 1
        let lacing = (flags >> 1) & 0x03
        if lacing == 0 { return [Array(b[i...])] }
        guard i < b.count else { return nil }
        let count = Int(b[i]) + 1
        i += 1
        var sizes: [Int] = []
        switch lacing {
        case 1:                               // Xiph: sizes as runs of 255
            for _ in 0..<(count - 1) {
                var size = 0
                while true {
                    guard i < b.count else { return nil }
                    size += Int(b[i])
                    i += 1
                    if b[i - 1] != 255 { break }
                }
                sizes.append(size)
            }
        case 3:                               // EBML: the first size, then signed differences
            // No frame is larger than its block: this also keeps the sum below from overflowing.
            guard let (first, _) = vint(b, &i, keepMarker: false), first <= UInt64(b.count) else { return nil }
            sizes.append(Int(first))
            for _ in 1..<max(1, count - 1) where count > 2 {
                guard let (raw, length) = vint(b, &i, keepMarker: false) else { return nil }
                let bias = (Int64(1) << (7 * Int64(length) - 1)) - 1
                let size = Int64(sizes.last!) + Int64(raw) - bias
                guard size >= 0, size <= Int64(b.count) else { return nil }
                sizes.append(Int(size))
            }
        default:                              // fixed-size
            let total = b.count - i
            guard total % count == 0 else { return nil }
            sizes = Array(repeating: total / count, count: count - 1)
        }
        let used = sizes.reduce(0, +)
        guard sizes.count == count - 1, used <= b.count - i else { return nil }
        sizes.append(b.count - i - used)
        var out: [[UInt8]] = []
        for s in sizes {
            out.append(Array(b[i..<(i + s)]))
            i += s
        }
        return out
    }
}
