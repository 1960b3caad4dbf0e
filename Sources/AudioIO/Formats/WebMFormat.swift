extension InputFormat {
    /// WebM and Matroska audio with Opus (`.webm`, `.mka`), as browsers record.
    public static let webm = InputFormat(
        name: "WebM/Matroska (Opus)", extensions: ["webm", "mka", "mkv"],
        probe: { head, _ in head.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) ? Match(.magic) : nil },
        open: { bytes, request, _ in
            let demuxer = try MatroskaDemuxer(bytes: bytes, trimTimescale: 48000)
            let kind = demuxer.container == .webm ? "WebM" : "Matroska"
            guard demuxer.track.codecID == "A_OPUS" else {
                throw AudioIOError(.unsupported, bytes.path, "\(kind) with \(MatroskaDemuxer.codecName(demuxer.track.codecID)) audio is not supported: export it as Opus, MP3 or WAV")
            }
            let decoder = try OpusPacketDecoder(path: bytes.path, head: demuxer.track.codecPrivate, lowestRate: request.lowestUsefulRate)
            let container = demuxer.container
            return try PacketSource(path: bytes.path, reader: demuxer, decoder: decoder,
                                    timing: StreamTiming(timescale: 48000, skip: Int64(decoder.preSkip))) { rate, channels, frames in
                StreamDescription(container: container, codec: .opus, sampleRate: rate, channels: channels, frames: frames,
                                  codedRate: 48000)
            }
        })
}
