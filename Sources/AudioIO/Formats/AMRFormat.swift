extension InputFormat {
    /// AMR-NB in its storage format (`.amr`, `#!AMR\n`), as older Android phones record.
    public static let amr = InputFormat(
        name: "AMR-NB", extensions: ["amr"],
        probe: { head, _ in head.starts(with: AMRStorage.magic) ? Match(.magic) : nil },
        open: { bytes, _, _ in
            try PacketSource(path: bytes.path, reader: AMRFileReader(bytes: bytes), decoder: AMRNBDecoder(path: bytes.path),
                             timing: StreamTiming(timescale: 8000)) { rate, channels, frames in
                StreamDescription(container: .amr, codec: .amrNB, sampleRate: rate, channels: channels, frames: frames)
            }
        })
}
