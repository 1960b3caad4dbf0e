/// Raw AAC in ADTS frames (`.aac`): each frame a 7-byte header (9 with a CRC) that gives
/// its length, then the coded data. An ID3v2 tag before the first frame is skipped.
enum ADTS {
    /// The length of the frame whose header starts at `h[i]`, or nil when no valid header
    /// starts there (12-bit sync, layer 0, a sampling index below 13, a length that
    /// covers the header).
    static func frameLength(_ h: UnsafeRawBufferPointer, at i: Int) -> Int? {
        guard i + 7 <= h.count, h[i] == 0xFF, h[i + 1] & 0xF6 == 0xF0, (h[i + 2] >> 2) & 0x0F < 13 else { return nil }
        let length = Int(h[i + 3] & 0x03) << 11 | Int(h[i + 4]) << 3 | Int(h[i + 5]) >> 5
        let header = h[i + 1] & 0x01 == 0 ? 9 : 7
        return length >= header ? length : nil
    }

    /// Bytes of an ID3v2 tag at the start of `head` (0 when there is none).
    static func id3Length(_ head: [UInt8]) -> Int {
        guard head.count >= 10, head.starts(with: Array("ID3".utf8)), head[6...9].allSatisfy({ $0 < 0x80 }) else { return 0 }
        let size = head[6...9].reduce(0) { $0 << 7 | Int($1) }
        return 10 + size + (head[5] & 0x10 != 0 ? 10 : 0)
    }

    /// Whether `head` starts (after any ID3 tag) with three ADTS frames in a row.
    static func looksLikeADTS(_ head: [UInt8]) -> Bool {
        head.withUnsafeBytes { h in
            var i = id3Length(head), n = 0
            while n < 3, let length = frameLength(h, at: i) {
                n += 1
                i += length
            }
            return n >= 3 || (n >= 1 && i >= h.count)
        }
    }
}

/// The frames of an ADTS file, one packet each. Bytes between frames that are not a
/// frame (damage) are skipped up to the next header and reported as one invalid packet.
final class ADTSReader: PacketReader {
    private let bytes: ByteSource
    private var buffer: [UInt8] = []
    private var start = 0                 // first unused byte of `buffer`
    private var atEnd = false
    private(set) var truncation: String?
    /// The largest ADTS frame (13-bit length).
    private static let maximumFrame = 8191

    init(bytes: ByteSource) throws {
        self.bytes = bytes
        let head = try bytes.peekOrThrow(65536)
        var skip = ADTS.id3Length(head)
        // Skip the tag without holding it: it may be megabytes of cover art.
        var scratch = [UInt8](repeating: 0, count: 65536)
        while skip > 0 {
            let n = scratch.withUnsafeMutableBytes { bytes.read($0.baseAddress!, min(skip, $0.count)) }
            if n <= 0 { break }
            skip -= n
        }
        try bytes.throwIfReadFailed()
    }

    /// Makes at least `count` bytes available from `start` unless the input ends.
    private func need(_ count: Int) throws {
        if buffer.count - start >= count || atEnd { return }
        buffer.removeFirst(start)
        start = 0
        var chunk = [UInt8](repeating: 0, count: 65536)
        while buffer.count < count {
            let n = chunk.withUnsafeMutableBytes { bytes.read($0.baseAddress!, $0.count) }
            if n <= 0 { atEnd = true; break }
            buffer.append(contentsOf: chunk[0..<n])
        }
        try bytes.throwIfReadFailed()
    }

    func next(into packet: inout [UInt8]) throws -> Bool {
        try need(9)
        guard buffer.count - start >= 7 else {
            if buffer.count > start { truncation = "\(buffer.count - start) bytes at the end are not a whole ADTS frame" }
            return false
        }
        let length = buffer.withUnsafeBytes { ADTS.frameLength(UnsafeRawBufferPointer(rebasing: $0[start...]), at: 0) }
        guard let length else {
            // Damage: skip to the next byte pair that starts a header.
            start += 1
            while true {
                try need(9)
                if buffer.count - start < 7 { start = buffer.count; break }
                if buffer.withUnsafeBytes({ ADTS.frameLength(UnsafeRawBufferPointer(rebasing: $0[start...]), at: 0) }) != nil { break }
                start += 1
            }
            packet.removeAll(keepingCapacity: true)
            return true                   // an empty packet: counted as invalid
        }
        try need(length)
        guard buffer.count - start >= length else {
            truncation = "the last ADTS frame is cut off"
            start = buffer.count
            return false
        }
        packet.removeAll(keepingCapacity: true)
        packet.append(contentsOf: buffer[start..<(start + length)])
        start += length
        return true
    }
}
