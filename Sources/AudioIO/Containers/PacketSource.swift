/// A demuxer's view of a compressed stream: the coded packets (an AAC access unit, AMR
/// frames, an Opus packet) one after another, whatever the container.
protocol PacketReader: AnyObject {
    /// The next packet's bytes, replacing `packet`'s contents; false at the end. Damage
    /// that ends the stream early is recorded in ``truncation``; damage that makes the
    /// file unreadable throws.
    func next(into packet: inout [UInt8]) throws -> Bool
    /// Frames (at ``timing``'s timescale) to drop from the end of the packet just read
    /// (Matroska's DiscardPadding).
    var trimEndOfLastPacket: Int64 { get }
    /// Set when the packets ran out before the container's index did (a cut-off file).
    var truncation: String? { get }
}

extension PacketReader {
    var trimEndOfLastPacket: Int64 { 0 }
}

extension PacketDecoder {
    var droppedAtStart: Int { 0 }
}

/// Where the audio of a coded stream starts and how long it is, in the container's units:
/// the encoder's priming to skip and, when the container says, the exact length.
struct StreamTiming: Equatable {
    var timescale: Int
    var skip: Int64 = 0
    var length: Int64?

    /// `units` of this timing as frames at `rate`, rounded to the nearest.
    func frames(_ units: Int64, at rate: Int) -> Int {
        guard timescale > 0 else { return 0 }
        let (q, overflow) = units.multipliedReportingOverflow(by: Int64(rate))
        if !overflow, q <= Int64.max - Int64(timescale) { return Int((q + Int64(timescale) / 2) / Int64(timescale)) }
        // Only hostile files get here: clamp far beyond any real recording.
        return Int(min(Double(units) * Double(rate) / Double(timescale), 1e15))
    }
}

/// Decodes packets of one codec to float. Implementations wrap one C decoder each.
protocol PacketDecoder: AnyObject {
    /// Rate and channels of the decoded samples; valid once a packet has been decoded
    /// (HE-AAC's rate shows only then).
    var sampleRate: Int { get }
    var channels: Int { get }
    /// For people: "AAC", "AMR-NB", "Opus".
    var codecName: String { get }
    /// Frames of the stream's start the decoder drops by itself (libfaad's first frame),
    /// which count against the priming the container says to skip.
    var droppedAtStart: Int { get }
    /// Decodes one packet, appending interleaved samples to `out`: the frames added (a
    /// codec that conceals damage adds them for an invalid packet too) and whether the
    /// packet was valid.
    func decode(_ packet: UnsafeRawBufferPointer, into out: inout [Float]) -> (frames: Int, valid: Bool)
}

/// The ``AudioSource`` of every packetised codec: packets from a ``PacketReader`` through a
/// ``PacketDecoder``, with the priming and padding the container declares cut off, so the
/// decoded length equals the original recording's.
final class PacketSource: AudioSource {
    private(set) var stream: StreamDescription
    private(set) var warnings: [DecodeWarning] = []
    private let reader: PacketReader
    private let decoder: PacketDecoder
    private let timing: StreamTiming
    private var packet: [UInt8] = []
    private var pending: [Float] = []
    private var pendingStart = 0          // samples of `pending` already handed out
    private var skip: Int                 // frames still to drop at the start
    private var remaining: Int?           // frames still to deliver, when the length is known
    private var decoded = 0               // frames delivered
    private var invalid = 0, firstInvalid = 0
    private var ended = false, finished = false

    /// Opens the stream and decodes its first packet (which tells HE-AAC's rate).
    /// `describe` makes the description from the decoded rate and channels.
    init(path: String, reader: PacketReader, decoder: PacketDecoder, timing: StreamTiming,
         describe: (_ rate: Int, _ channels: Int, _ frames: Int?) -> StreamDescription) throws {
        self.reader = reader
        self.decoder = decoder
        self.timing = timing
        skip = 0
        stream = StreamDescription(container: .other, codec: .other, sampleRate: 1, channels: 1)
        try fill()
        guard decoder.sampleRate > 0, decoder.channels > 0 else {
            throw AudioIOError(.corrupt, path, "holds no \(decoder.codecName) audio that decodes\(reader.truncation.map { ": \($0)" } ?? "")")
        }
        try AudioLimits.check(rate: decoder.sampleRate, channels: decoder.channels, path: path)
        skip = max(0, timing.frames(timing.skip, at: decoder.sampleRate) - decoder.droppedAtStart)
        remaining = timing.length.map { timing.frames($0, at: decoder.sampleRate) }
        stream = describe(decoder.sampleRate, decoder.channels, remaining)
    }

    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let channels = decoder.channels
        var done = 0
        while done < frames {
            if let r = remaining, r == 0 { break }
            if pendingStart == pending.count {
                if ended { break }
                try fill()
                continue
            }
            var available = (pending.count - pendingStart) / channels
            if skip > 0 {
                let n = min(skip, available)
                skip -= n
                pendingStart += n * channels
                continue
            }
            available = min(available, frames - done, remaining ?? .max)
            pending.withUnsafeBufferPointer { p in
                (buffer + done * channels).update(from: p.baseAddress! + pendingStart, count: available * channels)
            }
            pendingStart += available * channels
            done += available
            decoded += available
            if remaining != nil { remaining! -= available }
        }
        if done == 0 { finish() }
        return done
    }

    /// Decodes packets until some samples are pending or the stream ends.
    private func fill() throws {
        pending.removeAll(keepingCapacity: true)
        pendingStart = 0
        while pending.isEmpty {
            guard try reader.next(into: &packet) else { ended = true; return }
            let before = pending.count
            let result = packet.withUnsafeBytes { decoder.decode($0, into: &pending) }
            if !result.valid {
                if invalid == 0 { firstInvalid = decoded + (pending.count - before) / max(1, decoder.channels) }
                invalid += 1
            }
            let trim = reader.trimEndOfLastPacket
            if trim > 0, decoder.sampleRate > 0 {
                let drop = min(timing.frames(trim, at: decoder.sampleRate), (pending.count - before) / max(1, decoder.channels))
                pending.removeLast(drop * decoder.channels)
            }
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        let rate = decoder.sampleRate
        if invalid > 0 { warnings.append(.invalidFrames(count: invalid, atFrame: firstInvalid, sampleRate: rate, codec: decoder.codecName)) }
        if let why = reader.truncation {
            if let promised = stream.frames, promised > decoded {
                warnings.append(.truncated(promisedFrames: promised, decodedFrames: decoded, sampleRate: rate))
            } else {
                warnings.append(.stoppedEarly(reason: why))
            }
        }
    }
}
