/// AMR's storage format (RFC 4867 section 5): after the `#!AMR\n` magic, frames of one
/// table-of-contents byte (frame type in bits 3...6, quality bit 2) and a payload whose
/// size the frame type fixes. 3GP files hold the same frames in their samples.
enum AMRStorage {
    static let magic = Array("#!AMR\n".utf8)
    static let wideMagic = Array("#!AMR-WB\n".utf8)
    /// Samples per frame: 20 ms at 8 kHz.
    static let samplesPerFrame = 160

    /// Payload bytes after the ToC byte for each AMR-NB frame type: modes 4.75 to
    /// 12.2 kbit/s, SID, three other codecs' SIDs, four reserved types, no data.
    static let payloadBytes: [Int] = [12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0]

    /// Whole frame size (ToC included) of the frame starting with `toc`.
    static func frameBytes(toc: UInt8) -> Int { 1 + payloadBytes[Int(toc >> 3) & 0x0F] }

    /// Whether the ToC byte is one a frame can start with: padding bits zero, a defined
    /// type (0...8 or 15).
    static func isValidTOC(_ toc: UInt8) -> Bool {
        let type = Int(toc >> 3) & 0x0F
        return toc & 0x83 == 0 && (type <= 8 || type == 15)
    }
}

/// The frames of a raw `.amr` file, one packet each.
final class AMRFileReader: PacketReader {
    private let bytes: ByteSource
    private(set) var truncation: String?
    private var frameIndex = 0

    init(bytes: ByteSource) throws {
        self.bytes = bytes
        var magic = [UInt8](repeating: 0, count: AMRStorage.magic.count)
        let n = magic.withUnsafeMutableBytes { bytes.read($0.baseAddress!, $0.count) }
        guard n == magic.count, magic == AMRStorage.magic else {
            throw AudioIOError(.notAudio, bytes.path, "does not start with the AMR magic '#!AMR'")
        }
    }

    func next(into packet: inout [UInt8]) throws -> Bool {
        var toc: UInt8 = 0
        let n = bytes.read(&toc, 1)
        try bytes.throwIfReadFailed()
        guard n == 1 else { return false }
        let size = AMRStorage.frameBytes(toc: toc)
        packet.removeAll(keepingCapacity: true)
        packet.append(toc)
        if size > 1 {
            packet.append(contentsOf: repeatElement(0, count: size - 1))
            var got = 0
            while got < size - 1 {
                let r = packet.withUnsafeMutableBytes { bytes.read($0.baseAddress! + 1 + got, size - 1 - got) }
                if r <= 0 { break }
                got += r
            }
            try bytes.throwIfReadFailed()
            if got < size - 1 {
                truncation = "the last AMR frame (frame \(frameIndex + 1)) is cut off"
                return false
            }
        }
        frameIndex += 1
        return true
    }
}
