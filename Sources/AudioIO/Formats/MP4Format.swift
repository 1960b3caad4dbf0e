extension InputFormat {
    /// MP4, M4A, 3GP and QuickTime files (what iPhones, Android recorders and cameras
    /// save): the first audio track, AAC or AMR-NB. The index may sit at the end of the
    /// file, so a pipe is spooled first.
    public static let mp4 = InputFormat(
        name: "MP4/M4A/3GP (AAC, AMR-NB)", extensions: ["m4a", "mp4", "3gp", "3g2", "mov", "m4b", "m4r"], needsSeeking: true,
        probe: { head, ext in
            guard head.count >= 12 else { return nil }
            let type = String(head[4..<8].map { Character(Unicode.Scalar($0)) })
            if type == "ftyp" { return Match(.magic) }
            // QuickTime files from before the ftyp box start straight with their boxes.
            return ["moov", "mdat", "wide", "free"].contains(type) && ["mov", "mp4", "m4a"].contains(ext) ? Match(.fileExtension) : nil
        },
        open: { bytes, _, _ in try MP4Format.open(bytes) })
}

/// Opens an MP4's audio track with the decoder its codec needs.
enum MP4Format {
    static func open(_ bytes: ByteSource) throws -> AudioSource {
        let demuxer = try MP4Demuxer(bytes: bytes)
        let kind = MP4Demuxer.kindName(demuxer.container)
        let container = demuxer.container
        switch demuxer.entry {
        case let .aac(config):
            let decoder = try AACDecoder(path: bytes.path, config: config)
            return try PacketSource(path: bytes.path, reader: demuxer, decoder: decoder, timing: demuxer.timing) { rate, channels, frames in
                StreamDescription(container: container, codec: decoder.profile, sampleRate: rate, channels: channels, frames: frames)
            }
        case .amrNB:
            return try PacketSource(path: bytes.path, reader: demuxer, decoder: AMRNBDecoder(path: bytes.path), timing: demuxer.timing) { rate, channels, frames in
                StreamDescription(container: container, codec: .amrNB, sampleRate: rate, channels: channels, frames: frames)
            }
        case .alac:
            throw AudioIOError(.unsupported, bytes.path, "\(kind) with Apple Lossless (ALAC) audio is not supported: export it as AAC (or WAV)")
        case .amrWB:
            throw AudioIOError(.unsupported, bytes.path, "\(kind) with AMR-WB (wideband AMR) audio is not supported: export it as AAC, MP3 or WAV")
        default:
            throw AudioIOError(.unsupported, bytes.path, "\(kind) with \(demuxer.entry.codecName) audio is not supported: export it as AAC, MP3 or WAV")
        }
    }
}
