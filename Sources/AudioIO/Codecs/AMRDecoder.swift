import COpenCoreAMR

/// AMR-NB through libopencore-amrnb: every packet is one or more storage-format frames
/// (ToC byte and payload), each giving 160 samples at 8 kHz. SID and no-data frames
/// decode as comfort noise or concealment, as on a phone call.
final class AMRNBDecoder: PacketDecoder {
    let sampleRate = 8000
    let channels = 1
    let codecName = "AMR-NB"
    private let state: UnsafeMutableRawPointer
    private var frame = [UInt8](repeating: 0, count: 32)
    private var samples = [Int16](repeating: 0, count: AMRStorage.samplesPerFrame)

    init(path: String) throws {
        guard let s = Decoder_Interface_init() else { throw AudioIOError(.unsupported, path, "cannot create an AMR-NB decoder") }
        state = s
    }

    deinit { Decoder_Interface_exit(state) }

    func decode(_ packet: UnsafeRawBufferPointer, into out: inout [Float]) -> (frames: Int, valid: Bool) {
        var offset = 0, frames = 0
        while offset < packet.count {
            let toc = packet[offset]
            let size = AMRStorage.frameBytes(toc: toc)
            // A frame cut short or of a reserved type is concealed, never read past.
            let whole = offset + size <= packet.count && AMRStorage.isValidTOC(toc)
            for i in 0..<32 { frame[i] = i < size && offset + i < packet.count ? packet[offset + i] : 0 }
            if !whole { frame[0] = 15 << 3 }       // no data: the decoder conceals
            frame.withUnsafeBufferPointer { f in
                samples.withUnsafeMutableBufferPointer { s in Decoder_Interface_Decode(state, f.baseAddress!, s.baseAddress!, whole ? 0 : 1) }
            }
            for s in samples { out.append(Float(s) * (1 / 32768)) }
            frames += AMRStorage.samplesPerFrame
            if !whole { return (frames, false) }
            offset += size
        }
        return (frames, true)
    }
}
