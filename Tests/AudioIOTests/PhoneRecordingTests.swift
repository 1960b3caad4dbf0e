import Foundation
import Testing
@testable import AudioIO

/// Mono of an interleaved signal (the mean of its channels), as ffmpeg's `-ac 1` makes it.
private func mono(_ x: [Float], channels: Int) -> [Float] {
    guard channels > 1 else { return x }
    return stride(from: 0, to: x.count, by: channels).map { i in (0..<channels).reduce(Float(0)) { $0 + x[i + $1] } / Float(channels) }
}

private func rmsDB(_ x: [Float]) -> Double {
    10 * log10(x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count)))
}

private func decode(_ path: String, request: DecodeRequest = DecodeRequest()) throws -> (source: AudioSource, mono: [Float]) {
    let s = try AudioDecoder.open(path, request: request)
    return (s, mono(try decodeAll(s), channels: s.channels))
}

@Suite("phone and browser recordings: M4A/AAC, 3GP, AMR-NB, WebM/Opus")
struct PhoneRecordingTests {
    /// The original each recording was made from (see Fixtures/generate-phone.sh).
    static let originals = ["speech.m4a": "speech/speech-44k-stereo.wav", "speech-faststart.m4a": "speech/speech-44k-stereo.wav",
                            "speech-stereo.m4a": "speech/speech-44k-stereo.wav", "speech.3gp": "speech/speech-16k-mono.wav",
                            "speech.webm": "speech/speech-16k-mono.wav", "speech-live.webm": "speech/speech-16k-mono.wav",
                            "speech-stereo.mka": "speech/speech-44k-stereo.wav",
                            "speech.amr": "speech/speech-8k-mono.wav", "speech-amr.3gp": "speech/speech-8k-mono.wav",
                            "speech-all-modes.amr": "speech/speech-8k-mono.wav"]

