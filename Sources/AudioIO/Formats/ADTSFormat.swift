extension InputFormat {
    /// Raw AAC in ADTS frames (`.aac`), as some Android recorders and streams save it.
    /// ADTS carries no encoder delay, so the decoded length includes the encoder's priming.
    public static let adts = InputFormat(
        name: "AAC (ADTS)", extensions: ["aac", "adts"],
        probe: { head, _ in ADTS.looksLikeADTS(head) ? Match(.magic) : nil },
        open: { bytes, _, _ in
            let reader = try ADTSReader(bytes: bytes)
            var first: [UInt8] = []
            guard try reader.next(into: &first), !first.isEmpty else { throw AudioIOError(.corrupt, bytes.path, "holds no whole ADTS frame") }
            let decoder = try AACDecoder(path: bytes.path, adtsFrame: first)
            let replay = ReplayingReader(first: first, then: reader)
            return try PacketSource(path: bytes.path, reader: replay, decoder: decoder, timing: StreamTiming(timescale: 1)) { rate, channels, frames in
                StreamDescription(container: .adts, codec: decoder.profile, sampleRate: rate, channels: channels, frames: frames)
            }
        })
}

/// A packet already read (to set a decoder up), then the rest from its reader.
final class ReplayingReader: PacketReader {
    private var first: [UInt8]?
    private let rest: PacketReader
    init(first: [UInt8], then rest: PacketReader) {
        self.first = first
        self.rest = rest
    }
    var truncation: String? { rest.truncation }
    var trimEndOfLastPacket: Int64 { first == nil ? rest.trimEndOfLastPacket : 0 }
    func next(into packet: inout [UInt8]) throws -> Bool {
        if let f = first {
            packet = f
            first = nil
            return true
        }
        return try rest.next(into: &packet)
    }
}