    @Test("the decoded length equals the original's exactly: AAC from the edit list, Opus from pre-skip and discard padding, AMR by its frames", arguments: [
        ("speech.m4a", StreamDescription.Container.m4a, StreamDescription.Codec.aacLC, 44100, 1),
        ("speech-faststart.m4a", .m4a, .aacLC, 44100, 1), ("speech-stereo.m4a", .m4a, .aacLC, 44100, 2),
        ("speech.3gp", .threeGP, .aacLC, 16000, 1), ("speech-amr.3gp", .threeGP, .amrNB, 8000, 1), ("speech.amr", .amr, .amrNB, 8000, 1),
        ("speech-all-modes.amr", .amr, .amrNB, 8000, 1),
        ("speech.webm", .webm, .opus, 48000, 1), ("speech-live.webm", .webm, .opus, 48000, 1), ("speech-stereo.mka", .matroska, .opus, 48000, 2),
    ])
    func exactLength(file: String, container: StreamDescription.Container, codec: StreamDescription.Codec, rate: Int, channels: Int) throws {
        let original = try AudioDecoder.open(fixture(Self.originals[file]!))
        let originalSeconds = Double(original.frameCount!) / Double(original.sampleRate)
        let (s, m) = try decode(fixture("phone/\(file)"))
        #expect(s.stream.container == container && s.stream.codec == codec)
        #expect(s.sampleRate == rate && s.channels == channels)
        #expect(m.count == Int((originalSeconds * Double(rate)).rounded()), "\(file): \(m.count) frames")
        if let promised = s.frameCount { #expect(promised == m.count) }
        #expect(s.warnings.isEmpty, "\(s.warnings)")
    }

    /// ffmpeg's own AAC decoder, and libopus through ffmpeg's demuxer and trimming: the
    /// same samples at the same places (both round to 16 bits, hence not bit-exact).
    @Test("AAC and Opus decode like ffmpeg does, sample for sample aligned", arguments: [
        ("speech.m4a", 60.0), ("speech.3gp", 60.0), ("speech.webm", 60.0),
    ])
    func matchesFFmpeg(file: String, minimumSNR: Double) throws {
        let (_, ours) = try decode(fixture("phone/\(file)"))
        let theirs = try decodeAll(try AudioDecoder.open(fixture("phone/\(file).ffmpeg.flac")))
        // ffmpeg keeps an AAC stream's padding at the end; the audio both have is compared.
        let n = min(ours.count, theirs.count)
        #expect(n >= ours.count - 1100)
        let db = snr(Array(ours[0..<n]), Array(theirs[0..<n]))
        print("\(file) vs ffmpeg: \(String(format: "%.1f", db)) dB")
        #expect(db >= minimumSNR)
    }

    /// Perceptual codecs at phone bitrates keep the level and the waveform only roughly;
    /// the floors sit 2 to 3 dB under what these encoders measure (printed). AAC and Opus
    /// come out aligned (their delay is undone); AMR keeps its encoder's 5 ms look-ahead
    /// (40 samples, 3GPP TS 26.090), which its files do not record.
    @Test("level within 1.5 dB of the original, waveform SNR above the codec's floor, aligned", arguments: [
        ("speech.m4a", 7.0, 0), ("speech-stereo.m4a", 8.0, 0), ("speech.3gp", 4.0, 0), ("speech.webm", 15.0, 0),
        ("speech.amr", 3.0, 40), ("speech-amr.3gp", 3.0, 40), ("speech-all-modes.amr", 1.0, 40),
    ])
    func againstOriginal(file: String, minimumSNR: Double, lag: Int) throws {
        let o = try AudioDecoder.open(fixture(Self.originals[file]!))
        let original = mono(try decodeAll(o), channels: o.channels)
        // Opus is decoded at the original's rate (16 kHz), which libopus does natively.
        let (_, decoded) = try decode(fixture("phone/\(file)"), request: DecodeRequest(lowestUsefulRate: o.sampleRate))
        #expect(decoded.count == original.count)
        let best = (-60...60).max { a, b in
            snr(Array(decoded.dropFirst(max(0, a))), Array(original.dropFirst(max(0, -a)))) < snr(Array(decoded.dropFirst(max(0, b))), Array(original.dropFirst(max(0, -b))))
        }!
        let db = snr(Array(decoded.dropFirst(lag)), original)
        let level = rmsDB(decoded) - rmsDB(original)
        print("\(file) vs original: level \(String(format: "%+.2f", level)) dB, SNR \(String(format: "%.1f", db)) dB at lag \(best)")
        #expect(best == lag)
        #expect(abs(level) <= 1.5)
        #expect(db >= minimumSNR)
    }

    @Test("64-bit chunk offsets with 16-bit sample sizes, and iTunes' gapless tag in place of the edit list, give the plain M4A's very samples",
          arguments: ["speech-co64-stz2.m4a", "speech-itunsmpb.m4a"])
    func tableVariants(file: String) throws {
        let (s, x) = try decode(fixture("phone/\(file)"))
        #expect(s.frameCount == 176400)
        #expect(x == (try decode(fixture("phone/speech.m4a")).mono))
    }

    @Test("an M4A whose index is at the end decodes from a pipe exactly as from the file")
    func pipe() throws {
        let path = fixture("phone/speech.m4a")
        let fd = try feedPipe(try Data(contentsOf: URL(fileURLWithPath: path)))
        defer { close(fd) }
        let piped = try ByteSource(path: "/proc/self/fd/\(fd)")
        #expect(!piped.isSeekable)
        guard case let .format(format, match) = AudioDecoder.detect(piped.peek(65536), fileExtension: "") else { Issue.record("not detected"); return }
        let fromPipe = try decodeAll(try format.open(piped, request: DecodeRequest(), match: match))
        #expect(fromPipe == (try decode(path).mono))
    }

    @Test("what promptc does not decode is named with its codec", arguments: [
        ("phone/speech-alac.m4a", AudioIOError.Kind.unsupported), ("phone/speech-vorbis.webm", .unsupported), ("phone/video-only.mp4", .notAudio),
    ])
    func named(file: String, kind: AudioIOError.Kind) throws {
        #expect { _ = try AudioDecoder.open(fixture(file)) } throws: { ($0 as? AudioIOError)?.kind == kind }
    }

    @Test("damaged and hostile files: an error, or what is valid with a warning; never a crash", arguments: [
        ("mp4-no-moov.m4a", AudioIOError.Kind?.some(.corrupt)), ("mp4-huge-count.m4a", .corrupt), ("mp4-offset-outside.m4a", .corrupt),
        ("mp4-small-box.m4a", .corrupt), ("mp4-no-esds.m4a", .corrupt), ("mp4-zero-timescale.m4a", .corrupt),
        ("mp4-self-nesting.m4a", .notAudio), ("webm-huge-block.webm", .corrupt), ("webm-no-opushead.webm", .corrupt),
        ("mp4-truncated.m4a", nil), ("mp4-box-overflow.m4a", nil), ("mp4-zero-size-box.m4a", nil), ("mp4-fuzz-stts-overflow.m4a", .corrupt), ("amr-truncated.amr", nil), ("adts-truncated.aac", nil),
        ("adts-damaged.aac", nil), ("webm-truncated.webm", nil),
    ])
    func damaged(file: String, error: AudioIOError.Kind?) throws {
        let path = fixture("bad/\(file)")
        do {
            let s = try AudioDecoder.open(path)
            let n = try decodeAll(s).count / s.channels
            #expect(error == nil, "\(file) decoded \(n) frames")
            #expect(n > 0)
            if file.contains("truncated") || file.contains("damaged") { #expect(!s.warnings.isEmpty, "\(file) warns") }
            if file == "mp4-truncated.m4a" { #expect(s.warnings.contains { $0.meansIncompleteInput }) }
        } catch let e as AudioIOError {
            #expect(e.kind == error, "\(file): \(e)")
            #expect(e.path == path && !e.reason.contains("\n"))
        }
    }

    @Test("ADTS carries no delay information: the start is right (libfaad drops the first frame, which is the priming), the padding stays")
    func adts() throws {
        let (s, a) = try decode(fixture("phone/speech.aac"))
        #expect(s.stream.container == .adts && s.stream.codec == .aacLC && s.channels == 1)
        let (_, m) = try decode(fixture("phone/speech.m4a"))
        // Same encoder settings: the ADTS decode is the M4A's, followed by the padding.
        #expect(a.count % 1024 == 0 && a.count >= m.count && a.count < m.count + 1024)
        #expect(snr(Array(a.prefix(m.count)), m) > 60)
    }

    @Test("Opus decodes natively at the narrowband rates, and the pre-skip follows the rate", arguments: [8000, 12000, 16000, 24000])
    func opusRates(rate: Int) throws {
        let (s, x) = try decode(fixture("phone/speech.webm"), request: DecodeRequest(lowestUsefulRate: rate))
        #expect(s.sampleRate == rate && s.stream.codedRate == 48000)
        #expect(x.count == 4 * rate)
    }
}

@Suite("files that are not audio, or audio promptc does not decode, are named")
struct NotAudioNamingTests {
    @Test("images, documents, archives, AMR-WB and WMA: named in the one-line error", arguments: [
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] as [UInt8], "PNG image", AudioIOError.Kind.notAudio),
        ([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] + Array("JFIF".utf8), "JPEG image", .notAudio),
        (Array("%PDF-1.7\n%\u{E2}".utf8), "PDF document", .notAudio),
        ([0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0], "ZIP archive", .notAudio),
        (Array("#!AMR-WB\n".utf8) + [0x44, 0, 0, 0], "AMR-WB", .unsupported),
        ([0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0, 0xAA, 0, 0x62, 0xCE, 0x6C], "WMA", .unsupported),
    ])
    func named(head: [UInt8], what: String, kind: AudioIOError.Kind) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("recording.mp3").path
        try Data(head + [UInt8](repeating: 0x20, count: 2000)).write(to: URL(fileURLWithPath: path))
        #expect { _ = try AudioDecoder.open(path) } throws: { e in
            guard let e = e as? AudioIOError else { return false }
            return e.kind == kind && e.reason.contains(what) && !e.reason.contains("\n")
        }
    }
}
